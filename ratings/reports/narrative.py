"""The few paragraphs that open the annual report, written from the tally's own figures.

The report is the committee's official document and stays in Chinese whatever the interface
language (like the certificate and the 公示 notice), so the sentences here are Chinese on purpose.
Every number comes from the stored tally; nothing is invented when a figure is missing: the sentence
that needs it is left out.
"""

from decimal import Decimal, InvalidOperation

LEVEL_WORDS = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星", 0: "无星"}


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return f"{Decimal(100 * part) / Decimal(whole):.1f}"


def _rate(value) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _regions_by_share(data: dict, limit: int = 3) -> list[dict]:
    """Regions with rated branches, lowest share of 3★+ first (ties by name)."""
    rows = []
    for g in data.get("by_region", []):
        rated = g["total"] - g["unrated"] - g["vetoed"]
        if rated > 0:
            rows.append(
                {"label": g["label"], "share": Decimal(100 * g["three_plus"]) / rated, "rated": rated}
            )
    rows.sort(key=lambda r: (r["share"], r["label"]))
    return rows[:limit]


def _weakest_coverage(data: dict, limit: int = 3) -> list[dict]:
    rows = [
        r for r in data.get("coverage_by_region", []) if _rate(r.get("work_rate")) is not None and r["total"]
    ]
    rows.sort(key=lambda r: (_rate(r["work_rate"]), r["label"]))
    return rows[:limit]


def paragraphs(data: dict, *, committee_name: str) -> list[str]:
    """The report's opening: the year in one paragraph, then the change on last year, coverage and
    where the gaps are largest."""
    year = data["cycle"]["year"]
    levels = {int(k): v for k, v in data["levels"].items()}
    out = []
    opening = (
        f"{year}年，{committee_name}共有 {data['participants']} 个党组织参加“星火”评星，"
        f"其中 {data['rated']} 个完成评定"
    )
    if data["unrated"]:
        opening += f"、{data['unrated']} 个未评定"
    opening += "。"
    if data["rated"]:
        opening += (
            f"评定为三星及以上的 {data['three_plus']} 个，占已评定的 {_share(data['three_plus'], data['rated'])}%；"
            + "，".join(f"{LEVEL_WORDS[lv]} {levels.get(lv, 0)} 个" for lv in (5, 4, 3, 2, 1, 0))
            + "。"
        )
    if data["vetoed"]:
        opening += f"另有 {data['vetoed']} 个因一票否决不予评星。"
    out.append(opening)

    change = data.get("change") or {}
    if data.get("previous_year") and any(change.values()):
        out.append(
            f"与{data['previous_year']}年相比，{change.get('promoted', 0)} 个党组织星级上升，"
            f"{change.get('same', 0)} 个持平，{change.get('demoted', 0)} 个下降，"
            f"{change.get('new', 0)} 个为首次评定。"
        )

    cov = data.get("coverage") or {}
    if cov.get("total"):
        text = (
            f"全委 {cov['total']} 个社会组织中，{cov.get('party_covered', 0)} 个已建立党组织"
            f"（组织覆盖率 {cov.get('org_rate') or '—'}%），{cov.get('work_covered', 0)} 个实现工作覆盖"
            f"（工作覆盖率 {cov.get('work_rate') or '—'}%）"
        )
        uncovered = cov["total"] - cov.get("work_covered", 0)
        text += f"，尚有 {uncovered} 个未覆盖。" if uncovered else "，已全部覆盖。"
        out.append(text)

    weakest = _regions_by_share(data)
    if weakest and data["rated"]:
        out.append(
            "三星及以上占比最低的区划："
            + "；".join(f"{r['label']}（{r['share']:.1f}%，已评定 {r['rated']} 个）" for r in weakest)
            + "。建议在下一周期的“牵手”结对和查找不足中优先安排。"
        )
    thin = [r for r in _weakest_coverage(data) if _rate(r["work_rate"]) < Decimal(100)]
    if thin:
        out.append(
            "工作覆盖率最低的区划："
            + "；".join(f"{r['label']}（{r['work_rate']}%，社会组织 {r['total']} 个）" for r in thin)
            + "。"
        )
    return out
