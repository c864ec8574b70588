"""Did a party organisation hold its meetings as often as its committee requires?

The rules (what is required, when a period is met, a gap or open) are in `compliance_rules`,
which works on monthly counts without a query; this module fetches those counts.

How it is computed
All counts come from one aggregate query grouped by (party organisation, type, month) — a joint
activity counted for both its branches by a UNION ALL inside that query; the rest is
plain Python over those counts (`evaluate`). A committee's whole year therefore takes three
queries (party organisations, meeting types, the aggregate) whatever the number of branches.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import CharField, Count, F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone

from branches.models import PartyOrganization

from .compliance_rules import (
    FUTURE,
    GAP,
    MET,
    NOT_REQUIRED,
    OPEN,
    STATE_LABELS,
    BranchCompliance,
    Counts,
    MonthCell,
    Period,
    TypeCompliance,
    TypeRule,
    counts_from_pairs,
    evaluate,
    local_tz,
    periods_of,
    year_bounds,
)
from .models import Frequency, Meeting, MeetingStatus, MeetingType

# The rules are part of this module's interface: callers import them from here.
__all__ = [
    "FUTURE",
    "GAP",
    "MET",
    "NOT_REQUIRED",
    "OPEN",
    "STATE_LABELS",
    "BranchCompliance",
    "CommitteeSummary",
    "Counts",
    "MonthCell",
    "Period",
    "PeriodRow",
    "TypeCompliance",
    "TypeRule",
    "branch_compliance",
    "branch_rules",
    "branches_in",
    "branches_of_committee",
    "committee_compliance",
    "committee_summary",
    "compliance_for_types",
    "compliance_summary",
    "counts_from_pairs",
    "evaluate",
    "local_month",
    "local_tz",
    "monthly_counts",
    "period_compliance",
    "periods_of",
    "year_bounds",
]


# --- queries -----------------------------------------------------------------------------


def _fixed_offset(year: int) -> dt.timedelta | None:
    """The zone's UTC offset if it is the same all through `year` (Asia/Shanghai: +8 since 1991)."""
    tz = local_tz()
    day = dt.datetime(year, 1, 1, tzinfo=tz)
    offsets = {(day + dt.timedelta(hours=12 * i)).utcoffset() for i in range(2 * 367)}
    return offsets.pop() if len(offsets) == 1 else None


