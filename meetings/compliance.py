"""Did a party organisation hold its meetings as often as its committee requires?

The rules
- Each meeting type has a minimum: `min_count` meetings per month, quarter or year (or none).
- A meeting counts when it is marked held and, for types that need a quorum, more than half of
  those entitled were present. Below-quorum meetings are shown but never count.
- Periods are calendar periods in the committee's time zone (settings.TIME_ZONE, Asia/Shanghai):
  a meeting at 2023-03-31 23:30 Beijing time is March and Q1 although it is 15:30 UTC.
- A period is required only if the party organisation already existed when it began (founded on
  or before its first day); an unknown founding date means always required.
- A period is a *gap* once it has ended without enough meetings; the running period is *open*
  (not yet a gap); later periods are *future*. Met is met, even before the period ends.
- For the heat map a requirement belongs to the month in which its period ends: monthly types to
  their month, quarterly ones to March/June/September/December, yearly ones to December.

How it is computed
All counts come from one aggregate query grouped by (party organisation, type, month); the rest is
plain Python over those counts (`evaluate`). A committee's whole year therefore takes three
queries (party organisations, meeting types, the aggregate) whatever the number of branches.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router
from django.db.models import CharField, Count, F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import PartyOrganization

from .models import Frequency, Meeting, MeetingStatus, MeetingType

MET, GAP, OPEN, FUTURE, NOT_REQUIRED = "met", "gap", "open", "future", "not_required"
STATE_LABELS = {
    MET: gettext_lazy("达标"),
    GAP: gettext_lazy("缺口"),
    OPEN: gettext_lazy("进行中"),
    FUTURE: gettext_lazy("未到"),
    NOT_REQUIRED: gettext_lazy("不要求"),
}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = local_tz()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class TypeRule:
    """The part of a MeetingType that compliance needs."""

    id: int
    code: str
    name: str
    frequency: str
    min_count: int
    committee_id: int
    sort_order: int = 0

    @classmethod
    def from_type(cls, mt: MeetingType) -> "TypeRule":
        frequency = mt.frequency if (mt.counts_for_compliance and mt.is_active) else Frequency.NONE
        return cls(mt.pk, mt.code, mt.name, frequency, mt.min_count, mt.committee_id, mt.sort_order)

    @property
    def requirement_label(self) -> str:
        if self.frequency == Frequency.NONE:
            return _("不作要求")
        period = {Frequency.MONTH: _("每月"), Frequency.QUARTER: _("每季度"), Frequency.YEAR: _("每年")}[
            self.frequency
        ]
        return _("%(period)s至少%(n)d次") % {"period": period, "n": self.min_count}


def _periods_of(frequency: str, year: int) -> list[tuple[int, int, int]]:
    """(index, first month, last month) of each period of a year."""
    if frequency == Frequency.MONTH:
        return [(m, m, m) for m in range(1, 13)]
    if frequency == Frequency.QUARTER:
        return [(q, 3 * q - 2, 3 * q) for q in range(1, 5)]
    if frequency == Frequency.YEAR:
        return [(1, 1, 12)]
    return []


@dataclass(slots=True)
class Period:
    rule: TypeRule
    year: int
    index: int
    first_month: int
    last_month: int
    required: int
    held: int
    below_quorum: int
    state: str

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """First day after the period."""
        return (
            dt.date(self.year + 1, 1, 1)
            if self.last_month == 12
            else dt.date(self.year, self.last_month + 1, 1)
        )

    @property
    def label(self) -> str:
        if self.rule.frequency == Frequency.MONTH:
            return _("%(y)d年%(m)d月") % {"y": self.year, "m": self.index}
        if self.rule.frequency == Frequency.QUARTER:
            return _("%(y)d年第%(q)d季度") % {"y": self.year, "q": self.index}
        return _("%(y)d年") % {"y": self.year}

    @property
    def short_label(self) -> str:
        if self.rule.frequency == Frequency.MONTH:
            return _("%(m)d月") % {"m": self.index}
        if self.rule.frequency == Frequency.QUARTER:
            return _("第%(q)d季度") % {"q": self.index}
        return _("全年")

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def missing(self) -> int:
        return max(self.required - self.held, 0)

    @property
    def suggested_date(self) -> dt.date:
        """A date inside the period's last month, to prefill a late record (补登)."""
        return dt.date(self.year, self.last_month, 15)


