"""What the programme shows on the rating's pages, through the rating's hooks (programme.apps)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ratings.models import Submission
from ratings.workflow.indicator_notes import IndicatorNote

from .models import ImprovementPlan, PlanAction


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
