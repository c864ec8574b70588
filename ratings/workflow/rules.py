"""Star rules: total → band → promotion limit → quotas, with the reason in words.

Pure functions over plain values, so the rules can be tested exhaustively and run over a
whole cycle in memory. The rubric holds the parameters (bands, caps, quotas, tie rule).
"""

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# The reasons built here are stored with each result and quoted in the official notice, so they are
# written in Chinese and not translated.
CN_LEVEL = {0: "无星", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


HUNDREDTH = Decimal("0.01")


def _fmt(value: Decimal) -> str:
    value = Decimal(value).quantize(HUNDREDTH, rounding=ROUND_HALF_UP).normalize()
    return format(value, "f")


@dataclass(frozen=True)
class Band:
    level: int
    min_total: Decimal
    quota_percent: Decimal | None = None


@dataclass(frozen=True)
class Rules:
    bands: tuple[Band, ...]  # any order; normalised to highest level first
    bonus_cap: Decimal = Decimal("5")
    deduction_cap: Decimal = Decimal("10")
    promotion_limit: bool = True
    exclude_ties: bool = True  # at a quota cut, branches tied with the first one cut go down too

    def sorted_bands(self):
        return self._bands_high_first

    @functools.cached_property
    def _bands_high_first(self) -> tuple[Band, ...]:  # computed once per Rules, not once per candidate
        return tuple(sorted(self.bands, key=lambda b: b.level, reverse=True))


@dataclass(slots=True)
class Candidate:
    key: object
    indicator_total: Decimal
    bonus: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    vetoed: bool = False
    veto_titles: Sequence[str] = ()
    previous_level: int | None = None


@dataclass(slots=True)
class Outcome:
    key: object
    total: Decimal | None
    bonus: Decimal
    deduction: Decimal
    level: int | None  # None: vetoed, no star and out of the ranking; 0: rated but below every band
    reasons: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "；".join(self.reasons)


def total_of(c: Candidate, rules: Rules) -> tuple[Decimal, Decimal, Decimal]:
    bonus = min(Decimal(c.bonus), rules.bonus_cap)
    deduction = min(Decimal(c.deduction), rules.deduction_cap)
    return Decimal(c.indicator_total) + bonus - deduction, bonus, deduction


def band_level(total: Decimal, rules: Rules) -> int:
    for band in rules.sorted_bands():
        if total >= band.min_total:
            return band.level
    return 0


def decide(candidates: Iterable[Candidate], rules: Rules) -> list[Outcome]:
    """The star level of every candidate of one cycle, quotas applied across them."""
    outcomes: list[Outcome] = []
    for c in candidates:
        total, bonus, deduction = total_of(c, rules)
        if c.vetoed:
            reason = (
                "一票否决（%s）：不评星，不参与排名" % "、".join(c.veto_titles)
                if c.veto_titles
                else "一票否决：不评星，不参与排名"
            )
            outcomes.append(Outcome(c.key, total, bonus, deduction, None, [reason]))
            continue
        parts = [f"指标得分 {_fmt(c.indicator_total)}"]
        if bonus:
            capped = (
                "（已按上限 %s 计）" % _fmt(rules.bonus_cap) if Decimal(c.bonus) > rules.bonus_cap else ""
            )
            parts.append(f"加分 {_fmt(bonus)}{capped}")
        if deduction:
            capped = (
                "（已按上限 %s 计）" % _fmt(rules.deduction_cap)
                if Decimal(c.deduction) > rules.deduction_cap
                else ""
            )
            parts.append(f"减分 {_fmt(deduction)}{capped}")
        level = band_level(total, rules)
        head = f"总分 {_fmt(total)}" + ("（%s）" % "，".join(parts) if (bonus or deduction) else "")
        reasons = [f"{head} → {CN_LEVEL[level]}档" if level else f"{head} → 未达最低星级分数线，不授星"]
        if rules.promotion_limit and c.previous_level is not None and level > c.previous_level + 1:
            limited = c.previous_level + 1
            reasons.append(f"上一周期{CN_LEVEL[c.previous_level]}，逐级晋升限制为{CN_LEVEL[limited]}")
            level = limited
        elif rules.promotion_limit and c.previous_level is None and level > 1:
            reasons.append("首次参评，不受逐级晋升限制")
        outcomes.append(Outcome(c.key, total, bonus, deduction, level, reasons))
    _apply_quotas(outcomes, rules)
    return outcomes


def _apply_quotas(outcomes: list[Outcome], rules: Rules) -> None:
    rated = [o for o in outcomes if o.level is not None]
    n = len(rated)
    for band in rules.sorted_bands():
        if band.quota_percent is None:
            continue
        limit = math.floor(Decimal(n) * band.quota_percent / 100)
        at_level = sorted((o for o in rated if o.level == band.level), key=lambda o: o.total, reverse=True)
        if len(at_level) <= limit:
            continue
        cut = at_level[limit].total  # total of the first branch beyond the quota
        if rules.exclude_ties:
            keep = [o for o in at_level[:limit] if o.total > cut]
        else:
            last_kept = at_level[limit - 1].total if limit else None
            keep = [o for o in at_level if last_kept is not None and o.total >= last_kept]
        keep_ids = {id(o) for o in keep}
        for rank, o in enumerate(at_level, start=1):
            if id(o) in keep_ids:
                continue
            lower = band.level - 1
            tie = "（与名额外第一名同分，按同分规则一并降档）" if rank <= limit else ""
            o.reasons.append(
                f"{CN_LEVEL[band.level]}名额 {_fmt(band.quota_percent)}%（{n} 个参评，限 {limit} 个），"
                f"按总分排第 {rank} 位{tie}，降为{CN_LEVEL[lower]}"
            )
            o.level = lower
