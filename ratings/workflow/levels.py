"""Star levels across a cycle: the inputs of the star rules for every submission under review,
and the proposed levels they lead to.

The indicator totals come from one SQL aggregate over the score rows; the star rules (bands,
promotion limit, quotas, explanations) run in Python over one small row per submission; only the
submissions whose results moved are written, in batches of one UPDATE each, with a row of history
each."""

import contextlib
import contextvars
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Avg, Q
from simple_history.utils import bulk_update_with_history

from ..models import (
    AdjustmentItem,
    AppliedAdjustment,
    Award,
    Cycle,
    FinalScore,
    Indicator,
    InspectionAssignment,
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


REVIEW_STATUSES = (Status.INSPECTED, Status.REVIEWED)


def indicator_totals(cycle: Cycle, statuses=REVIEW_STATUSES) -> dict[int, Decimal]:
    """Σ over the rubric's indicators of the final score, else the inspectors' average (rounded
    to 0.01, half to even like Decimal.quantize), else 0 — per submission of the cycle in one of
    `statuses`, in one aggregate. A submission without any score is missing (its total is 0).

    Scores are summed as whole hundredths so both databases round exactly alike. The final scores
    are looked at only when the cycle has any (before the central review it has none)."""
    indicator_ids = list(
        Indicator.objects.filter(category__rubric_id=cycle.rubric_id).values_list("pk", flat=True)
    )
    if not indicator_ids:
        return {}
    status_values = [getattr(s, "value", s) for s in statuses]
    any_final = FinalScore.objects.filter(
        submission__cycle_id=cycle.pk, submission__status__in=status_values
    ).exists()
    tables = {
        "final": FinalScore._meta.db_table,
        "score": InspectionScore._meta.db_table,
        "assignment": InspectionAssignment._meta.db_table,
        "submission": Submission._meta.db_table,
    }
    in_statuses = ", ".join(["%s"] * len(status_values))
    in_rubric = ", ".join(["%s"] * len(indicator_ids))
    in_cycle = [cycle.pk, *status_values, *indicator_ids]
    # (submission, indicator) → n hundredths over c scores, rounded half to even: on PostgreSQL
    # by ROUND of a double, which rounds half to even and is exact here (n / c is either exactly
    # k + ½ or at least 1/(2c) away from it); SQLite's ROUND rounds half away from zero, so there
    # it is written out in integers
    if connection.vendor == "postgresql":
        hundredths = "CAST(SUM(s.score) * 100 AS INTEGER)"  # exact: scores have one decimal place
        rounded = "ROUND(CAST(n AS DOUBLE PRECISION) / c)"
    else:
        hundredths = "CAST(ROUND(SUM(s.score) * 100) AS INTEGER)"
        rounded = """n / c + CASE
            WHEN 2 * (n - (n / c) * c) > c OR (2 * (n - (n / c) * c) = c AND (n / c) %% 2 = 1)
            THEN 1 ELSE 0 END"""
    without_final = (
        f"""AND NOT EXISTS (
            SELECT 1 FROM {tables["final"]} f
            WHERE f.submission_id = a.submission_id AND f.indicator_id = s.indicator_id
        )"""  # noqa: S608 (as below)
        if any_final
        else ""
    )
    per_indicator = f"""
        SELECT a.submission_id AS sid, s.indicator_id AS iid, {hundredths} AS n, COUNT(s.score) AS c
        FROM {tables["score"]} s
        JOIN {tables["assignment"]} a ON a.id = s.assignment_id
        JOIN {tables["submission"]} sub ON sub.id = a.submission_id
        WHERE sub.cycle_id = %s AND sub.status IN ({in_statuses}) AND s.indicator_id IN ({in_rubric})
          AND s.score IS NOT NULL {without_final}
        GROUP BY a.submission_id, s.indicator_id
    """  # noqa: S608 (table names come from the models; every value is a parameter)
    if any_final:
        sql = f"""
            SELECT sid, SUM(h) FROM (
                SELECT f.submission_id AS sid, CAST(ROUND(f.score * 100) AS INTEGER) AS h
                FROM {tables["final"]} f
                JOIN {tables["submission"]} sub ON sub.id = f.submission_id
                WHERE sub.cycle_id = %s AND sub.status IN ({in_statuses}) AND f.indicator_id IN ({in_rubric})
                UNION ALL
                SELECT sid, {rounded} FROM ({per_indicator}) per_indicator
            ) per_row
            GROUP BY sid
        """  # noqa: S608 (as above)
        params = in_cycle * 2
    else:
        sql = f"SELECT sid, SUM({rounded}) FROM ({per_indicator}) per_indicator GROUP BY sid"  # noqa: S608
        params = in_cycle
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {sid: Decimal(int(h)) / 100 for sid, h in cursor.fetchall()}


def cycle_candidates(cycle: Cycle, statuses=REVIEW_STATUSES, prev=None, subs=None):
    """The inputs of the star rules for every submission in review, in a fixed number of queries.

    `subs`: the (pk, party organisation) of those submissions when the caller has read them."""
    if subs is None:
        subs = list(
            Submission.objects.filter(cycle=cycle, status__in=statuses).values_list(
                "pk", "party_organization_id"
            )
        )
    if not subs:
        return []
    totals = indicator_totals(cycle, statuses)
    # the same submissions as a subquery: thousands of ids as parameters cost more than the rows
    in_review = Submission.objects.filter(cycle=cycle, status__in=statuses).values("pk")
    bonus, deduction = defaultdict(Decimal), defaultdict(Decimal)
    for adj in AppliedAdjustment.objects.filter(submission_id__in=in_review).select_related("item"):
        (bonus if adj.item.kind == AdjustmentItem.Kind.BONUS else deduction)[adj.submission_id] += adj.points
    vetoes = defaultdict(list)
    for sid, title in VetoDecision.objects.filter(
        submission_id__in=in_review, state=VetoDecision.State.CONFIRMED
    ).values_list("submission_id", "item__title"):
        vetoes[sid].append(title)
    prev = previous_levels(cycle) if prev is None else prev
    return [
        rules.Candidate(
            key=sid,
            indicator_total=totals.get(sid, Decimal(0)),
            bonus=bonus[sid],
            deduction=deduction[sid],
            vetoed=bool(vetoes[sid]),
            veto_titles=tuple(vetoes[sid]),
            previous_level=prev.get(po),
        )
        for sid, po in subs
    ]


# A lock of its own per cycle (PostgreSQL advisory lock, released at commit) makes recomputations
# of one cycle take turns, so the last one to start also writes last; the cycle row itself is
# locked only while the changed rows are written.
RECOMPUTE_LOCK_CLASS = 0x5354  # "ST"

_deferred: contextvars.ContextVar[set | None] = contextvars.ContextVar("deferred_recompute", default=None)


@contextlib.contextmanager
def recompute_deferred():
    """Inside: every recomputation asked for is noted instead of run; on leaving, each cycle
    noted is recomputed once. For bulk loads (the demo, generated data), never for a request."""
    if _deferred.get() is not None:  # nested: the outermost one recomputes
        yield
        return
    cycles: set[int] = set()
    token = _deferred.set(cycles)
    try:
        yield
    finally:
        _deferred.reset(token)
    for cycle_id in sorted(cycles):
        cycle_recompute_levels(cycle_id=cycle_id)


def recompute_on_commit(cycle_id: int) -> None:
    """Recompute the cycle's levels once the current transaction commits."""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(cycle_id)
        return
    transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=cycle_id))


