"""Demo data of the 星火 rating for 四川省社会组织第二综合党委: the story of domain.md.

* 2023, completed: every party organisation of the demo register took part and was reviewed;
  30 of them end at 3★ or above (成都市武侯社区发展基金会党支部 at 5★), two at 2★, one at 1★
  and one vetoed. The results were published, made final and the plaques handed over.
* 2024, in progress on version 2 of the rubric (copied from 2023): submissions in every state.

Everything goes through the real services (ratings.services, ratings.publication,
ratings.awards) with the demo users, so audit entries, files and scores look like real use.

Dates. The services check deadlines against the current time, so the 2023 cycle is built with
deadlines in the future and afterwards moved to its real 2023 dates by queryset updates
(deadlines, opening, submission/inspection/review times, awards). Audit entries keep the time
the demo was loaded. Notices that replaying 2023 produced (e.g. "the cycle is open, submit by…")
are removed: they were not news when the demo was loaded. The 2024 cycle is live, so its
deadlines are set relative to the day the demo is loaded (self-assessment in three weeks) and
branches can still submit.

Idempotent: a cycle that already exists is left alone, so running it again changes nothing.
"""

import datetime as dt
import random
import struct
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from branches import demo as register_demo
from branches.models import Committee, PartyOrganization, Role, SocialOrganization, User

from . import services
from .models import (
    AdjustmentItem,
    Award,
    AwardEvent,
    Cycle,
    Evidence,
    FinalScore,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    Rubric,
    Status,
    Submission,
    VetoDecision,
    VetoItem,
)
from .rubric_data import create_default_rubric

WUHOU = register_demo.WUHOU_BRANCH
VETOED_2023 = "川南行业协会联合党支部"
ONE_STAR_2023 = "攀枝花市康养产业协会党支部"
TWO_STAR_2023 = "德阳市装备制造业商会党支部"
TWO_STAR_DEDUCTED_2023 = "达州市青少年服务中心党支部"
VETO_CLEARED_2023 = "成都市家政服务业协会党支部"
# The other 29 branches of 2023, highest first: 3 more at 5★, 11 at 4★, 15 at 3★. "indicator" is
# the sum of the inspectors' averages; bonus/deduction/raise_one move the final total (in brackets).
PLAN_2023 = [
    {"indicator": "96.5"},
    {"indicator": "95.5"},
    {"indicator": "95"},
    {"indicator": "94"},
    {"indicator": "89.5", "bonus": "B1", "note": "党支部获评省级先进基层党组织"},  # (92.5)
    {"indicator": "91"},
    {"indicator": "90"},
    {"indicator": "89.5"},
    {"indicator": "88"},
    {"indicator": "87"},
    {"indicator": "86.5"},
    {"indicator": "86"},
    {"indicator": "85.5"},
    {"indicator": "85"},
    {"indicator": "84.5"},
    {"indicator": "83"},
    {"indicator": "82"},
    {"indicator": "81", "deduction": ("D2", 2, "2名党员组织关系未及时转接")},  # (79)
    {"indicator": "80", "raise_one": True},  # (80.5)
    {"indicator": "79.5"},
    {"indicator": "79"},
    {"indicator": "78"},
    {"indicator": "77.5"},
    {"indicator": "77"},
    {"indicator": "76.5"},
    {"indicator": "76"},
    {"indicator": "75.5"},
    {"indicator": "75"},
    {"indicator": "75"},
]
HALF = Decimal("0.5")
INSPECTORS = ("inspector1", "inspector2", "inspector3")
TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no daylight saving time


def _at(y, m, d, hour=9, minute=0):
    return dt.datetime(y, m, d, hour, minute, tzinfo=TZ)


# --- small valid files ------------------------------------------------------------------------


