"""Star levels across a cycle: the inputs of the star rules for every submission under review,
and the proposed levels they lead to."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg
from simple_history.utils import bulk_update_with_history

from ..models import (
    AdjustmentItem,
    AppliedAdjustment,
    Award,
    Cycle,
    FinalScore,
    Indicator,
    InspectionScore,
    Rubric,
    Status,
    Submission,
    VetoDecision,
)
from . import rules


def inspector_averages(submission_ids) -> dict[tuple[int, int], Decimal]:
    rows = (
        InspectionScore.objects.filter(assignment__submission_id__in=submission_ids, score__isnull=False)
        .values("assignment__submission_id", "indicator_id")
        .annotate(avg=Avg("score"))
    )
    return {
        (r["assignment__submission_id"], r["indicator_id"]): Decimal(r["avg"]).quantize(Decimal("0.01"))
        for r in rows
    }


def rules_for(rubric: Rubric) -> rules.Rules:
    return rules.Rules(
        bands=tuple(rules.Band(b.level, b.min_total, b.quota_percent) for b in rubric.bands.all()),
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        promotion_limit=rubric.promotion_limit,
        exclude_ties=rubric.quota_tie_rule == Rubric.TieRule.EXCLUDE,
    )


def previous_levels(cycle: Cycle) -> dict[int, int | None]:
    """Last cycle's level per party organisation as it stands now (0 where rated without a star or
    vetoed): the final level once results are final, lowered by a later downgrade and 0 after a
    revocation; the proposed level only where the result is not final yet."""
    prev = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    if prev is None:
        return {}
    rows = prev.submissions.filter(status=Status.REVIEWED).values_list(
        "party_organization_id", "proposed_level", "final_level", "finalized_at", "vetoed"
    )
    levels = {
        po: (0 if vetoed else (final if finalized_at else proposed) or 0)
        for po, proposed, final, finalized_at, vetoed in rows
    }
    for po, level, state in Award.objects.filter(cycle=prev).values_list(
        "party_organization_id", "level", "state"
    ):
        levels[po] = 0 if state == Award.State.REVOKED else level
    return levels


def cycle_candidates(cycle: Cycle, statuses=(Status.INSPECTED, Status.REVIEWED)):
    """The inputs of the star rules for every submission in review, in a fixed number of queries."""
    subs = list(
        Submission.objects.filter(cycle=cycle, status__in=statuses).values("pk", "party_organization_id")
    )
    ids = [s["pk"] for s in subs]
    if not ids:
        return []
    indicator_ids = list(
        Indicator.objects.filter(category__rubric_id=cycle.rubric_id).values_list("pk", flat=True)
    )
    averages = inspector_averages(ids)
    finals = {
        (s, i): v
        for s, i, v in FinalScore.objects.filter(submission_id__in=ids).values_list(
            "submission_id", "indicator_id", "score"
        )
    }
    bonus, deduction = defaultdict(Decimal), defaultdict(Decimal)
    for adj in AppliedAdjustment.objects.filter(submission_id__in=ids).select_related("item"):
        (bonus if adj.item.kind == AdjustmentItem.Kind.BONUS else deduction)[adj.submission_id] += adj.points
    vetoes = defaultdict(list)
    for sid, title in VetoDecision.objects.filter(
        submission_id__in=ids, state=VetoDecision.State.CONFIRMED
    ).values_list("submission_id", "item__title"):
        vetoes[sid].append(title)
    prev = previous_levels(cycle)
    out = []
    for s in subs:
        sid = s["pk"]
        total = sum(
            (finals.get((sid, i), averages.get((sid, i), Decimal(0))) for i in indicator_ids), Decimal(0)
        )
        out.append(
            rules.Candidate(
                key=sid,
                indicator_total=total,
                bonus=bonus[sid],
                deduction=deduction[sid],
                vetoed=bool(vetoes[sid]),
                veto_titles=tuple(vetoes[sid]),
                previous_level=prev.get(s["party_organization_id"]),
            )
        )
    return out


@transaction.atomic
def cycle_recompute_levels(*, cycle_id: int) -> int:
    """Recompute totals and proposed star levels of every submission under review in a cycle.

    Quotas rank branches across the cycle, so one changed score can move another branch.
    """
    cycle = Cycle.objects.select_for_update().select_related("rubric").get(pk=cycle_id)
    outcomes = rules.decide(cycle_candidates(cycle), rules_for(cycle.rubric))
    prev = previous_levels(cycle)
    by_id = {o.key: o for o in outcomes}
    subs = list(Submission.objects.filter(pk__in=by_id).select_related("party_organization"))
    changed = []
    for sub in subs:
        o = by_id[sub.pk]
        indicator_total = o.total - o.bonus + o.deduction if o.total is not None else None
        values = {
            "total": o.total,
            "bonus_total": o.bonus,
            "deduction_total": o.deduction,
            "indicator_total": indicator_total,
            "vetoed": o.level is None,
            "proposed_level": o.level,
            "previous_level": prev.get(sub.party_organization_id),
            "level_explanation": o.explanation,
        }
        if _assign_changed(sub, values):
            changed.append(sub)
    # A submission reopened out of review keeps no proposal (nor a place in the quotas above).
    for sub in Submission.objects.filter(cycle=cycle, total__isnull=False).exclude(pk__in=by_id):
        _assign_changed(sub, CLEARED)
        changed.append(sub)
    # Only rows whose values moved are written, each with a row of history (who: the system).
    if changed:
        bulk_update_with_history(changed, Submission, LEVEL_FIELDS, batch_size=500)
    return len(subs)


LEVEL_FIELDS = [
    "total",
    "bonus_total",
    "deduction_total",
    "indicator_total",
    "vetoed",
    "proposed_level",
    "previous_level",
    "level_explanation",
]
CLEARED = {
    "indicator_total": None,
    "bonus_total": None,
    "deduction_total": None,
    "total": None,
    "vetoed": False,
    "proposed_level": None,
    "level_explanation": "",
}


def _assign_changed(obj, values: dict) -> bool:
    """Set `values` on `obj`; say whether any of them differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
