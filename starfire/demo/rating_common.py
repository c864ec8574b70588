"""What every rating demo year shares: the planned names, the demo actors and a driver that moves a
submission along the procedure through the rating services, as the users themselves would."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from branches import demo as register_demo
from branches.models import Committee, PartyOrganization, Role, User
from ratings.models import Indicator, InspectionAssignment, InspectorConflict, Submission
from ratings.workflow.onsite import inspection_score_save, inspection_sign_off, inspector_assign
from ratings.workflow.panel import submission_review
from ratings.workflow.precheck import submission_accept
from ratings.workflow.self_assessment import evidence_add, self_score_save, submission_submit

from .files import demo_pdf, demo_png

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


def at(y, m, d, hour=9, minute=0):
    """A time of day in China Standard Time."""
    return dt.datetime(y, m, d, hour, minute, tzinfo=TZ)


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


def spread(indicators: list[Indicator], deficit: Decimal, start: int) -> dict[int, Decimal]:
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


class Actors:
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


class Driver:
    """Moves one submission along the procedure through the services."""

    def __init__(self, actors: Actors, indicators: list[Indicator]):
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
            self_score_save(submission=sub, indicator_id=ind.pk, score=score, comment=comment, by=by)
            if ind.evidence_required:
                evidence_add(
                    submission=sub,
                    indicator_id=ind.pk,
                    upload=_evidence_upload(ind, sub.party_organization),
                    by=by,
                )

    def submit(self, sub: Submission):
        submission_submit(submission=sub, by=self.actors.secretary(sub.party_organization))

    def accept_and_assign(self, sub: Submission, index: int) -> list[InspectionAssignment]:
        submission_accept(submission=sub, by=self.actors.staff)
        avoid = set(
            InspectorConflict.objects.filter(
                organization__in=sub.party_organization.organizations.all()
            ).values_list("inspector_id", flat=True)
        )
        return [
            inspector_assign(submission=sub, inspector=inspector, by=self.actors.staff)
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
            inspection_score_save(
                assignment=assignment,
                indicator_id=ind.pk,
                score=score,
                finding=finding,
                by=assignment.inspector,
            )

    def sign(self, assignment: InspectionAssignment):
        inspection_sign_off(assignment=assignment, by=assignment.inspector)

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
        self.fill(sub, spread(self.indicators, max(deficit - self_bonus, Decimal(0)), index))
        self.submit(sub)
        assignments = self.accept_and_assign(sub, index)
        low, high = max(deficit - 1, Decimal(0)), deficit + 1 if deficit >= 1 else deficit
        for assignment, d, start in zip(assignments, (low, high), (index + 3, index + 11), strict=True):
            self.inspect(assignment, spread(self.indicators, d, start))
        for assignment in assignments if sign_all else assignments[:1]:
            self.sign(assignment)
        return assignments

    def review(self, sub: Submission):
        submission_review(submission=sub, by=self.actors.staff)
