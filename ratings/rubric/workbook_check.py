"""Read a rubric workbook and check every row of every sheet, reporting each problem with its
sheet and row number as the user sees them (header = row 1)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from branches.models import Committee
from core import limits

from ..models import AdjustmentItem, Rubric
from .services import has_meeting_link
from .workbook import (
    SETTINGS_ROWS,
    SHEET_ADJUSTMENTS,
    SHEET_BANDS,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_VETOES,
    ParsedCategory,
    ParsedIndicator,
    ParsedRubric,
    RowError,
)
from .workbook_read import cell_text

# Cell values of the workbook format (是/否, 加分/减分, tie rules, star levels) stay Chinese.
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}


_FALSE = {"否", "n", "no", "false", "0", "×", "✗"}


_KINDS = {
    "加分": AdjustmentItem.Kind.BONUS,
    "bonus": AdjustmentItem.Kind.BONUS,
    "减分": AdjustmentItem.Kind.DEDUCTION,
    "deduction": AdjustmentItem.Kind.DEDUCTION,
}


_TIE_RULES = {
    "exclude": Rubric.TieRule.EXCLUDE,
    "一并降档": Rubric.TieRule.EXCLUDE,
    "降档": Rubric.TieRule.EXCLUDE,
    str(Rubric.TieRule.EXCLUDE.label): Rubric.TieRule.EXCLUDE,
    "include": Rubric.TieRule.INCLUDE,
    "一并保留": Rubric.TieRule.INCLUDE,
    "保留": Rubric.TieRule.INCLUDE,
    str(Rubric.TieRule.INCLUDE.label): Rubric.TieRule.INCLUDE,
}


_LEVEL_WORDS = {"一星": 1, "二星": 2, "三星": 3, "四星": 4, "五星": 5}


def _decimal(value) -> Decimal | None:
    """A number from a cell (number or text), or None when it is not one."""
    if isinstance(value, bool):
        return None
    text = cell_text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _is_step(number: Decimal, step: Decimal) -> bool:
    return (number / step) % 1 == 0


def _bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def check_workbook(sheets: dict[str, list[tuple[int, dict]]]) -> tuple[ParsedRubric, list[RowError]]:
    """Validate every row of every sheet; nothing is written."""
    parsed, errors = ParsedRubric(), []
    _check_indicators(sheets[SHEET_INDICATORS], parsed, errors)
    _check_adjustments(sheets[SHEET_ADJUSTMENTS], parsed, errors)
    _check_vetoes(sheets[SHEET_VETOES], parsed, errors)
    _check_settings(sheets[SHEET_SETTINGS], parsed, errors)
    _check_bands(sheets[SHEET_BANDS], parsed, errors)
    return parsed, errors


def _required_text(values, key, label, max_length, err):
    text = cell_text(values.get(key))
    if not text:
        err(_("%(label)s：必填，不能为空。") % {"label": label})
    elif len(text) > max_length:
        err(
            _("%(label)s：不能超过%(max_length)s个字符（现有%(count)s个）。")
            % {"label": label, "max_length": max_length, "count": len(text)}
        )
    return text


def _optional_text(values, key, label, max_length, err):
    text = cell_text(values.get(key))
    if len(text) > max_length:
        err(
            _("%(label)s：不能超过%(max_length)s个字符（现有%(count)s个）。")
            % {"label": label, "max_length": max_length, "count": len(text)}
        )
    return text


def _check_indicators(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_INDICATORS
    if not rows:
        errors.append(RowError(sheet, None, _("没有任何二级指标。")))
    categories: dict[str, tuple[ParsedCategory, int]] = {}
    seen_codes: dict[str, int] = {}
    linked = has_meeting_link()
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        ccode = _required_text(v, "category_code", _("一级指标编号"), 10, err)
        ctitle = _required_text(v, "category_title", _("一级指标"), 100, err)
        code = _required_text(v, "code", _("二级指标编号"), 10, err)
        title = _required_text(v, "title", _("二级指标"), 300, err)
        if code:
            if code in seen_codes:
                err(_("二级指标编号“%(code)s”与第%(row)s行重复。") % {"code": code, "row": seen_codes[code]})
            else:
                seen_codes[code] = number
        max_score = _decimal(v.get("max_score"))
        raw_max = cell_text(v.get("max_score"))
        if not raw_max:
            err(_("分值：必填，不能为空。"))
        elif max_score is None:
            err(_("分值：“%(raw_max)s”不是数字。") % {"raw_max": raw_max})
        elif max_score <= 0 or max_score >= 1000:
            err(_("分值：应大于0且小于1000，而不是 %(raw_max)s。") % {"raw_max": raw_max})
        elif not _is_step(max_score, Decimal("0.5")):
            err(_("分值：只能精确到0.5分（例如 3 或 3.5），而不是 %(raw_max)s。") % {"raw_max": raw_max})
        evidence = _bool(v.get("evidence_required"))
        if evidence is None:
            err(
                _("须上传佐证：应填“是”或“否”，而不是“%(raw)s”。")
                % {"raw": cell_text(v.get("evidence_required"))}
            )
        evidence_description = _optional_text(
            v, "evidence_description", _("佐证材料要求"), limits.RUBRIC_TEXT, err
        )
        guidance = _optional_text(v, "guidance", _("验收要点"), limits.RUBRIC_TEXT, err)
        meeting_codes = [
            c
            for c in cell_text(v.get("meeting_types"))
            .replace(",", "、")
            .replace("，", "、")
            .replace(" ", "、")
            .split("、")
            if c
        ]
        if meeting_codes and not linked:
            meeting_codes = []  # this installation does not link indicators to meeting types
        if ccode and ctitle:
            if ccode in categories:
                cat, first = categories[ccode]
                if cat.title != ctitle:
                    err(
                        _("一级指标编号“%(ccode)s”在第%(first)s行是“%(title)s”，这里却是“%(ctitle)s”。")
                        % {"ccode": ccode, "first": first, "title": cat.title, "ctitle": ctitle}
                    )
            else:
                cat = ParsedCategory(ccode, ctitle)
                categories[ccode] = (cat, number)
                parsed.categories.append(cat)
            cat.indicators.append(
                ParsedIndicator(
                    code=code,
                    title=title,
                    max_score=max_score or Decimal(0),
                    evidence_required=bool(evidence),
                    evidence_description=evidence_description,
                    guidance=guidance,
                    meeting_types=meeting_codes,
                )
            )


def _check_adjustments(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_ADJUSTMENTS
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        raw_kind = cell_text(v.get("kind"))
        kind = _KINDS.get(raw_kind.lower())
        if kind is None:
            err(_("类别：应填“加分”或“减分”，而不是“%(raw_kind)s”。") % {"raw_kind": raw_kind})
        code = _required_text(v, "code", _("编号"), 10, err)
        if code:
            if code in seen:
                err(_("编号“%(code)s”与第%(row)s行重复。") % {"code": code, "row": seen[code]})
            else:
                seen[code] = number
        title = _required_text(v, "title", _("事项"), 300, err)
        points = _points(v.get("points"), _("每次分值"), err, required=True)
        cap = _points(v.get("max_points"), _("本项上限"), err, required=False)
        if points is not None and cap is not None and cap < points:
            err(_("本项上限 %(cap)s 不能小于每次分值 %(points)s。") % {"cap": cap, "points": points})
        parsed.adjustments.append((kind or "", code, title, points or Decimal(0), cap))


def _points(value, label, err, *, required: bool) -> Decimal | None:
    raw = cell_text(value)
    if not raw:
        if required:
            err(_("%(label)s：必填，不能为空。") % {"label": label})
        return None
    number = _decimal(value)
    if number is None:
        err(_("%(label)s：“%(raw)s”不是数字。") % {"label": label, "raw": raw})
    elif number < Decimal("0.5") or number >= 1000:
        err(_("%(label)s：应在 0.5 到 999.5 之间，而不是 %(raw)s。") % {"label": label, "raw": raw})
    elif not _is_step(number, Decimal("0.1")):
        err(_("%(label)s：最多一位小数，而不是 %(raw)s。") % {"label": label, "raw": raw})
    else:
        return number
    return None


def _check_vetoes(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_VETOES
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        code = _required_text(v, "code", _("编号"), 10, err)
        if code:
            if code in seen:
                err(_("编号“%(code)s”与第%(row)s行重复。") % {"code": code, "row": seen[code]})
            else:
                seen[code] = number
        title = _required_text(v, "title", _("否决事项"), 300, err)
        parsed.vetoes.append((code, title))


def _level(value) -> int | None:
    text = cell_text(value).replace("★", "").replace("☆", "")
    if text in _LEVEL_WORDS:
        return _LEVEL_WORDS[text]
    number = _decimal(text)
    if number is None or number % 1 != 0:
        return None
    return int(number)


def _check_bands(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_BANDS
    if not rows:
        errors.append(RowError(sheet, None, _("没有设置星级分数线。")))
    seen: dict[int, int] = {}
    good: list[tuple[int, int, Decimal]] = []  # (row, level, min_total) of rows without errors
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        before = len(errors)
        level = _level(v.get("level"))
        if level is None or not 1 <= level <= 5:
            err(_("星级：应为 1 到 5 的整数，而不是“%(raw)s”。") % {"raw": cell_text(v.get("level"))})
            level = None
        elif level in seen:
            err(_("星级 %(level)s 与第%(row)s行重复。") % {"level": level, "row": seen[level]})
        else:
            seen[level] = number
        raw_min = cell_text(v.get("min_total"))
        min_total = _decimal(v.get("min_total"))
        if not raw_min:
            err(_("最低总分：必填，不能为空。"))
        elif min_total is None:
            err(_("最低总分：“%(raw_min)s”不是数字。") % {"raw_min": raw_min})
        elif min_total < 0 or min_total >= 10000:
            err(_("最低总分：应在 0 到 9999.9 之间，而不是 %(raw_min)s。") % {"raw_min": raw_min})
            min_total = None
        elif not _is_step(min_total, Decimal("0.1")):
            err(_("最低总分：最多一位小数，而不是 %(raw_min)s。") % {"raw_min": raw_min})
            min_total = None
        raw_quota = cell_text(v.get("quota_percent")).rstrip("%").strip()
        quota = None
        if raw_quota:
            quota = _decimal(raw_quota)
            if quota is None:
                err(_("名额比例：“%(raw_quota)s”不是数字（不限名额请留空）。") % {"raw_quota": raw_quota})
            elif not 0 <= quota <= 100:
                err(_("名额比例：应在 0 到 100 之间，而不是 %(raw_quota)s。") % {"raw_quota": raw_quota})
                quota = None
            elif not _is_step(quota, Decimal("0.01")):
                err(_("名额比例：最多两位小数，而不是 %(raw_quota)s。") % {"raw_quota": raw_quota})
                quota = None
        if level is not None and min_total is not None:
            parsed.bands.append((level, min_total, quota))
            if len(errors) == before:
                good.append((number, level, min_total))
    # Higher levels need strictly higher minimum totals.
    ordered = sorted(good, key=lambda g: g[1], reverse=True)
    for (_r_hi, hi_level, hi_min), (r_lo, lo_level, lo_min) in zip(ordered, ordered[1:], strict=False):
        if lo_min >= hi_min:
            errors.append(
                RowError(
                    sheet,
                    r_lo,
                    _(
                        "分数线应随星级严格递减：%(lo_level)s星的最低总分 %(lo_min)s 应低于%(hi_level)s星的 %(hi_min)s。"
                    )
                    % {"lo_level": lo_level, "lo_min": lo_min, "hi_level": hi_level, "hi_min": hi_min},
                )
            )
    if ordered and parsed.bonus_cap is not None and not any(e.sheet == SHEET_INDICATORS for e in errors):
        possible = (
            sum((i.max_score for c in parsed.categories for i in c.indicators), Decimal(0)) + parsed.bonus_cap
        )
        row, level, top = ordered[0]
        if top > possible:
            errors.append(
                RowError(
                    sheet,
                    row,
                    _(
                        "%(level)s星的最低总分 %(top)s 超过了可能的最高总分 %(possible)s（指标满分加加分上限），没有党组织能达到。"
                    )
                    % {"level": level, "top": top, "possible": possible},
                )
            )


def _check_settings(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_SETTINGS
    by_label = {label: key for key, label, _r in SETTINGS_ROWS}
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        label = cell_text(v.get("key"))
        key = by_label.get(label)
        if key is None:
            known = "、".join(f"“{lbl}”" for _k, lbl, _r in SETTINGS_ROWS)
            err(_("项目：无法识别“%(label)s”，应为%(known)s之一。") % {"label": label, "known": known})
            continue
        if key in seen:
            err(_("项目“%(label)s”与第%(row)s行重复。") % {"label": label, "row": seen[key]})
            continue
        seen[key] = number
        value, raw = v.get("value"), cell_text(v.get("value"))
        if key == "name":
            if len(raw) > 100:
                err(_("名称：不能超过100个字符（现有%(count)s个）。") % {"count": len(raw)})
            parsed.name = raw
        elif key in ("bonus_cap", "deduction_cap"):
            number_value = _decimal(value)
            if not raw:
                err(_("%(label)s：必填，不能为空（不设加减分请填0）。") % {"label": label})
            elif number_value is None:
                err(_("%(label)s：“%(raw)s”不是数字。") % {"label": label, "raw": raw})
            elif number_value < 0 or number_value >= 10000:
                err(_("%(label)s：应在 0 到 9999.9 之间，而不是 %(raw)s。") % {"label": label, "raw": raw})
            elif not _is_step(number_value, Decimal("0.1")):
                err(_("%(label)s：最多一位小数，而不是 %(raw)s。") % {"label": label, "raw": raw})
            else:
                setattr(parsed, key, number_value)
        elif key == "promotion_limit":
            flag = _bool(value)
            if flag is None:
                err(_("逐级晋升：应填“是”或“否”，而不是“%(raw)s”。") % {"raw": raw})
            parsed.promotion_limit = flag
        elif key == "plaque_min_level":
            level = _level(value)
            if level is None or not 1 <= level <= 5:
                err(_("授牌最低星级：应为 1 到 5 的整数，而不是“%(raw)s”。") % {"raw": raw})
            else:
                parsed.plaque_min_level = level
        elif key == "quota_tie_rule":
            rule = _TIE_RULES.get(raw) or _TIE_RULES.get(raw.lower())
            if rule is None:
                err(
                    _(
                        "名额同分规则：无法识别“%(raw)s”，应为 exclude（同分一并降档）或 include（同分一并保留）。"
                    )
                    % {"raw": raw}
                )
            else:
                parsed.quota_tie_rule = rule
    for key, label, required in SETTINGS_ROWS:
        if required and key not in seen:
            errors.append(RowError(sheet, None, _("缺少项目“%(label)s”。") % {"label": label}))


def meeting_types_by_code(
    committee: Committee, parsed: ParsedRubric, errors: list[RowError], rows: list[tuple[int, dict]]
) -> dict:
    wanted = {c for cat in parsed.categories for i in cat.indicators for c in i.meeting_types}
    if not wanted:
        return {}
    from meetings.models import MeetingType

    known = {mt.code: mt for mt in MeetingType.objects.filter(committee=committee, code__in=wanted)}
    for number, v in rows:
        codes = [
            c
            for c in cell_text(v.get("meeting_types"))
            .replace(",", "、")
            .replace("，", "、")
            .replace(" ", "、")
            .split("、")
            if c
        ]
        unknown = [c for c in codes if c not in known]
        if unknown:
            codes_text = "、".join(f"“{c}”" for c in unknown)
            errors.append(
                RowError(
                    SHEET_INDICATORS,
                    number,
                    _("关联会议类型：本综合党委没有代码为%(codes_text)s的会议类型。")
                    % {"codes_text": codes_text},
                )
            )
    return known
