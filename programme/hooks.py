"""What the programme shows on the rating's pages, through the rating's hooks (programme.apps)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ratings.models import FinalScore, Status, Submission
from ratings.workflow.indicator_notes import IndicatorNote

from .cases import RESULTS_OUT
from .models import Case, ImprovementPlan, PlanAction

CASES_PER_INDICATOR = 3


def last_plan_notes(submission: Submission) -> dict[str, list[IndicatorNote]]:
    """Beside each indicator of a self-assessment: the actions of the branch's plan from the
    cycle before (by indicator code). Two queries."""
    plan = (
        ImprovementPlan.objects.filter(
            party_organization_id=submission.party_organization_id,
            cycle__committee_id=submission.cycle.committee_id,
            cycle__year__lt=submission.cycle.year,
        )
        .select_related("cycle")
        .order_by("-cycle__year")
        .first()
    )
    if plan is None:
        return {}
    url = reverse("programme:plan-detail", args=[plan.pk])
    heading = _("%(year)s年度提升计划") % {"year": plan.cycle.year}
    notes: dict[str, list[IndicatorNote]] = {}
    for action in PlanAction.objects.filter(plan=plan).exclude(indicator_code="").order_by("due_on", "pk"):
        state = _("已完成") if action.is_done else _("未完成")
        detail = _("%(owner)s · %(due)s前 · %(state)s") % {
            "owner": action.owner,
            "due": action.due_on.isoformat(),
            "state": state,
        }
        notes.setdefault(action.indicator_code, []).append(IndicatorNote(heading, action.text, detail, url))
    return notes


def lost_last_cycle(submission: Submission) -> dict[str, float]:
    """Indicator code → points the branch lost on it in its latest reviewed result of a cycle
    before this one, in the same committee, whose results are out — published or final (only
    those with points lost). One query."""
    rows = (
        FinalScore.objects.filter(
            submission__party_organization_id=submission.party_organization_id,
            submission__status=Status.REVIEWED,
            submission__cycle__committee_id=submission.cycle.committee_id,
            submission__cycle__year__lt=submission.cycle.year,
            submission__cycle__status__in=RESULTS_OUT,
        )
        .order_by("-submission__cycle__year")
        .values_list("submission__cycle__year", "indicator__code", "indicator__max_score", "score")
    )
    latest, lost = None, {}
    for year, code, max_score, score in rows:
        latest = latest or year
        if year != latest:
            break
        points = float(max_score - score)
        if points > 0:
            lost[code] = lost.get(code, 0) + points
    return lost


def weak_indicator_cases(submission: Submission) -> dict[str, list[IndicatorNote]]:
    """Beside each indicator where the branch lost points last cycle: published 典型经验 cases of
    the committee's other branches that illustrate it (by code), a few each. Two queries, however
    many indicators."""
    lost = lost_last_cycle(submission)
    if not lost:
        return {}
    links = (
        Case.indicators.through.objects.filter(
            case__state=Case.State.PUBLISHED,
            case__committee_id=submission.cycle.committee_id,
            indicator__code__in=list(lost),
        )
        .exclude(case__party_organization_id=submission.party_organization_id)
        .order_by("indicator__code", "-case__published_at", "-case_id")
        .values_list("indicator__code", "case_id", "case__title", "case__party_organization__name")
    )
    heading = _("典型经验")
    notes: dict[str, list[IndicatorNote]] = {}
    seen: set[tuple[str, int]] = set()
    for code, case_id, title, branch in links:
        shown = notes.setdefault(code, [])
        if (code, case_id) in seen or len(shown) >= CASES_PER_INDICATOR:
            continue
        seen.add((code, case_id))
        url = reverse("programme:case-public", args=[case_id])
        shown.append(IndicatorNote(heading, title, branch, url))
    return notes
