"""The rules of meeting compliance, evaluated over monthly counts without a query.

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
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Frequency, MeetingType

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


FIRST_YEAR = 2015  # the first year meetings can be recorded for


def recorded_years() -> list[int]:
    """The years a list can filter meetings by, the current one first (no query)."""
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


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


def periods_of(frequency: str, year: int) -> list[tuple[int, int, int]]:
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
        return gaps_label(self.rule.frequency, [p.index for p in self.gaps])

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
            return _("缺：%(names)s") % {"names": _("、").join(p.rule.name for p in self.gaps)}
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
        for index, first, last in periods_of(frequency, year)
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


def gaps_label(frequency: str, indexes: list[int]) -> str:
    """Gap periods (month or quarter numbers) in a few characters, in the active language:
    “2、3、7月”, “第1、3季度”, “全年”; "" for none."""
    if not indexes:
        return ""
    numbers = _("、").join(str(i) for i in indexes)
    if frequency == Frequency.MONTH:
        return ngettext("%(n)s月", "%(n)s月", len(indexes)) % {"n": numbers}
    if frequency == Frequency.QUARTER:
        return ngettext("第%(n)s季度", "第%(n)s季度", len(indexes)) % {"n": numbers}
    return _("全年")
