"""星级历史: a branch's star levels across cycles, and what changed since the last one."""

from collections import defaultdict
from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branches.selectors import party_organizations_visible_to

from ..models import Cycle, FinalScore, Status, Submission, level_name
from ..workflow.selectors import BRANCH_RESULT_CYCLE_STATES
from .outcome_access import is_committee_staff, staff_or_secretary


def _result_visible(sub: Submission, is_staff: bool) -> bool:
    """Staff see a result once reviewed; the branch once it has been published."""
    if sub.status != Status.REVIEWED:
        return False
    return is_staff or sub.cycle.status in BRANCH_RESULT_CYCLE_STATES


def _comparison(latest: Submission, previous: Submission | None) -> list[dict]:
    """Final scores per indicator of the latest cycle next to the previous one, matched by the
    indicator's code (a new rubric version copies the codes). One query for both cycles."""
    ids = [latest.pk] + ([previous.pk] if previous else [])
    scores = defaultdict(dict)
    indicators = {}
    rows = (
        FinalScore.objects.filter(submission_id__in=ids)
        .select_related("indicator__category")
        .order_by("indicator__category__order", "indicator__order", "indicator__pk")
    )
    for fs in rows:
        scores[fs.submission_id][fs.indicator.code] = fs.score
        if fs.submission_id == latest.pk or fs.indicator.code not in indicators:
            indicators[fs.indicator.code] = fs.indicator  # the latest rubric's wording wins
    out = []
    latest_codes = scores[latest.pk]
    ordered = sorted(
        indicators.values(), key=lambda i: (i.code not in latest_codes, i.category.order, i.order, i.pk)
    )
    for ind in ordered:
        now = latest_codes.get(ind.code)
        before = scores[previous.pk].get(ind.code) if previous else None
        diff = now - before if now is not None and before is not None else None
        out.append(
            {
                "indicator": ind,
                "now": now,
                "before": before,
                "diff": diff,
                "only_before": ind.code not in latest_codes,
            }
        )
    return out


@staff_or_secretary
@require_GET
def branch_history(request, pk):
    """A branch's star history over cycles and, for the latest result, a per-indicator comparison
    with the cycle before. Fixed number of queries whatever the number of cycles."""
    po = get_object_or_404(
        party_organizations_visible_to(request.user)
        .select_related("committee")
        .prefetch_related("organizations"),
        pk=pk,
    )
    is_staff = is_committee_staff(request.user)
    subs = list(
        Submission.objects.filter(party_organization=po)
        .select_related("cycle", "award")
        .order_by("-cycle__year", "-pk")
    )
    history = []
    for sub in subs:
        visible = _result_visible(sub, is_staff)
        history.append(
            {
                "submission": sub,
                "cycle": sub.cycle,
                "visible": visible,
                "award": getattr(sub, "award", None),
                "level": _level_text(sub) if visible else "",
            }
        )
    with_result = [h["submission"] for h in history if h["visible"]]
    latest = with_result[0] if with_result else None
    previous = with_result[1] if len(with_result) > 1 else None
    comparison = _comparison(latest, previous) if latest else []
    totals = None
    if latest:
        now = sum((r["now"] for r in comparison if r["now"] is not None), Decimal(0))
        before = (
            sum((r["before"] for r in comparison if r["before"] is not None), Decimal(0))
            if previous
            else None
        )
        totals = {"now": now, "before": before, "diff": now - before if before is not None else None}
    return render(
        request,
        "ratings/results/branch_history.html",
        {
            "po": po,
            "orgs": list(po.organizations.all()),
            "history": history,
            "has_certificate": any(h["award"] and h["award"].state != "revoked" for h in history),
            "latest": latest,
            "previous": previous,
            "comparison": comparison,
            "totals": totals,
            "is_staff": is_staff,
        },
    )


def _level_text(sub: Submission) -> str:
    if sub.vetoed:
        return _("一票否决，不评星")
    if sub.finalized_at:
        return _("确定：%(level)s") % {"level": level_name(sub.final_level)}
    state = {Cycle.Status.PUBLISHED: _("公示中"), Cycle.Status.FINAL: _("待确定")}.get(
        sub.cycle.status, _("评审完成，待公示")
    )
    return _("建议：%(level)s（%(state)s）") % {"level": sub.proposed_level_name, "state": state}