@dataclass(slots=True)
class TypeCompliance:
    rule: TypeRule
    periods: list[Period]
    held: int  # meetings that count, whole year
    below_quorum: int  # held but below quorum, whole year

    @property
    def has_requirement(self) -> bool:
        return self.rule.frequency != Frequency.NONE

    @property
    def gaps(self) -> list[Period]:
        return [p for p in self.periods if p.state == GAP]

    @property
    def gaps_label(self) -> str:
        """The gaps in a few characters: “2、3、7月”, “第1、3季度”, “全年”."""
        gaps = self.gaps
        if not gaps:
            return ""
        numbers = "、".join(str(p.index) for p in gaps)
        if self.rule.frequency == Frequency.MONTH:
            return _("%(n)s月") % {"n": numbers}
        if self.rule.frequency == Frequency.QUARTER:
            return _("第%(n)s季度") % {"n": numbers}
        return _("全年")

    @property
    def met_periods(self) -> int:
        return sum(1 for p in self.periods if p.state == MET)

    @property
    def due_periods(self) -> int:
        """Periods that are over (met or gap) or already met."""
        return sum(1 for p in self.periods if p.state in (MET, GAP))

    @property
    def required(self) -> int:
        return sum(p.required for p in self.periods if p.state in (MET, GAP))

    @property
    def state(self) -> str:
        if not self.has_requirement:
            return NOT_REQUIRED
        if self.gaps:
            return GAP
        if any(p.state == OPEN for p in self.periods):
            return OPEN
        if self.due_periods:
            return MET
        return FUTURE if any(p.state == FUTURE for p in self.periods) else NOT_REQUIRED

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(slots=True)
class MonthCell:
    month: int
    due: int  # requirements whose period ends this month, met or not (open ones included)
    met: int
    gaps: list[Period]
    open: int
    held: int  # meetings that count, held this month (all types with a requirement)
    future: bool

    @property
    def css(self) -> str:
        if self.future:
            return "hm-future"
        if not self.due:
            return "hm-none"
        if self.met == self.due:
            return "hm-full"
        if not self.gaps:
            return "hm-open"
        return "hm-zero" if self.met == 0 else "hm-part"

    @property
    def text(self) -> str:
        if self.future or not self.due:
            return "—" if not self.future else ""
        return f"{self.met}/{self.due}"

    @property
    def title(self) -> str:
        if self.gaps:
            return _("缺：%(names)s") % {"names": "、".join(p.rule.name for p in self.gaps)}
        if self.open:
            return _("本月进行中")
        return ""


@dataclass(slots=True)
class BranchCompliance:
    party_organization_id: int
    name: str
    year: int
    types: list[TypeCompliance]
    months: list[MonthCell] = field(default_factory=list)
    missing_codes: list[str] = field(default_factory=list)

    @property
    def gaps(self) -> list[Period]:
        return [p for t in self.types for p in t.gaps]

    @property
    def gap_count(self) -> int:
        return sum(len(t.gaps) for t in self.types)

    @property
    def met_count(self) -> int:
        return sum(t.met_periods for t in self.types)

    @property
    def due_count(self) -> int:
        return sum(t.due_periods for t in self.types)

    @property
    def rate(self) -> float | None:
        """Share of due requirements met, in percent; None when nothing was due yet."""
        due = self.due_count
        return None if not due else round(100 * self.met_count / due, 1)

    @property
    def compliant(self) -> bool:
        return self.gap_count == 0

    @property
    def below_quorum(self) -> int:
        return sum(t.below_quorum for t in self.types)

    def type(self, code: str) -> TypeCompliance | None:
        return next((t for t in self.types if t.rule.code == code), None)


# type id → (meetings that count, meetings below quorum), each a list of 12 monthly figures
Counts = dict[int, tuple[list[int], list[int]]]
_NO_MEETINGS = ([0] * 12, [0] * 12)


def counts_from_pairs(pairs: dict[tuple[int, int], tuple[int, int]]) -> Counts:
    """{(type id, month): (counting, below)} → Counts; a readable way to write examples."""
    counts: Counts = {}
    for (type_id, month), (counting, below) in pairs.items():
        row = counts.setdefault(type_id, ([0] * 12, [0] * 12))
        row[0][month - 1] += counting
        row[1][month - 1] += below
    return counts


