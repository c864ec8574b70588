"""年度星级统计: star tallies of a cycle, stored as one snapshot.

A party organisation is counted under the type and region of its primary organisation (the
first it covers, by id): a joint branch is counted once, not once per organisation.
"""

import hashlib
import json
import time
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from branches.models import Division, OrgType, PartyOrganization, SocialOrganization
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


def _empty_group():
    return {"levels": dict.fromkeys(LEVEL_KEYS, 0), "vetoed": 0, "unrated": 0, "total": 0, "three_plus": 0}


def _add(group, bucket, n: int = 1):
    group["total"] += n
    if bucket in ("vetoed", "unrated"):
        group[bucket] += n
    else:
        group["levels"][bucket] += n
        if int(bucket) >= PLAQUE_MIN:
            group["three_plus"] += n


def _tables() -> dict[str, str]:
    through = PartyOrganization.organizations.through
    return {
        "submission": Submission._meta.db_table,
        "through": through._meta.db_table,
        "org": SocialOrganization._meta.db_table,
        "po": PartyOrganization._meta.db_table,
    }


# The tally bucket of a submission: its star level "0".."5" when reviewed, "vetoed" when vetoed or
# reviewed without a level, else "unrated".
BUCKET_SQL = """CASE WHEN {s}.status <> %s THEN 'unrated'
                     WHEN {s}.vetoed OR {s}.proposed_level IS NULL THEN 'vetoed'
                     ELSE CAST({s}.proposed_level AS TEXT) END"""


def _grouped_buckets(cycle: Cycle) -> list[tuple[str, str, str, int]]:
    """(bucket, org type, division, count): the cycle's submissions grouped in the database by
    result and by the type and region of the party organisation's primary organisation (the
    first it covers, by id; "" for none)."""
    t = _tables()
    sql = f"""
        SELECT {BUCKET_SQL.format(s="s")} AS bucket,
               COALESCE(o.org_type, ''), COALESCE(o.division_code, ''), COUNT(*)
        FROM {t["submission"]} s
        LEFT JOIN (
            SELECT tr.partyorganization_id AS po_id, MIN(tr.socialorganization_id) AS org_id
            FROM {t["through"]} tr JOIN {t["po"]} p ON p.id = tr.partyorganization_id
            WHERE p.committee_id = %s
            GROUP BY tr.partyorganization_id
        ) primary_org ON primary_org.po_id = s.party_organization_id
        LEFT JOIN {t["org"]} o ON o.id = primary_org.org_id
        WHERE s.cycle_id = %s
        GROUP BY 1, 2, 3
    """  # noqa: S608 (table names come from the models; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Status.REVIEWED.value, cycle.committee_id, cycle.pk])
        return cursor.fetchall()


def _grouped_changes(cycle: Cycle, previous: Cycle) -> list[tuple[str, str | None, int]]:
    """(bucket now, bucket in `previous` or None, count) over the cycle's rated submissions."""
    t = _tables()
    sql = f"""
        SELECT {BUCKET_SQL.format(s="a")} AS now_bucket,
               CASE WHEN b.id IS NULL THEN NULL ELSE {BUCKET_SQL.format(s="b")} END AS was_bucket,
               COUNT(*)
        FROM {t["submission"]} a
        LEFT JOIN {t["submission"]} b ON b.party_organization_id = a.party_organization_id AND b.cycle_id = %s
        WHERE a.cycle_id = %s AND a.status = %s
        GROUP BY 1, 2
    """  # noqa: S608 (table names come from the models; every value is a parameter)
    reviewed = Status.REVIEWED.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [reviewed, reviewed, previous.pk, cycle.pk, reviewed])
        return cursor.fetchall()


def _level(bucket: str) -> int:
    return -1 if bucket == "vetoed" else int(bucket)


def compute_tally(cycle: Cycle) -> dict:
    """All figures of the tally in a fixed number of queries, whatever the cycle's size: the
    counting is done by the database (two GROUP BY queries), Python only adds up the groups."""
    overall, by_type, by_region = _empty_group(), defaultdict(_empty_group), defaultdict(_empty_group)
    for bucket, org_type, division, n in _grouped_buckets(cycle):
        for group in (overall, by_type[org_type], by_region[division]):
            _add(group, bucket, n)

    previous = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    change = Counter()
    if previous is not None:
        for now, was, n in _grouped_changes(cycle, previous):
            if was is None or was == "unrated":
                change["new"] += n
            elif _level(now) > _level(was):
                change["promoted"] += n
            elif _level(now) < _level(was):
                change["demoted"] += n
            else:
                change["same"] += n

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