def cycle_recompute_levels(*, cycle_id: int) -> int:
    """Recompute totals and proposed star levels of every submission under review in a cycle;
    returns how many submissions are under review (0 while recomputation is deferred).

    Quotas rank branches across the cycle, so one changed score can move another branch.
    """
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(cycle_id)
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RECOMPUTE_LOCK_CLASS, cycle_id])
        cycle = Cycle.objects.select_related("rubric").get(pk=cycle_id)
        prev = previous_levels(cycle)
        # one read of the cycle's submissions: those in review are the candidates, the others
        # with a stored result are cleared below
        stored = list(
            Submission.objects.filter(cycle_id=cycle_id)
            .filter(Q(status__in=REVIEW_STATUSES) | Q(total__isnull=False))
            .values_list("pk", "party_organization_id", "status", *LEVEL_FIELDS)
        )
        in_review = [(pk, po) for pk, po, status, *_values in stored if status in REVIEW_STATUSES]
        outcomes = rules.decide(cycle_candidates(cycle, prev=prev, subs=in_review), rules_for(cycle.rubric))
        wanted = {
            o.key: (
                o.total,
                o.bonus,
                o.deduction,
                o.total - o.bonus + o.deduction if o.total is not None else None,
                o.level is None,
                o.level,
                o.explanation,
            )
            for o in outcomes
        }
        changes = {}
        for pk, po, _status, *current in stored:
            # in LEVEL_FIELDS' order; reopened out of review: no proposal (nor a place in the
            # quotas above), the previous level kept
            values = (*wanted[pk], prev.get(po)) if pk in wanted else (*CLEARED, current[-1])
            if tuple(current) != values:
                changes[pk] = dict(zip(LEVEL_FIELDS, values, strict=True))
        if changes:
            _write(cycle_id, changes)
    return len(wanted)


def _write(cycle_id: int, changes: dict[int, dict]) -> None:
    """Only rows whose values moved are written: one UPDATE per batch of 500 and a row of history
    each (who: the system), under the cycle's lock."""
    Cycle.objects.select_for_update().filter(pk=cycle_id).values_list("pk", flat=True).get()
    ids = sorted(changes)
    for start in range(0, len(ids), WRITE_BATCH):
        subs = list(Submission.objects.filter(pk__in=ids[start : start + WRITE_BATCH]))
        for sub in subs:
            for name, value in changes[sub.pk].items():
                setattr(sub, name, value)
        bulk_update_with_history(subs, Submission, LEVEL_FIELDS, batch_size=WRITE_BATCH)


WRITE_BATCH = 500


LEVEL_FIELDS = [  # the order of the values compared and written by cycle_recompute_levels
    "total",
    "bonus_total",
    "deduction_total",
    "indicator_total",
    "vetoed",
    "proposed_level",
    "level_explanation",
    "previous_level",
]
CLEARED = (None, None, None, None, False, None, "")  # out of review: no result (all but the previous level)