@lru_cache(maxsize=64)
def _period_bounds(frequency: str, year: int) -> tuple[tuple[int, int, int, dt.date, dt.date], ...]:
    return tuple(
        (
            index,
            first,
            last,
            dt.date(year, first, 1),
            dt.date(year + 1, 1, 1) if last == 12 else dt.date(year, last + 1, 1),
        )
        for index, first, last in _periods_of(frequency, year)
    )


def evaluate(
    *,
    party_organization_id: int,
    name: str,
    year: int,
    rules: list[TypeRule],
    counts: Counts,
    today: dt.date,
    founded_on: dt.date | None = None,
) -> BranchCompliance:
    """Compliance of one party organisation for one year from its monthly counts. No queries."""
    types = []
    cells = [
        MonthCell(month=m, due=0, met=0, gaps=[], open=0, held=0, future=dt.date(year, m, 1) > today)
        for m in range(1, 13)
    ]
    for rule in rules:
        counting, below = counts.get(rule.id, _NO_MEETINGS)
        periods = []
        for index, first, last, start, end in _period_bounds(rule.frequency, year):
            held = sum(counting[first - 1 : last])
            if founded_on is not None and founded_on > start:
                state = NOT_REQUIRED
            elif held >= rule.min_count:
                state = MET
            elif today >= end:
                state = GAP
            elif today >= start:
                state = OPEN
            else:
                state = FUTURE
            period = Period(
                rule, year, index, first, last, rule.min_count, held, sum(below[first - 1 : last]), state
            )
            periods.append(period)
            if state in (MET, GAP, OPEN):
                cell = cells[last - 1]
                cell.due += 1
                if state == MET:
                    cell.met += 1
                elif state == GAP:
                    cell.gaps.append(period)
                else:
                    cell.open += 1
        if periods:
            for cell, n in zip(cells, counting, strict=True):
                cell.held += n
        types.append(TypeCompliance(rule, periods, sum(counting), sum(below)))
    return BranchCompliance(party_organization_id, name, year, types, cells)


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


def monthly_counts(meeting_filter: Q, year: int) -> dict[int, Counts]:
    """One aggregate query: held meetings per (party organisation, type, local month) of `year`."""
    start, end = year_bounds(year)
    rows = (
        Meeting.objects.filter(
            meeting_filter, status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end
        )
        .annotate(month=local_month(year))
        .values("party_organization_id", "meeting_type_id", "month")
        .annotate(
            counting=Count("pk", filter=Q(quorum_ok__isnull=True) | Q(quorum_ok=True)),
            below=Count("pk", filter=Q(quorum_ok=False)),
        )
        .values_list("party_organization_id", "meeting_type_id", "month", "counting", "below")
        .order_by()
    )
    result: dict[int, Counts] = defaultdict(dict)
    for po_id, type_id, month, counting, below in rows.iterator(chunk_size=10_000):
        per_type = result[po_id].get(type_id)
        if per_type is None:
            per_type = result[po_id][type_id] = ([0] * 12, [0] * 12)
        per_type[0][month - 1] = counting
        per_type[1][month - 1] = below
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
    party_orgs: list[dict], year: int, meeting_filter: Q, *, codes=None, today: dt.date | None = None
) -> dict[int, BranchCompliance]:
    today = today or timezone.localdate()
    rules = _rules_by_committee({po["committee_id"] for po in party_orgs}, codes=codes)
    counts = monthly_counts(meeting_filter, year) if party_orgs else {}
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
    return _evaluate_many(party_orgs, year, Q(party_organization_id__in=ids), today=today)


def compliance_for_types(
    party_organization_id: int, year: int, meeting_type_codes, *, today: dt.date | None = None
) -> BranchCompliance:
    """One branch's year for the given meeting type codes (the rating evidence link).

    Codes the committee has no type for are listed in `missing_codes`; types without a minimum
    (e.g. 列席理事会) are included with their count and no requirement."""
    codes = list(meeting_type_codes)
    po = PartyOrganization.objects.values(*_PO_FIELDS).get(pk=party_organization_id)
    result = _evaluate_many(
        [po], year, Q(party_organization_id=party_organization_id), codes=codes, today=today
    )
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
    meeting_filter = Q(party_organization__committee_id=committee_id, party_organization__is_active=True)
    return list(_evaluate_many(party_orgs, year, meeting_filter, today=today).values())


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