def demo_pdf(text: str) -> bytes:
    """A minimal but complete one-page PDF (header, objects, xref table, trailer)."""
    safe = text.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def demo_png(width: int = 16, height: int = 12, rgb=(200, 40, 40)) -> bytes:
    """A small solid-colour RGB PNG with valid chunks and CRCs."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


_PNG = demo_png()


def _evidence_upload(indicator: Indicator, po: PartyOrganization) -> SimpleUploadedFile:
    if indicator.category.code == "4":  # 阵地建设: photos of the place
        return SimpleUploadedFile(f"{indicator.code}-现场照片.png", _PNG, content_type="image/png")
    pdf = demo_pdf(f"Starfire demo evidence {indicator.code} / party organisation {po.pk}")
    return SimpleUploadedFile(
        f"{indicator.code}-{indicator.evidence_description[:12] or '佐证材料'}.pdf",
        pdf,
        content_type="application/pdf",
    )


# --- scores ---------------------------------------------------------------------------------


def _spread(indicators: list[Indicator], deficit: Decimal, start: int) -> dict[int, Decimal]:
    """Full marks minus `deficit` points, taken in 0.5/1-point bites spread over the indicators."""
    scores = {ind.pk: ind.max_score for ind in indicators}
    remaining, i, n = Decimal(deficit), start % len(indicators), len(indicators)
    guard = 0
    while remaining > 0 and guard < 10_000:
        ind = indicators[i]
        bite = min(Decimal(1) if guard % 3 else Decimal("0.5"), remaining, scores[ind.pk])
        scores[ind.pk] -= bite
        remaining -= bite
        i = (i + 7) % n
        guard += 1
    return scores


class _Actors:
    def __init__(self, committee: Committee):
        self.staff = User.objects.get(username="staff")
        self.inspectors = [User.objects.get(username=u) for u in INSPECTORS]
        secretaries = {}
        for user in User.objects.filter(role=Role.SECRETARY, committee=committee, is_active=True).order_by(
            "pk"
        ):
            secretaries.setdefault(user.party_organization_id, user)
        self.secretaries = secretaries

    def secretary(self, po: PartyOrganization) -> User:
        if po.pk not in self.secretaries:
            user, _c = User.objects.get_or_create(
                username=f"sec{po.pk:03d}",
                defaults={
                    "display_name": f"{po.name}书记",
                    "role": Role.SECRETARY,
                    "committee_id": po.committee_id,
                    "party_organization": po,
                },
            )
            self.secretaries[po.pk] = user
        return self.secretaries[po.pk]

    def pair(self, index: int, avoid: set[int] = frozenset()) -> list[User]:
        pairs = [(0, 1), (0, 2), (1, 2)]
        for offset in range(3):
            a, b = pairs[(index + offset) % 3]
            chosen = [self.inspectors[a], self.inspectors[b]]
            if not {u.pk for u in chosen} & set(avoid):
                return chosen
        raise RuntimeError("no inspector pair without a conflict")


class _Driver:
    """Moves one submission along the procedure through the services."""

    def __init__(self, actors: _Actors, indicators: list[Indicator]):
        self.actors = actors
        self.indicators = indicators
        self.required = [ind for ind in indicators if ind.evidence_required]

    def fill(self, sub: Submission, scores: dict[int, Decimal], *, only: int | None = None):
        by = self.actors.secretary(sub.party_organization)
        for n, ind in enumerate(self.indicators):
            if only is not None and n >= only:
                break
            score = scores[ind.pk]
            comment = (
                f"已按要求落实，见{ind.evidence_description}。"
                if score >= ind.max_score
                else "基本落实，个别方面仍需加强。"
            )
            services.self_score_save(submission=sub, indicator_id=ind.pk, score=score, comment=comment, by=by)
            if ind.evidence_required:
                services.evidence_add(
                    submission=sub,
                    indicator_id=ind.pk,
                    upload=_evidence_upload(ind, sub.party_organization),
                    by=by,
                )

    def submit(self, sub: Submission):
        services.submission_submit(submission=sub, by=self.actors.secretary(sub.party_organization))

    def accept_and_assign(self, sub: Submission, index: int) -> list[InspectionAssignment]:
        services.submission_accept(submission=sub, by=self.actors.staff)
        avoid = set(
            InspectorConflict.objects.filter(
                organization__in=sub.party_organization.organizations.all()
            ).values_list("inspector_id", flat=True)
        )
        return [
            services.inspector_assign(submission=sub, inspector=inspector, by=self.actors.staff)
            for inspector in self.actors.pair(index, avoid)
        ]

    def inspect(
        self, assignment: InspectionAssignment, scores: dict[int, Decimal], *, only: int | None = None
    ):
        for n, ind in enumerate(self.indicators):
            if only is not None and n >= only:
                break
            score = scores[ind.pk]
            finding = (
                f"现场查阅{ind.evidence_description}，情况属实。"
                if score >= ind.max_score
                else f"现场查阅{ind.evidence_description}，部分材料不完整，酌情扣分。"
            )
            services.inspection_score_save(
                assignment=assignment,
                indicator_id=ind.pk,
                score=score,
                finding=finding,
                by=assignment.inspector,
            )

    def sign(self, assignment: InspectionAssignment):
        services.inspection_sign_off(assignment=assignment, by=assignment.inspector)

    def to_inspected(
        self,
        sub: Submission,
        index: int,
        indicator_total: Decimal,
        *,
        self_bonus=Decimal(3),
        sign_all: bool = True,
    ) -> list[InspectionAssignment]:
        """Fill (self score a little above the inspectors'), submit, accept, assign two inspectors,
        who score so that their averages add up to `indicator_total`, and sign off."""
        deficit = Decimal(100) - indicator_total
        self.fill(sub, _spread(self.indicators, max(deficit - self_bonus, Decimal(0)), index))
        self.submit(sub)
        assignments = self.accept_and_assign(sub, index)
        low, high = max(deficit - 1, Decimal(0)), deficit + 1 if deficit >= 1 else deficit
        for assignment, d, start in zip(assignments, (low, high), (index + 3, index + 11), strict=True):
            self.inspect(assignment, _spread(self.indicators, d, start))
        for assignment in assignments if sign_all else assignments[:1]:
            self.sign(assignment)
        return assignments

    def review(self, sub: Submission):
        services.submission_review(submission=sub, by=self.actors.staff)


def _plan_2023(party_orgs: list[PartyOrganization]) -> dict[int, dict]:
    """Indicator total and extras per party organisation; only the demo register's names are planned."""
    special = {
        WUHOU: {"indicator": "96", "bonus": "B3", "note": "社会组织评估等级为5A"},
        VETOED_2023: {"indicator": "82", "veto": "V4"},
        ONE_STAR_2023: {"indicator": "62"},
        TWO_STAR_2023: {"indicator": "70"},
        TWO_STAR_DEDUCTED_2023: {"indicator": "68", "deduction": ("D1", 1, "自评材料逾期3天报送")},
    }
    plan, rest = {}, []
    for po in party_orgs:
        if po.name in special:
            plan[po.pk] = dict(special[po.name])
        else:
            rest.append(po)
    for po, entry in zip(rest, PLAN_2023, strict=False):
        plan[po.pk] = dict(entry)
        if po.name == VETO_CLEARED_2023:
            plan[po.pk]["cleared_veto"] = "V2"
    return plan


def _build_2023(committee: Committee, rubric: Rubric, actors: _Actors) -> Cycle:
    now = timezone.now()
    party_orgs = list(
        PartyOrganization.objects.filter(committee=committee, is_active=True).order_by("name", "pk")
    )
    plan = _plan_2023(party_orgs)
    exclusions = {po.pk: "演示数据：2023年度评星时尚未成立" for po in party_orgs if po.pk not in plan}
    cycle = services.cycle_create(
        cycle=Cycle(
            committee=committee,
            year=2023,
            title="2023年度“星火”党组织星级评定",
            rubric=rubric,
            notice_days=7,
            self_assessment_deadline=now + dt.timedelta(days=30),
            inspection_deadline=now + dt.timedelta(days=60),
            review_deadline=now + dt.timedelta(days=90),
        ),
        by=actors.staff,
    )
    services.cycle_open(cycle=cycle, by=actors.staff, exclusions=exclusions)
    indicators = list(
        Indicator.objects.filter(category__rubric=rubric)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    driver = _Driver(actors, indicators)
    items = {a.code: a for a in AdjustmentItem.objects.filter(rubric=rubric)}
    vetoes = {v.code: v for v in VetoItem.objects.filter(rubric=rubric)}
    subs = list(
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("party_organization__name", "pk")
    )
    for index, sub in enumerate(subs):
        p = plan[sub.party_organization_id]
        assignments = driver.to_inspected(sub, index, Decimal(p["indicator"]), sign_all=False)
        if "veto" in p:  # found on site by the first inspector, confirmed by the panel
            services.veto_raise(
                submission=sub,
                item_id=vetoes[p["veto"]].pk,
                by=assignments[0].inspector,
                note="实地验收发现党组织近一年未开展组织生活，党建工作“空壳”运转。",
            )
        if "cleared_veto" in p:
            services.veto_raise(
                submission=sub,
                item_id=vetoes[p["cleared_veto"]].pk,
                by=actors.staff,
                note="收到反映称该社会组织被列入失信名单，请评审组核实。",
            )
        driver.sign(assignments[1])
        for veto in VetoDecision.objects.filter(submission=sub):
            confirmed = veto.item.code == p.get("veto")
            services.veto_decide(
                veto=veto,
                confirmed=confirmed,
                by=actors.staff,
                reason=(
                    "经实地核查和集中评审认定，情况属实。"
                    if confirmed
                    else "经查询“信用中国”，该组织未被列入严重违法失信名单，反映不属实。"
                ),
            )
        if "bonus" in p:
            services.adjustment_set(
                submission=sub, item_id=items[p["bonus"]].pk, times=1, note=p["note"], by=actors.staff
            )
        if "deduction" in p:
            code, times, note = p["deduction"]
            services.adjustment_set(
                submission=sub, item_id=items[code].pk, times=times, note=note, by=actors.staff
            )
        if p.get("raise_one"):
            averages = services.inspector_averages([sub.pk])
            ind = next(i for i in indicators if averages[(sub.pk, i.pk)] <= i.max_score - Decimal("0.5"))
            services.final_score_set(
                submission=sub,
                indicator_id=ind.pk,
                score=averages[(sub.pk, ind.pk)] + HALF,
                reason="集中评审时补充查阅了项目成效材料，酌情加0.5分。",
                by=actors.staff,
            )
        driver.review(sub)
    services.cycle_recompute_levels(cycle_id=cycle.pk)

    from .awards import plaque_update
    from .models import Plaque
    from .publication import cycle_publish, results_finalize

    # 公示 runs through the real services while the notice is open (today), then moves to 2023.
    today = timezone.localdate()
    cycle = cycle_publish(cycle=cycle, by=actors.staff, starts_on=today)
    _objections_2023(cycle, actors)
    results_finalize(
        cycle=Cycle.objects.get(pk=cycle.pk),
        by=actors.staff,
        today=cycle.notice_ends_on + dt.timedelta(days=1),
    )
    for plaque in Plaque.objects.filter(award__cycle=cycle).select_related("award__party_organization"):
        secretary = plaque.award.party_organization.secretary
        plaque_update(
            plaque=plaque,
            by=actors.staff,
            made_on=today,
            delivered_on=today,
            delivered_by="综合党委书记",
            received_by=secretary.name if secretary else "",
        )
    _rectifications_2023(cycle, actors)
    _revocation_2023(cycle, actors)
    _backdate_2023(cycle, subs)
    _backdate_results_2023(cycle, today)
    return cycle


def _objections_2023(cycle: Cycle, actors: "_Actors") -> None:
    """One objection rejected, one upheld (a five-star result corrected to four stars)."""
    from .publication import listed_results, objection_file, objection_reject, objection_uphold

    listed = list(listed_results(cycle))
    fives = [s for s in listed if s.proposed_level == 5 and s.party_organization.name != WUHOU]
    target = max(fives, key=lambda s: s.total)
    other = next(s for s in listed if s.proposed_level == 3)
    rejected = objection_file(
        submission=other, reason="听说该支部主题党日活动照片是摆拍的，材料不实。", name="", contact=""
    )
    objection_reject(
        objection=rejected,
        by=actors.staff,
        outcome="经调阅原始照片和签到表并走访党员，主题党日活动真实开展，异议不成立。",
    )
    upheld = objection_file(
        submission=target,
        reason="该组织年度报告逾期两个月才报送，自评“按时报送”不属实。",
        name="王某",
        contact="13800000000",
    )
    delta = target.total - Decimal(90)
    final = (
        FinalScore.objects.filter(submission=target, score__gte=delta)
        .select_related("indicator")
        .order_by("-score")
        .first()
    )
    objection_uphold(
        objection=upheld,
        by=actors.staff,
        outcome="经向登记管理机关核实，年度报告确系逾期报送，相应指标扣分，星级由五星调整为四星。",
        final_scores={final.indicator_id: final.score - delta},
    )


def _rectifications_2023(cycle: Cycle, actors: "_Actors") -> None:
    """Rectification items from the review, in every state (one of them overdue once backdated)."""
    from .rectification import (
        rectification_answer,
        rectification_create,
        rectification_send_back,
        rectification_verify,
    )

    subs = list(
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED, vetoed=False)
        .select_related("party_organization")
        .order_by("total")[:5]
    )
    due = timezone.localdate() + dt.timedelta(days=30)
    items = [
        ("党费收缴台账不完整，部分月份缺少记录。", "补齐党费收缴台账，按季度公示。"),
        ("党建标识未上墙，活动场所不规范。", "按规范设置党旗、入党誓词和制度牌。"),
        ("支委会记录缺少议题和决议。", "规范会议记录格式，写明议题、讨论情况和决议。"),
        ("党员示范岗未明确职责。", "制定示范岗职责清单并公示。"),
        ("线上学习平台组织长期未更新。", "指定专人维护，每月至少更新两次。"),
    ]
    created = []
    for sub, (problem, requirement) in zip(subs, items, strict=False):
        created.append(
            rectification_create(
                submission=sub, by=actors.staff, problem=problem, requirement=requirement, due_on=due
            )
        )
    for n, item in enumerate(created):
        secretary = actors.secretary(item.submission.party_organization)
        if n in (1, 2, 3):
            rectification_answer(item=item, by=secretary, answer="已按要求整改，相关材料见附件。")
        if n == 2:
            rectification_verify(item=item, by=actors.staff, note="现场核查，整改到位，予以销号。")
        if n == 3:
            rectification_send_back(
                item=item, by=actors.staff, note="整改材料只有计划，没有落实情况，请补充。"
            )


def _revocation_2023(cycle: Cycle, actors: "_Actors") -> None:
    """A three-star award revoked during its validity for a veto event; the plaque came back."""
    from .awards import award_revoke, plaque_update
    from .models import Award

    award = (
        Award.objects.filter(cycle=cycle, level=3)
        .exclude(party_organization__name=WUHOU)
        .order_by("-seq")
        .first()
    )
    # Built today, it happened in June 2024, inside the award's validity (31 Dec 2024).
    valid_until = award.valid_until
    Award.objects.filter(pk=award.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=1))
    award.refresh_from_db()
    award_revoke(
        award=award,
        grounds="veto",
        by=actors.staff,
        reason="2024年该社会组织被列入严重违法失信名单，按一票否决撤销星级命名。",
    )
    plaque_update(plaque=award.plaque, by=actors.staff, returned_on=timezone.localdate())
    Award.objects.filter(pk=award.pk).update(valid_until=valid_until)