def local_month(year: int):
    """Month (1–12) of `starts_at` in the committees' time zone, as an SQL expression.

    Django's ExtractMonth(tzinfo=…) is right everywhere, but on SQLite it calls back into Python
    for every row (about ten times slower than the grouping itself). Where the zone keeps one
    offset all year, SQLite gets the same answer from its own strftime with that offset."""
    offset = _fixed_offset(year)
    if connections[router.db_for_read(Meeting)].vendor == "sqlite" and offset is not None:
        minutes = int(offset.total_seconds() // 60)
        shifted = Func(
            Value("%m"),
            F("starts_at"),
            Value(f"{minutes:+d} minutes"),
            function="strftime",
            output_field=CharField(),
        )
        return Cast(shifted, IntegerField())
    return ExtractMonth("starts_at", tzinfo=local_tz())


# The two ways a meeting belongs to a branch: the branch that held it, and the partner of a joint
# activity (Meeting.partner_organization). A branch filter is a function of that field's name.
BRANCH_FIELDS = ("party_organization", "partner_organization")


def branches_in(ids) -> Callable[[str], Q]:
    ids = list(ids)
    return lambda field: Q(**{f"{field}_id__in": ids})


def branches_of_committee(committee_id: int) -> Callable[[str], Q]:
    return lambda field: Q(**{f"{field}__committee_id": committee_id, f"{field}__is_active": True})


def monthly_counts(branch_filter: Callable[[str], Q], year: int) -> dict[int, Counts]:
    """One aggregate query: held meetings per (party organisation, type, local month) of `year`.

    A joint activity counts for the branch that held it and for its partner (a UNION ALL of the
    two groupings, still one query); every other figure counts each meeting once."""
    start, end = year_bounds(year)
    held = Meeting.objects.filter(status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end)
    parts = [
        held.filter(branch_filter(field))
        .annotate(branch=F(f"{field}_id"), month=local_month(year))
        .values("branch", "meeting_type_id", "month")
        .annotate(
            counting=Count("pk", filter=Q(quorum_ok__isnull=True) | Q(quorum_ok=True)),
            below=Count("pk", filter=Q(quorum_ok=False)),
        )
        .values_list("branch", "meeting_type_id", "month", "counting", "below")
        .order_by()
        for field in BRANCH_FIELDS
    ]
    rows = parts[0].union(parts[1], all=True)
    result: dict[int, Counts] = defaultdict(dict)
    for po_id, type_id, month, counting, below in rows:
        if po_id is None:
            continue
        per_type = result[po_id].get(type_id)
        if per_type is None:
            per_type = result[po_id][type_id] = ([0] * 12, [0] * 12)
        per_type[0][month - 1] += counting
        per_type[1][month - 1] += below
    return result


def _rules_by_committee(committee_ids, *, codes=None) -> dict[int, list[TypeRule]]:
    qs = MeetingType.objects.filter(committee_id__in=committee_ids)
    if codes is None:
        qs = qs.filter(counts_for_compliance=True, is_active=True).exclude(frequency=Frequency.NONE)
    else:
        qs = qs.filter(code__in=list(codes))
    rules: dict[int, list[TypeRule]] = defaultdict(list)
    for mt in qs.order_by("sort_order", "pk"):
        rules[mt.committee_id].append(TypeRule.from_type(mt))
    return rules


def _evaluate_many(
    party_orgs: list[dict],
    year: int,
    branch_filter: Callable[[str], Q],
    *,
    codes=None,
    today: dt.date | None = None,
) -> dict[int, BranchCompliance]:
    today = today or timezone.localdate()
    rules = _rules_by_committee({po["committee_id"] for po in party_orgs}, codes=codes)
    counts = monthly_counts(branch_filter, year) if party_orgs else {}
    result = {}
    for po in party_orgs:
        branch = evaluate(
            party_organization_id=po["pk"],
            name=po["name"],
            year=year,
            rules=rules.get(po["committee_id"], []),
            counts=counts.get(po["pk"], {}),
            today=today,
            founded_on=po["founded_on"],
        )
        if codes is not None:
            found = {r.code for r in branch_rules(branch)}
            branch.missing_codes = [c for c in codes if c not in found]
        result[po["pk"]] = branch
    return result


def branch_rules(branch: BranchCompliance) -> list[TypeRule]:
    return [t.rule for t in branch.types]


_PO_FIELDS = ("pk", "name", "committee_id", "founded_on")


def compliance_summary(
    party_organization_ids, year: int, *, today: dt.date | None = None
) -> dict[int, BranchCompliance]:
    """Year compliance of many party organisations: {party organisation id: BranchCompliance}.

    Three queries in all, however many ids. Callers scope the ids (e.g. meetings_visible_to)."""
    ids = list(party_organization_ids)
    party_orgs = list(PartyOrganization.objects.filter(pk__in=ids).order_by("name", "pk").values(*_PO_FIELDS))
    return _evaluate_many(party_orgs, year, branches_in(ids), today=today)


def compliance_for_types(
    party_organization_id: int, year: int, meeting_type_codes, *, today: dt.date | None = None
) -> BranchCompliance:
    """One branch's year for the given meeting type codes (the rating evidence link).

    Codes the committee has no type for are listed in `missing_codes`; types without a minimum
    (e.g. 列席理事会) are included with their count and no requirement."""
    codes = list(meeting_type_codes)
    po = PartyOrganization.objects.values(*_PO_FIELDS).get(pk=party_organization_id)
    result = _evaluate_many([po], year, branches_in([party_organization_id]), codes=codes, today=today)
    branch = result[party_organization_id]
    order = {c: i for i, c in enumerate(codes)}
    branch.types.sort(key=lambda t: order.get(t.rule.code, len(order)))
    return branch


def branch_compliance(
    party_organization_id: int, year: int, *, today: dt.date | None = None
) -> BranchCompliance:
    """Every type with a minimum, for one branch's page."""
    return compliance_summary([party_organization_id], year, today=today)[party_organization_id]


def committee_compliance(
    committee_id: int, year: int, *, today: dt.date | None = None
) -> list[BranchCompliance]:
    """All active party organisations of a committee, by name: the heat map. Three queries."""
    party_orgs = list(
        PartyOrganization.objects.filter(committee_id=committee_id, is_active=True)
        .order_by("name", "pk")
        .values(*_PO_FIELDS)
    )
    return list(_evaluate_many(party_orgs, year, branches_of_committee(committee_id), today=today).values())


@dataclass(slots=True)
class PeriodRow:
    rule: TypeRule
    periods: list[Period]

    @property
    def required(self) -> int:
        return sum(p.required for p in self.periods if p.state != NOT_REQUIRED)

    @property
    def held(self) -> int:
        return sum(p.held for p in self.periods)

    @property
    def gaps(self) -> list[Period]:
        return [p for p in self.periods if p.state == GAP]


def period_compliance(
    branch: BranchCompliance, *, quarter: int | None = None, month: int | None = None
) -> list[PeriodRow]:
    """Required vs held per type for one month, quarter or (neither given) the whole year.

    A type's periods that overlap the window are taken whole: asked for May, a quarterly type
    reports Q2 and a yearly type the year."""
    if month is not None:
        first, last = month, month
    elif quarter is not None:
        first, last = 3 * quarter - 2, 3 * quarter
    else:
        first, last = 1, 12
    return [
        PeriodRow(t.rule, [p for p in t.periods if p.first_month <= last and p.last_month >= first])
        for t in branch.types
        if t.has_requirement
    ]


@dataclass(slots=True)
class CommitteeSummary:
    year: int
    branches: list[BranchCompliance]

    @property
    def branch_count(self) -> int:
        return len(self.branches)

    @property
    def compliant_count(self) -> int:
        """Branches with something due and no gap."""
        return sum(1 for b in self.branches if b.due_count and b.compliant)

    @property
    def gap_count(self) -> int:
        return sum(b.gap_count for b in self.branches)

    @property
    def below_quorum(self) -> int:
        return sum(b.below_quorum for b in self.branches)

    @property
    def rate(self) -> float | None:
        due = sum(b.due_count for b in self.branches)
        return None if not due else round(100 * sum(b.met_count for b in self.branches) / due, 1)

    def worst(self, n: int = 5) -> list[BranchCompliance]:
        return sorted((b for b in self.branches if b.gap_count), key=lambda b: (-b.gap_count, b.name))[:n]

    @property
    def worst_five(self) -> list[BranchCompliance]:
        return self.worst(5)


def committee_summary(committee_id: int, year: int, *, today: dt.date | None = None) -> CommitteeSummary:
    """A committee's year in figures (for the rating dashboard); three queries."""
    return CommitteeSummary(year, committee_compliance(committee_id, year, today=today))
