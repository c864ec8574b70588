"""Stored meeting compliance of a committee's year, for the pages that show the whole committee.

Evaluating every branch of a large committee takes seconds, so the heat map and the rating
dashboard read a `ComplianceSnapshot` instead; one branch's own page still computes its own
compliance live (`compliance.branch_compliance`, three small queries).

When it is computed
- Changed meetings, meeting types or party organisations mark the committee's snapshots as
  changed (`snapshot_mark_changed`, after the commit) and queue one refresh `DEBOUNCE_SECONDS`
  later; more changes before that refresh ask for nothing more (the snapshot row holds when the
  refresh is due, so this holds across processes). A refresh that finds a newer run already
  covering its request does nothing. With tasks run in-process (the embedded default) the
  refresh runs straight away, so pages are right as soon as a meeting is saved.
- Nightly (`meetings.tasks.refresh_compliance_snapshots`), for the month turn and for writes that
  send no signal (bulk loads).
- If a page finds no snapshot yet it computes it there and then, once, and stores it.

States change only at month boundaries (a period ends, the next begins), so figures evaluated
earlier in the same month are still right; a snapshot from an earlier month is refreshed.
"""

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Division, PartyOrganization
from branches.selectors import regions_of
from core import outbox

from .compliance import committee_compliance
from .models import ComplianceSnapshot

DEBOUNCE_SECONDS = 60
WORST = 5


# --- computing -----------------------------------------------------------------------------


