"""What the province's 两新工委 reads: the published results of the committees assigned to it,
side by side and year on year, from the stored figures (the tally snapshot of each published
cycle, the meeting compliance snapshot of each year), so a page takes the same number of queries
whatever the number of committees.

Only cycles in 公示 or final count as published; a committee's work in progress is never shown.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from branches import access
from branches.models import Committee
from meetings.models import ComplianceSnapshot
from ratings.models import Cycle

PUBLISHED = (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)
YEARS_SHOWN = 5
LEVEL_KEYS = ["5", "4", "3", "2", "1", "0"]


def committees_for(user) -> QuerySet:
    """The committees `user` may read as the province (all of them for a superuser)."""
    q = access.scope(user, "province.view", access.Paths(committee="pk"))
    if q is None:
        return Committee.objects.none()
    return Committee.objects.filter(q).order_by("name")


def published_cycles(user) -> QuerySet:
    """The published or final cycles of the committees `user` reads, with their stored tallies."""
    q = access.scope(user, "province.view", access.Paths(committee="committee"))
    if q is None:
        return Cycle.objects.none()
    return (
        Cycle.objects.filter(q, status__in=PUBLISHED)
        .select_related("committee", "tally")
        .order_by("committee__name", "-year")
    )


@dataclass
class Cell:
    """One committee's figures in one year."""

    cycle: Cycle | None = None
    tally: dict | None = None
    compliance: dict | None = None
    previous_three_plus: int | None = None

    @property
    def three_plus_change(self) -> int | None:
        if self.tally is None or self.previous_three_plus is None:
            return None
        return self.tally["three_plus"] - self.previous_three_plus


@dataclass
class CommitteeRow:
    committee: Committee
    cells: list[Cell] = field(default_factory=list)


@dataclass
class RegionRow:
    committee: Committee
    key: str
    label: str
    levels: dict
    total: int
    three_plus: int
    org_rate: str | None = None
    work_rate: str | None = None
    compliance_rate: float | None = None


def _compliance(committee_ids, years, *, with_branches_for: int | None = None) -> dict:
    """{(committee id, year): snapshot} for the stored compliance figures (one query)."""
    qs = ComplianceSnapshot.objects.filter(committee_id__in=committee_ids, year__in=years)
    if with_branches_for is None:
        qs = qs.defer("branches")
    return {(s.committee_id, s.year): s for s in qs}


def _region_compliance(branches) -> dict[str, float | None]:
    due, met = {}, {}
    for b in branches or []:
        key = b.get("region", "")
        due[key] = due.get(key, 0) + b.get("due", 0)
        met[key] = met.get(key, 0) + b.get("met", 0)
    return {k: (round(100 * met[k] / due[k], 1) if due[k] else None) for k in due}


def overview(user, *, year: int | None = None, committee_id: int | None = None) -> dict:
    """Committees side by side over the last years; regions of one year (the latest by default).

    `committee_id` narrows it to one committee (the drill-down page). Four queries."""
    committees = list(committees_for(user))
    if committee_id is not None:
        committees = [c for c in committees if c.pk == committee_id]
    ids = [c.pk for c in committees]
    cycles = [c for c in published_cycles(user) if c.committee_id in ids]
    years = sorted({c.year for c in cycles}, reverse=True)[:YEARS_SHOWN]
    if year not in years:
        year = years[0] if years else None
    snapshots = _compliance(ids, years)
    branches_of_year = (
        {
            s.committee_id: s.branches
            for s in ComplianceSnapshot.objects.filter(committee_id__in=ids, year=year).only(
                "committee_id", "branches"
            )
        }
        if year is not None
        else {}
    )
    by_key = {(c.committee_id, c.year): c for c in cycles}

    def tally_of(cycle):
        snap = getattr(cycle, "tally", None) if cycle is not None else None
        return snap.data if snap is not None else None

    rows, regions = [], []
    for committee in committees:
        row = CommitteeRow(committee)
        for y in years:
            cycle = by_key.get((committee.pk, y))
            snap = snapshots.get((committee.pk, y))
            previous = next((c for c in cycles if c.committee_id == committee.pk and c.year < y), None)
            prev_tally = tally_of(previous)
            row.cells.append(
                Cell(
                    cycle=cycle,
                    tally=tally_of(cycle),
                    compliance=snap.summary if snap is not None else None,
                    previous_three_plus=prev_tally["three_plus"] if prev_tally else None,
                )
            )
        rows.append(row)
        data = tally_of(by_key.get((committee.pk, year)))
        if data is None:
            continue
        coverage = {r["key"]: r for r in data.get("coverage_by_region", [])}
        compliance = _region_compliance(branches_of_year.get(committee.pk))
        for g in data.get("by_region", []):
            cov = coverage.get(g["key"], {})
            regions.append(
                RegionRow(
                    committee=committee,
                    key=g["key"],
                    label=g["label"],
                    levels=g["levels"],
                    total=g["total"],
                    three_plus=g["three_plus"],
                    org_rate=cov.get("org_rate"),
                    work_rate=cov.get("work_rate"),
                    compliance_rate=compliance.get(g["key"]),
                )
            )
    return {"committees": committees, "years": years, "year": year, "rows": rows, "regions": regions}


def published_cycle(user, pk: int) -> Cycle | None:
    """A published cycle of a committee `user` reads, or None (the page answers 404)."""
    return published_cycles(user).filter(pk=pk).first()