def _backdate_results_2023(cycle: Cycle, built_on: dt.date) -> None:
    """Move 公示, objections, plaques, rectification and the revocation to their 2023/2024 dates."""
    from .models import Award, AwardEvent, Objection, Plaque, Rectification

    Cycle.objects.filter(pk=cycle.pk).update(
        notice_starts_on=dt.date(2023, 12, 4),
        notice_ends_on=dt.date(2023, 12, 10),
        finalized_at=_at(2023, 12, 11, 10),
    )
    Submission.objects.filter(cycle=cycle).exclude(finalized_at=None).update(
        finalized_at=_at(2023, 12, 11, 10)
    )
    Objection.objects.filter(submission__cycle=cycle).update(
        filed_at=_at(2023, 12, 6, 15), handled_at=_at(2023, 12, 9)
    )
    Plaque.objects.filter(award__cycle=cycle).update(
        made_on=dt.date(2023, 12, 15), delivered_on=dt.date(2023, 12, 26)
    )
    revoked = Award.objects.filter(cycle=cycle, state=Award.State.REVOKED)
    Plaque.objects.filter(award__in=revoked).update(
        return_due_on=dt.date(2024, 7, 1), returned_on=dt.date(2024, 6, 28)
    )
    AwardEvent.objects.filter(award__in=revoked, kind=AwardEvent.Kind.REVOKED).update(at=_at(2024, 6, 16, 10))
    items = list(Rectification.objects.filter(submission__cycle=cycle).order_by("pk"))
    for n, item in enumerate(items):
        # the first stays open and is now overdue; the others were due in spring 2024
        Rectification.objects.filter(pk=item.pk).update(
            due_on=dt.date(2024, 3, 31) if n else dt.date(2024, 2, 29), created_at=_at(2023, 12, 12)
        )