def _packed(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cell(c) -> list:
    return [c.css, c.met, c.due, [p.rule.name for p in c.gaps], c.open]


def compute(committee_id: int, year: int, *, today: dt.date | None = None) -> tuple[dict, list[dict]]:
    """(summary, branches) of a committee's year, as stored in the snapshot. Six queries."""
    today = today or timezone.localdate()
    evaluated = committee_compliance(committee_id, year, today=today)
    kinds = dict(
        PartyOrganization.objects.filter(committee_id=committee_id, is_active=True).values_list("pk", "kind")
    )
    regions = regions_of(PartyOrganization.objects.filter(committee_id=committee_id).values("pk"))
    branches = []
    for b in evaluated:
        gap_types = [[t.rule.name, len(t.gaps)] for t in b.types if t.gaps]
        branches.append(
            {
                "id": b.party_organization_id,
                "name": b.name,
                "kind": kinds.get(b.party_organization_id, ""),
                "region": regions.get(b.party_organization_id, ""),
                "gaps": b.gap_count,
                "met": b.met_count,
                "due": b.due_count,
                "rate": b.rate,
                "below": b.below_quorum,
                # Packed as text: reading the whole committee parses one string per branch, and
                # only the branches on the page shown are unpacked (BranchRow.from_data).
                "months": _packed([_cell(c) for c in b.months]),
                "gap_types": _packed(gap_types),
            }
        )
    codes = sorted({b["region"] for b in branches if b["region"]})
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    due = sum(b["due"] for b in branches)
    worst = sorted((b for b in branches if b["gaps"]), key=lambda b: (-b["gaps"], b["name"]))[:WORST]
    summary = {
        "year": year,
        "branch_count": len(branches),
        "compliant_count": sum(1 for b in branches if b["due"] and not b["gaps"]),
        "gap_count": sum(b["gaps"] for b in branches),
        "below_quorum": sum(b["below"] for b in branches),
        "due": due,
        "met": sum(b["met"] for b in branches),
        "rate": None if not due else round(100 * sum(b["met"] for b in branches) / due, 1),
        "worst": [{"id": b["id"], "name": b["name"], "gaps": b["gaps"]} for b in worst],
        "regions": [[code, f"{code} {names[code]}" if code in names else code] for code in codes],
    }
    return summary, branches


def _row(committee_id: int, year: int) -> ComplianceSnapshot:
    try:
        with transaction.atomic():
            row, _created = ComplianceSnapshot.objects.get_or_create(committee_id=committee_id, year=year)
    except IntegrityError:  # created by another process at the same moment
        row = ComplianceSnapshot.objects.get(committee_id=committee_id, year=year)
    return row


def snapshot_refresh(
    *, committee_id: int, year: int, requested_at: dt.datetime | None = None, today: dt.date | None = None
) -> dict:
    """Compute a committee's year and replace its snapshot in one statement.

    `requested_at`: when the refresh was asked for; if a run that started later has finished
    since, this one has nothing to add and is skipped."""
    row = _row(committee_id, year)
    now = timezone.now()
    if requested_at is not None and row.computed_at is not None and row.computed_at >= requested_at:
        ComplianceSnapshot.objects.filter(pk=row.pk, refresh_due_at__lte=now).update(refresh_due_at=None)
        return {"skipped": True}
    # From here on a change queues a new refresh: this run may not see it.
    ComplianceSnapshot.objects.filter(pk=row.pk).update(refresh_due_at=None)
    started = timezone.now()
    clock = time.monotonic()
    today = today or timezone.localdate()
    summary, branches = compute(committee_id, year, today=today)
    ComplianceSnapshot.objects.filter(pk=row.pk).update(
        summary=summary,
        branches=branches,
        computed_at=started,
        evaluated_on=today,
        duration_ms=int((time.monotonic() - clock) * 1000),
    )
    return {"skipped": False, "branches": len(branches)}


# --- asking for a refresh ----------------------------------------------------------------------


def _schedule(committee_id: int, year: int, requested_at: dt.datetime) -> None:
    from . import tasks

    outbox.send(
        tasks.refresh_compliance_snapshot,
        committee_id,
        year,
        requested_at.isoformat(),
        countdown=DEBOUNCE_SECONDS,
    )


def _runs_in_process() -> bool:
    from . import tasks

    return bool(tasks.refresh_compliance_snapshot.app.conf.task_always_eager)


def request_refresh(rows) -> int:
    """Queue one refresh for each snapshot row (pk, committee id, year) that has none queued yet.

    The due time is set with a conditional UPDATE, so of several processes asking at once only
    one queues the refresh. A due time long past means the queued refresh was lost: ask again."""
    now = timezone.now()
    due = now + dt.timedelta(seconds=DEBOUNCE_SECONDS)
    not_queued = Q(refresh_due_at__isnull=True) | Q(refresh_due_at__lt=now - dt.timedelta(minutes=10))
    queued = 0
    for pk, committee_id, year in rows:
        if ComplianceSnapshot.objects.filter(not_queued, pk=pk).update(refresh_due_at=due):
            _schedule(committee_id, year, now)
            queued += 1
    return queued


def snapshot_mark_changed(committee_id: int, years=None) -> int:
    """Meetings (of `years`, or of any year) of a committee changed: mark its snapshots and queue
    a refresh unless one is queued already. Years without a snapshot are computed when first shown."""
    qs = ComplianceSnapshot.objects.filter(committee_id=committee_id)
    if years is not None:
        qs = qs.filter(year__in=list(years))
    qs.update(changed_at=timezone.now())
    return request_refresh(qs.values_list("pk", "committee_id", "year"))


_pending = threading.local()


def _changes_of_this_transaction() -> dict:
    """What the current transaction changed so far: {committee id: set of years, or None for all}.

    Tied to the connection's list of commit hooks, which Django replaces after every commit and
    rollback: changes of a rolled-back transaction are dropped with it."""
    hooks = transaction.get_connection().run_on_commit
    if getattr(_pending, "hooks", None) is not hooks:
        _pending.hooks, _pending.changes = hooks, {}
    return _pending.changes


def mark_changed_on_commit(committee_id: int | None, years=None) -> None:
    """After the commit, mark the committee's snapshots of `years` (None: every year) as changed.

    Changes within one transaction are gathered and marked once after it (a hundred saved rows
    cost one refresh, also when tasks run in-process)."""
    if committee_id is None:
        return
    changes = _changes_of_this_transaction()
    if years is None or (committee_id in changes and changes[committee_id] is None):
        changes[committee_id] = None
    else:
        changes[committee_id] = set(changes.get(committee_id) or ()) | set(years)
    # Each change registers the flush; the first to run marks everything and empties the list.
    transaction.on_commit(lambda: _flush(changes), robust=True)


def _flush(changes: dict) -> None:
    for committee_id, years in list(changes.items()):
        snapshot_mark_changed(committee_id, years)
    changes.clear()


# --- reading -----------------------------------------------------------------------------------


def _period_key(day: dt.date, year: int):
    if day.year < year:
        return "before"
    if day.year > year:
        return "after"
    return day.month


def is_outdated(row: ComplianceSnapshot, today: dt.date | None = None) -> bool:
    """Changes after the computation, or evaluated in another month than today's."""
    today = today or timezone.localdate()
    if row.summary is None or row.computed_at is None or row.evaluated_on is None:
        return True
    if row.changed_at is not None and row.changed_at > row.computed_at:
        return True
    return _period_key(row.evaluated_on, row.year) != _period_key(today, row.year)


def committee_snapshot(committee_id: int, year: int, *, with_branches: bool = True) -> ComplianceSnapshot:
    """The stored compliance of a committee's year, ready to show.

    None stored yet: computed now, once. Outdated: a refresh is queued and the stored figures are
    shown with `pending` set (tasks run in-process refresh straight away and show the new ones)."""
    qs = ComplianceSnapshot.objects.filter(committee_id=committee_id, year=year)
    if not with_branches:
        qs = qs.defer("branches")
    row = qs.first()
    if row is None or row.summary is None:
        snapshot_refresh(committee_id=committee_id, year=year)
        row = qs.get()
    elif is_outdated(row):
        request_refresh([(row.pk, committee_id, year)])
        if _runs_in_process():
            row = qs.get()
    row.pending = is_outdated(row)
    return row


# --- what the pages show -----------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    css: str
    met: int
    due: int
    gap_names: list
    open: int

    @property
    def text(self) -> str:
        if self.css == "hm-future":
            return ""
        if not self.due:
            return "—"
        return f"{self.met}/{self.due}"

    @property
    def title(self) -> str:
        if self.gap_names:
            return _("缺：%(names)s") % {"names": "、".join(self.gap_names)}
        if self.open:
            return _("本月进行中")
        return ""


@dataclass(slots=True)
class BranchRow:
    """One party organisation of a snapshot, as the heat map and the ranking show it."""

    party_organization_id: int
    name: str
    kind: str
    region: str
    gap_count: int
    met_count: int
    due_count: int
    rate: float | None
    below_quorum: int
    months: list[Cell]
    gap_types: list

    @classmethod
    def from_data(cls, d: dict) -> "BranchRow":
        return cls(
            d["id"],
            d["name"],
            d["kind"],
            d["region"],
            d["gaps"],
            d["met"],
            d["due"],
            d["rate"],
            d["below"],
            [Cell(*c) for c in json.loads(d["months"])],
            json.loads(d["gap_types"]),
        )


@dataclass(slots=True)
class WorstBranch:
    party_organization_id: int
    name: str
    gap_count: int


@dataclass(slots=True)
class SnapshotSummary:
    """A committee's year in figures (the rating dashboard), read from the snapshot."""

    year: int
    branch_count: int
    compliant_count: int
    gap_count: int
    below_quorum: int
    rate: float | None
    worst_five: list[WorstBranch]
    computed_at: dt.datetime
    pending: bool

    @classmethod
    def from_row(cls, row: ComplianceSnapshot) -> "SnapshotSummary":
        s = row.summary
        return cls(
            s["year"],
            s["branch_count"],
            s["compliant_count"],
            s["gap_count"],
            s["below_quorum"],
            s["rate"],
            [WorstBranch(w["id"], w["name"], w["gaps"]) for w in s["worst"]],
            row.computed_at,
            row.pending,
        )


def committee_summary_snapshot(committee_id: int, year: int) -> SnapshotSummary:
    """The dashboard's figures: one query when the snapshot is there and current."""
    return SnapshotSummary.from_row(committee_snapshot(committee_id, year, with_branches=False))
