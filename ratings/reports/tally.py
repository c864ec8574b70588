"""年度星级统计: star tallies of a cycle, stored as one snapshot.

A party organisation is counted under the type and region of its primary organisation (the
first it covers, by id): a joint branch is counted once, not once per organisation.
"""

import hashlib
import json
import time
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from branches.models import Division, OrgType, PartyOrganization
from branches.selectors import coverage_report
from core import outbox

from ..models import Cycle, Status, Submission, TallyRun, TallySnapshot
from ..workflow.signals import results_changed

LEVEL_KEYS = ["5", "4", "3", "2", "1", "0"]
PLAQUE_MIN = 3


def _share(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / whole).quantize(Decimal("0.1")))


def result_of(status: str, level: int | None, vetoed: bool) -> str:
    """The tally bucket of one submission: a star level "0".."5", "vetoed", or "unrated"."""
    if status != Status.REVIEWED:
        return "unrated"
    if vetoed or level is None:
        return "vetoed"
    return str(level)


def _empty_group():
    return {"levels": dict.fromkeys(LEVEL_KEYS, 0), "vetoed": 0, "unrated": 0, "total": 0, "three_plus": 0}


def _add(group, bucket):
    group["total"] += 1
    if bucket in ("vetoed", "unrated"):
        group[bucket] += 1
    else:
        group["levels"][bucket] += 1
        if int(bucket) >= PLAQUE_MIN:
            group["three_plus"] += 1


def compute_tally(cycle: Cycle) -> dict:
    """All figures of the tally in a fixed number of queries, whatever the cycle's size."""
    rows = list(
        Submission.objects.filter(cycle=cycle).values_list(
            "party_organization_id", "status", "proposed_level", "vetoed"
        )
    )
    buckets = {po: result_of(st, lvl, vet) for po, st, lvl, vet in rows}

    primary = {}
    through = (
        PartyOrganization.organizations.through.objects.filter(
            partyorganization__committee_id=cycle.committee_id
        )
        .order_by("partyorganization_id", "socialorganization_id")
        .values_list(
            "partyorganization_id", "socialorganization__org_type", "socialorganization__division_code"
        )
    )
    for po, org_type, division in through:
        primary.setdefault(po, (org_type, division))

    overall, by_type, by_region = _empty_group(), defaultdict(_empty_group), defaultdict(_empty_group)
    for po, bucket in buckets.items():
        org_type, division = primary.get(po, ("", ""))
        for group in (overall, by_type[org_type], by_region[division]):
            _add(group, bucket)

    previous = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    change = Counter()
    if previous is not None:
        before = {
            po: result_of(st, lvl, vet)
            for po, st, lvl, vet in Submission.objects.filter(cycle=previous).values_list(
                "party_organization_id", "status", "proposed_level", "vetoed"
            )
        }
        for po, bucket in buckets.items():
            if bucket == "unrated":
                continue
            now_level = -1 if bucket == "vetoed" else int(bucket)
            was = before.get(po)
            if was is None or was == "unrated":
                change["new"] += 1
                continue
            was_level = -1 if was == "vetoed" else int(was)
            change[
                "promoted" if now_level > was_level else "demoted" if now_level < was_level else "same"
            ] += 1

    type_labels = dict(OrgType.choices)
    names = dict(Division.objects.filter(code__in=list(by_region)).values_list("code", "name"))
    cov = coverage_report(cycle.committee_id)
    rated = overall["total"] - overall["unrated"] - overall["vetoed"]

    def labelled(groups, labels):
        return [{"key": k, "label": str(labels.get(k, k or "—")), **g} for k, g in sorted(groups.items())]

    return {
        "cycle": {"id": cycle.pk, "year": cycle.year, "title": str(cycle)},
        "previous_year": previous.year if previous else None,
        "participants": overall["total"],
        "rated": rated,
        "levels": overall["levels"],
        "vetoed": overall["vetoed"],
        "unrated": overall["unrated"],
        "three_plus": overall["three_plus"],
        "three_plus_share": _share(overall["three_plus"], rated),
        "by_type": labelled(by_type, type_labels),
        "by_region": labelled(by_region, {k: f"{k} {v}" for k, v in names.items()}),
        "change": {k: change.get(k, 0) for k in ("promoted", "same", "demoted", "new")},
        "coverage": {
            "total": cov.overall.total,
            "party_covered": cov.overall.party_covered,
            "work_covered": cov.overall.work_covered,
            "org_rate": _str(cov.overall.org_rate),
            "work_rate": _str(cov.overall.work_rate),
        },
        "coverage_by_region": [
            {
                "key": r.key,
                "label": r.label,
                "total": r.total,
                "party_covered": r.party_covered,
                "work_covered": r.work_covered,
                "org_rate": _str(r.org_rate),
                "work_rate": _str(r.work_rate),
            }
            for r in cov.by_region
        ],
    }


def _str(v):
    return None if v is None else str(v)


def fingerprint(data: dict) -> str:
    figures = {k: v for k, v in data.items() if k != "computed_at"}
    return hashlib.sha256(json.dumps(figures, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def tally_recompute(*, cycle_id: int, run: TallyRun | None = None) -> TallySnapshot:
    """Compute the tally and replace the snapshot in one statement: readers see old or new, never a mix."""
    started = time.monotonic()
    if run is not None:
        _run_update(run, state=TallyRun.State.RUNNING, started_at=timezone.now())
    try:
        cycle = Cycle.objects.get(pk=cycle_id)
        data = compute_tally(cycle)
        with transaction.atomic():
            snapshot, _created = TallySnapshot.objects.update_or_create(
                cycle=cycle,
                defaults={
                    "computed_at": timezone.now(),
                    "data": data,
                    "duration_ms": int((time.monotonic() - started) * 1000),
                },
            )
            if run is not None:
                _run_update(run, state=TallyRun.State.DONE, finished_at=timezone.now())
    except Exception as exc:
        if run is not None:
            _run_update(
                run,
                state=TallyRun.State.FAILED,
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        raise
    return snapshot


def _run_update(run: TallyRun, **fields) -> None:
    """Record a run's progress (with its row history)."""
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))


def tally_request(*, cycle: Cycle, by, reason: str = "manual") -> TallyRun:
    """Queue a recomputation (staff button, results changed); the task does the work."""
    from . import tasks

    run = TallyRun.objects.create(cycle=cycle, requested_by=by, reason=reason)
    outbox.send(tasks.recompute_tally, run.pk)
    return run


@receiver(results_changed)
def request_tally_when_results_change(sender, *, cycle, by, **kwargs) -> TallyRun:
    """The workflow completed or reopened a review: queue a new tally of the cycle."""
    return tally_request(cycle=cycle, by=by, reason="results_changed")