def _backdate_2023(cycle: Cycle, subs: list[Submission]) -> None:
    """Move the 2023 cycle to its real dates (see the module docstring)."""
    Cycle.objects.filter(pk=cycle.pk).update(
        created_at=_at(2023, 8, 20),
        opened_at=_at(2023, 9, 1),
        self_assessment_deadline=_at(2023, 9, 30, 18),
        inspection_deadline=_at(2023, 10, 31, 18),
        review_deadline=_at(2023, 11, 30, 18),
        finalized_at=_at(2023, 12, 11, 10),
    )
    Rubric.objects.filter(pk=cycle.rubric_id).update(created_at=_at(2023, 8, 15), frozen_at=_at(2023, 9, 1))
    rng = random.Random(2023)
    for sub in subs:
        submitted = _at(2023, 9, rng.randint(10, 29), rng.randint(9, 17), rng.randint(0, 59))
        accepted = submitted + dt.timedelta(days=rng.randint(2, 6), hours=1)
        inspected = _at(2023, 10, rng.randint(9, 30), rng.randint(10, 17))
        reviewed = _at(2023, 11, rng.randint(14, 24), rng.randint(9, 17))
        Submission.objects.filter(pk=sub.pk).update(
            created_at=_at(2023, 9, 1),
            submitted_at=submitted,
            accepted_at=accepted,
            inspected_at=inspected,
            reviewed_at=reviewed,
            finalized_at=_at(2023, 12, 11, 10),
        )
        IndicatorScore.objects.filter(submission=sub).update(updated_at=submitted - dt.timedelta(days=1))
        Evidence.objects.filter(submission=sub).update(uploaded_at=submitted - dt.timedelta(days=2))
        InspectionAssignment.objects.filter(submission=sub).update(
            assigned_at=accepted + dt.timedelta(hours=2), signed_off_at=inspected
        )
        InspectionScore.objects.filter(assignment__submission=sub).update(
            recorded_at=inspected - dt.timedelta(hours=2)
        )
        FinalScore.objects.filter(submission=sub).update(set_at=reviewed)
        VetoDecision.objects.filter(submission=sub).exclude(decided_at=None).update(decided_at=reviewed)
    Award.objects.filter(cycle=cycle).update(
        valid_from=dt.date(2023, 12, 11), awarded_at=_at(2023, 12, 11, 10)
    )
    AwardEvent.objects.filter(award__cycle=cycle).update(at=_at(2023, 12, 11, 10))


