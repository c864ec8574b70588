"""The 2023 rating cycle of the demo, completed: every party organisation reviewed, results published
and made final, plaques handed over, objections, rectification and a revocation; then moved to its
real 2023 dates (see the package docstring)."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from branches.models import Committee, PartyOrganization
from ratings.models import (
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
    Rubric,
    Status,
    Submission,
    VetoDecision,
    VetoItem,
)
from ratings.workflow.cycle_setup import cycle_create, cycle_open
from ratings.workflow.levels import cycle_recompute_levels, inspector_averages, recompute_deferred
from ratings.workflow.panel import adjustment_set, final_score_set, veto_decide, veto_raise

from .rating_common import (
    HALF,
    ONE_STAR_2023,
    PLAN_2023,
    TWO_STAR_2023,
    TWO_STAR_DEDUCTED_2023,
    VETO_CLEARED_2023,
    VETOED_2023,
    WUHOU,
    Actors,
    Driver,
    at,
)


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


def open_2023(committee: Committee, rubric: Rubric, *, by, exclusions=None) -> Cycle:
    """The demo's 2023 cycle of `committee`, created and opened now (its dates are moved back into
    2023 afterwards by backdate_2023)."""
    now = timezone.now()
    cycle = cycle_create(
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
        by=by,
    )
    cycle_open(cycle=cycle, by=by, exclusions=exclusions)
    return cycle


def build_2023(committee: Committee, rubric: Rubric, actors: Actors) -> Cycle:
    now = timezone.now()
    party_orgs = list(
        PartyOrganization.objects.filter(committee=committee, is_active=True).order_by("name", "pk")
    )
    plan = _plan_2023(party_orgs)
    exclusions = {po.pk: "演示数据：2023年度评星时尚未成立" for po in party_orgs if po.pk not in plan}
    cycle = open_2023(committee, rubric, by=actors.staff, exclusions=exclusions)
    indicators = list(
        Indicator.objects.filter(category__rubric=rubric)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    driver = Driver(actors, indicators)
    items = {a.code: a for a in AdjustmentItem.objects.filter(rubric=rubric)}
    vetoes = {v.code: v for v in VetoItem.objects.filter(rubric=rubric)}
    subs = list(
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("party_organization__name", "pk")
    )
    # Each review asks for the cycle's levels again; while loading, they are computed once, at the end.
    with recompute_deferred():
        for index, sub in enumerate(subs):
            p = plan[sub.party_organization_id]
            assignments = driver.to_inspected(sub, index, Decimal(p["indicator"]), sign_all=False)
            if "veto" in p:  # found on site by the first inspector, confirmed by the panel
                veto_raise(
                    submission=sub,
                    item_id=vetoes[p["veto"]].pk,
                    by=assignments[0].inspector,
                    note="实地验收发现党组织近一年未开展组织生活，党建工作“空壳”运转。",
                )
            if "cleared_veto" in p:
                veto_raise(
                    submission=sub,
                    item_id=vetoes[p["cleared_veto"]].pk,
                    by=actors.staff,
                    note="收到反映称该社会组织被列入失信名单，请评审组核实。",
                )
            driver.sign(assignments[1])
            for veto in VetoDecision.objects.filter(submission=sub):
                confirmed = veto.item.code == p.get("veto")
                veto_decide(
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
                adjustment_set(
                    submission=sub, item_id=items[p["bonus"]].pk, times=1, note=p["note"], by=actors.staff
                )
            if "deduction" in p:
                code, times, note = p["deduction"]
                adjustment_set(
                    submission=sub, item_id=items[code].pk, times=times, note=note, by=actors.staff
                )
            if p.get("raise_one"):
                averages = inspector_averages([sub.pk])
                ind = next(i for i in indicators if averages[(sub.pk, i.pk)] <= i.max_score - Decimal("0.5"))
                final_score_set(
                    submission=sub,
                    indicator_id=ind.pk,
                    score=averages[(sub.pk, ind.pk)] + HALF,
                    reason="集中评审时补充查阅了项目成效材料，酌情加0.5分。",
                    by=actors.staff,
                )
            driver.review(sub)
        cycle_recompute_levels(cycle_id=cycle.pk)

    from ratings.models import Plaque
    from ratings.outcomes.awards import plaque_update
    from ratings.outcomes.publication import cycle_publish, results_finalize

    # 公示 runs through the real services while the notice is open (today), then moves to 2023;
    # it needs the self-assessment deadline past, which the 2023 story has long been.
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=now - dt.timedelta(days=3),
        inspection_deadline=now - dt.timedelta(days=2),
        review_deadline=now - dt.timedelta(days=1),
    )
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
    backdate_2023(cycle, subs)
    backdate_results_2023(cycle, today)
    return cycle


def _objections_2023(cycle: Cycle, actors: "Actors") -> None:
    """One objection rejected, one upheld (a five-star result corrected to four stars)."""
    from ratings.outcomes.objections import objection_file, objection_reject, objection_uphold
    from ratings.outcomes.publication import listed_results

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


def _rectifications_2023(cycle: Cycle, actors: "Actors") -> None:
    """Rectification items from the review, in every state (one of them overdue once backdated)."""
    from ratings.outcomes.rectification import (
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


def _revocation_2023(cycle: Cycle, actors: "Actors") -> None:
    """A three-star award revoked during its validity for a veto event; the plaque came back."""
    from ratings.models import Award
    from ratings.outcomes.awards import award_revoke, plaque_update

    award = (
        Award.objects.filter(cycle=cycle, level=3)
        .exclude(party_organization__name=WUHOU)
        .order_by("-seq")
        .first()
    )
    # Built today, it happened in June 2024, inside the award's validity (until the next naming).
    award_revoke(
        award=award,
        grounds="veto",
        by=actors.staff,
        reason="2024年该社会组织被列入严重违法失信名单，按一票否决撤销星级命名。",
    )
    plaque_update(plaque=award.plaque, by=actors.staff, returned_on=timezone.localdate())


def backdate_results_2023(cycle: Cycle, built_on: dt.date) -> None:
    """Move 公示, objections, plaques, rectification and the revocation to their 2023/2024 dates."""
    from ratings.models import Award, AwardEvent, Objection, Plaque, Rectification

    Cycle.objects.filter(pk=cycle.pk).update(
        notice_starts_on=dt.date(2023, 12, 4),
        notice_ends_on=dt.date(2023, 12, 10),
        finalized_at=at(2023, 12, 11, 10),
    )
    Submission.objects.filter(cycle=cycle).exclude(finalized_at=None).update(
        finalized_at=at(2023, 12, 11, 10)
    )
    Objection.objects.filter(submission__cycle=cycle).update(
        filed_at=at(2023, 12, 6, 15), handled_at=at(2023, 12, 9)
    )
    Plaque.objects.filter(award__cycle=cycle).update(
        made_on=dt.date(2023, 12, 15), delivered_on=dt.date(2023, 12, 26)
    )
    revoked = Award.objects.filter(cycle=cycle, state=Award.State.REVOKED)
    Plaque.objects.filter(award__in=revoked).update(
        return_due_on=dt.date(2024, 7, 1), returned_on=dt.date(2024, 6, 28)
    )
    AwardEvent.objects.filter(award__in=revoked, kind=AwardEvent.Kind.REVOKED).update(at=at(2024, 6, 16, 10))
    items = list(Rectification.objects.filter(submission__cycle=cycle).order_by("pk"))
    for n, item in enumerate(items):
        # the first stays open and is now overdue; the others were due in spring 2024
        Rectification.objects.filter(pk=item.pk).update(
            due_on=dt.date(2024, 3, 31) if n else dt.date(2024, 2, 29), created_at=at(2023, 12, 12)
        )


def backdate_2023(cycle: Cycle, subs: list[Submission]) -> None:
    """Move the 2023 cycle to its real dates (see the module docstring)."""
    Cycle.objects.filter(pk=cycle.pk).update(
        created_at=at(2023, 8, 20),
        opened_at=at(2023, 9, 1),
        self_assessment_deadline=at(2023, 9, 30, 18),
        inspection_deadline=at(2023, 10, 31, 18),
        review_deadline=at(2023, 11, 30, 18),
        finalized_at=at(2023, 12, 11, 10),
    )
    Rubric.objects.filter(pk=cycle.rubric_id).update(created_at=at(2023, 8, 15), frozen_at=at(2023, 9, 1))
    rng = random.Random(2023)
    for sub in subs:
        submitted = at(2023, 9, rng.randint(10, 29), rng.randint(9, 17), rng.randint(0, 59))
        accepted = submitted + dt.timedelta(days=rng.randint(2, 6), hours=1)
        inspected = at(2023, 10, rng.randint(9, 30), rng.randint(10, 17))
        reviewed = at(2023, 11, rng.randint(14, 24), rng.randint(9, 17))
        Submission.objects.filter(pk=sub.pk).update(
            created_at=at(2023, 9, 1),
            submitted_at=submitted,
            accepted_at=accepted,
            inspected_at=inspected,
            reviewed_at=reviewed,
            finalized_at=at(2023, 12, 11, 10),
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
        valid_from=dt.date(2023, 12, 11), awarded_at=at(2023, 12, 11, 10)
    )
    AwardEvent.objects.filter(award__cycle=cycle).update(at=at(2023, 12, 11, 10))