# --- 2024 -------------------------------------------------------------------------------------

# State of each 2024 submission, in order of the party organisations' names (Wuhou and 德阳 are
# placed explicitly below). Counts: 6 draft, 5 submitted, 3 returned, 4 accepted (assigned, nobody
# signed), 3 accepted (one signed), 4 inspected, 8 reviewed = 33 (one branch is excluded).
STATES_2024 = (
    ["reviewed"] * 8
    + ["inspected"] * 4
    + ["one_signed"] * 3
    + ["assigned"] * 4
    + ["returned"] * 3
    + ["submitted"] * 5
    + ["draft"] * 6
)
EXCLUDED_2024 = {ONE_STAR_2023: "正式党员不足3名，已调整为联合党支部筹建中，本年度不参评。"}


def _build_2024(committee: Committee, rubric_2023: Rubric, actors: _Actors) -> Cycle:
    now = timezone.now()
    rubric = services.rubric_copy(rubric=rubric_2023, by=actors.staff)
    Rubric.objects.filter(pk=rubric.pk).update(name="星火党组织星级评定测评标准（2024年修订）")
    # 2024 revision: the themed party day is worth one more point, the online platform one less.
    Indicator.objects.filter(category__rubric=rubric, code="3.3").update(max_score=Decimal(5))
    Indicator.objects.filter(category__rubric=rubric, code="4.3").update(max_score=Decimal(2))
    party_orgs = list(
        PartyOrganization.objects.filter(committee=committee, is_active=True).order_by("name", "pk")
    )
    cycle = services.cycle_create(
        cycle=Cycle(
            committee=committee,
            year=2024,
            title="2024年度“星火”党组织星级评定",
            rubric=rubric,
            notice_days=7,
            self_assessment_deadline=now + dt.timedelta(days=21),
            inspection_deadline=now + dt.timedelta(days=45),
            review_deadline=now + dt.timedelta(days=75),
        ),
        by=actors.staff,
    )
    for po in party_orgs:
        if po.name in EXCLUDED_2024:
            services.cycle_exclusion_set(
                cycle=cycle, party_organization=po, reason=EXCLUDED_2024[po.name], by=actors.staff
            )
    services.cycle_open(cycle=cycle, by=actors.staff)
    indicators = list(
        Indicator.objects.filter(category__rubric=rubric)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    driver = _Driver(actors, indicators)
    subs = list(
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("party_organization__name", "pk")
    )
    fixed = {WUHOU: "draft_partial", TWO_STAR_2023: "reviewed"}
    states = list(STATES_2024)
    for name, state in fixed.items():
        if any(s.party_organization.name == name for s in subs):
            states.remove("draft" if state == "draft_partial" else state)
    queue = iter(states)
    staff = actors.staff
    last_year = dict(
        Submission.objects.filter(cycle__committee=committee, cycle__year=2023).values_list(
            "party_organization_id", "indicator_total"
        )
    )
    for index, sub in enumerate(subs):
        state = fixed.get(sub.party_organization.name) or next(queue, "draft")
        # Close to last year's marks; 德阳 was 2★ in 2023 and now scores 4★ marks, so the
        # promotion limit holds it at 3★.
        before = last_year.get(sub.party_organization_id) or Decimal(80)
        total = min(Decimal(before) + (index * 5) % 8 - 4, Decimal(99))
        if sub.party_organization.name == TWO_STAR_2023:
            total = Decimal(88)
        deficit = Decimal(100) - total
        if state in ("draft", "draft_partial"):
            if state == "draft_partial" or index % 2:
                driver.fill(
                    sub, _spread(indicators, deficit, index), only=10 if state == "draft_partial" else 6
                )
            continue
        if state in ("submitted", "returned"):
            driver.fill(sub, _spread(indicators, max(deficit - 3, Decimal(0)), index))
            driver.submit(sub)
            if state == "returned":
                first = indicators[index % len(indicators)]
                services.submission_return(
                    submission=sub,
                    by=staff,
                    reasons=[
                        (
                            first.pk,
                            f"{first.code}的佐证材料不清晰，请上传盖章的{first.evidence_description}。",
                        ),
                        (
                            indicators[(index + 9) % len(indicators)].pk,
                            "自评分与佐证材料不符，请核实后重新填写。",
                        ),
                        (None, "请补充党支部年度工作总结。"),
                    ],
                )
            continue
        if state in ("assigned", "one_signed"):
            driver.fill(sub, _spread(indicators, max(deficit - 3, Decimal(0)), index))
            driver.submit(sub)
            assignments = driver.accept_and_assign(sub, index)
            if state == "one_signed":
                driver.inspect(assignments[0], _spread(indicators, deficit, index + 3))
                driver.sign(assignments[0])
                driver.inspect(assignments[1], _spread(indicators, deficit, index + 11), only=15)
            elif index % 2:
                driver.inspect(assignments[0], _spread(indicators, deficit, index + 3), only=8)
            continue
        driver.to_inspected(sub, index, total)
        if state == "reviewed":
            driver.review(sub)
    services.cycle_recompute_levels(cycle_id=cycle.pk)
    return cycle


def _conflicts(committee: Committee, actors: _Actors) -> None:
    """The 回避 register: two inspectors linked to organisations of the demo register."""
    entries = [
        ("inspector3", register_demo.WUHOU_ORG, InspectorConflict.Kind.RELATIVE, "配偶在该基金会任副秘书长"),
        ("inspector1", "四川省软件行业协会", InspectorConflict.Kind.MEMBER, "曾任该协会理事（2021年卸任）"),
    ]
    for username, org_name, kind, note in entries:
        org = SocialOrganization.objects.filter(committee=committee, name=org_name).first()
        inspector = next((u for u in actors.inspectors if u.username == username), None)
        if org and inspector:
            InspectorConflict.objects.get_or_create(
                inspector=inspector, organization=org, defaults={"kind": kind, "note": note}
            )


def load_ratings(stdout=None) -> dict:
    """Create (or leave as it is) the rating demo data; returns what exists afterwards."""
    committee = Committee.objects.filter(name=register_demo.COMMITTEE).first()
    if committee is None:
        committee = register_demo.load_register()["committee"]
    actors = _Actors(committee)
    RatingSettings.for_committee(committee.pk)
    _conflicts(committee, actors)
    with transaction.atomic():
        rubric = Rubric.objects.filter(committee=committee, version=1).first()
        if rubric is None:
            rubric = create_default_rubric(committee, version=1)
    created = []
    if not Cycle.objects.filter(committee=committee, year=2023).exists():
        from notifications.models import Notification

        watermark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with transaction.atomic():
            _build_2023(committee, rubric, actors)
        # Notices produced by replaying 2023 were never news to anyone (module docstring).
        Notification.objects.filter(pk__gt=watermark).delete()
        created.append(2023)
    if not Cycle.objects.filter(committee=committee, year=2024).exists():
        with transaction.atomic():
            _build_2024(committee, Cycle.objects.get(committee=committee, year=2023).rubric, actors)
        created.append(2024)
    return {"committee": committee, "created": created, "cycles": summary(committee)}


def summary(committee: Committee) -> list[str]:
    """One line per cycle for the load_demo command."""
    lines = []
    for cycle in Cycle.objects.filter(committee=committee).order_by("year"):
        subs = Submission.objects.filter(cycle=cycle)
        if cycle.status == Cycle.Status.FINAL:
            plaques = subs.filter(vetoed=False, final_level__gte=cycle.rubric.plaque_min_level).count()
            lines.append(
                f"{cycle.year}年度（{cycle.get_status_display()}）：{subs.count()} 个党组织参评，"
                f"{plaques} 个三星及以上，{subs.filter(vetoed=True).count()} 个一票否决"
            )
        else:
            counts = {s: subs.filter(status=s).count() for s in Status.values}
            detail = "，".join(f"{Status(s).label} {n}" for s, n in counts.items() if n)
            lines.append(
                f"{cycle.year}年度（{cycle.get_status_display()}）：{subs.count()} 个申报 — {detail}"
            )
    return lines
