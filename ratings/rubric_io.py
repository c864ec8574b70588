"""A rubric (测评标准) as an .xlsx workbook: export one version; import a workbook as a new version.

The import checks every row of every sheet before it writes anything and reports each problem
with its sheet and row number (as the user sees them, header = row 1); a file with any error
writes nothing.
"""

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from branches.models import Committee, User
from branches.services import audit_record

from .models import AdjustmentItem, Indicator, Rubric, StarBand, VetoItem
from .services import _has_meeting_link, _require_staff

SHEET_INDICATORS = "指标"
SHEET_ADJUSTMENTS = "加减分"
SHEET_VETOES = "一票否决"
SHEET_BANDS = "星级"
SHEET_SETTINGS = "设置"
SHEETS = (SHEET_INDICATORS, SHEET_ADJUSTMENTS, SHEET_VETOES, SHEET_BANDS, SHEET_SETTINGS)

# (key, header); a header is how the column is found, so columns may be reordered.
INDICATOR_COLUMNS = [
    ("category_code", "一级指标编号"),
    ("category_title", "一级指标"),
    ("code", "二级指标编号"),
    ("title", "二级指标"),
    ("max_score", "分值"),
    ("evidence_required", "须上传佐证"),
    ("evidence_description", "佐证材料要求"),
    ("guidance", "验收要点"),
]
MEETING_COLUMN = ("meeting_types", "关联会议类型")  # only while indicators link to meeting types
ADJUSTMENT_COLUMNS = [
    ("kind", "类别"),
    ("code", "编号"),
    ("title", "事项"),
    ("points", "每次分值"),
    ("max_points", "本项上限"),
]
VETO_COLUMNS = [("code", "编号"), ("title", "否决事项")]
BAND_COLUMNS = [("level", "星级"), ("min_total", "最低总分"), ("quota_percent", "名额比例（%）")]
SETTINGS_COLUMNS = [("key", "项目"), ("value", "值"), ("note", "说明")]
# setting key, label in the sheet, required
SETTINGS_ROWS = [
    ("name", "名称", False),
    ("bonus_cap", "加分上限", True),
    ("deduction_cap", "减分上限", True),
    ("promotion_limit", "逐级晋升", True),
    ("plaque_min_level", "授牌最低星级", True),
    ("quota_tie_rule", "名额同分规则", True),
]
SETTINGS_NOTES = {
    "name": "测评标准名称，留空则沿用默认名称",
    "bonus_cap": "加分合计最多计入的分数",
    "deduction_cap": "减分合计最多扣除的分数",
    "promotion_limit": "是：每个周期最多比上一周期升一级；否：不限",
    "plaque_min_level": "达到该星级及以上授牌（1–5）",
    "quota_tie_rule": "exclude：名额边界同分者一并降档（名额不超）；include：同分者一并保留（可超名额）",
}

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
MAX_ROWS_PER_SHEET = 1000
MAX_FILE_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RubricFileError(Exception):
    """The file as a whole cannot be read as a rubric workbook."""


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None  # None: the sheet as a whole
    message: str

    def __str__(self):
        where = f"“{self.sheet}”表" + (f"第{self.row}行" if self.row else "")
        return f"{where}：{self.message}"


class RubricImportError(Exception):
    """The workbook has errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} 处错误")
        self.errors = errors


@dataclass
class ParsedIndicator:
    code: str
    title: str
    max_score: Decimal
    evidence_required: bool
    evidence_description: str
    guidance: str
    meeting_types: list[str] = field(default_factory=list)


@dataclass
class ParsedCategory:
    code: str
    title: str
    indicators: list[ParsedIndicator] = field(default_factory=list)


@dataclass
class ParsedRubric:
    name: str = ""
    bonus_cap: Decimal | None = None
    deduction_cap: Decimal | None = None
    promotion_limit: bool | None = None
    plaque_min_level: int | None = None
    quota_tie_rule: str = ""
    categories: list[ParsedCategory] = field(default_factory=list)
    adjustments: list[tuple[str, str, str, Decimal, Decimal | None]] = field(default_factory=list)
    vetoes: list[tuple[str, str]] = field(default_factory=list)
    bands: list[tuple[int, Decimal, Decimal | None]] = field(default_factory=list)


# --- export ---------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _header(ws, columns):
    ws.append([label for _key, label in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _widths(ws, widths):
    for col, width in zip("ABCDEFGHIJ", widths, strict=False):
        ws.column_dimensions[col].width = width


def export_rubric(rubric: Rubric) -> bytes:
    """The whole rubric as an .xlsx workbook with the sheets 指标, 加减分, 一票否决, 星级, 设置."""
    linked = _has_meeting_link()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_INDICATORS
    columns = INDICATOR_COLUMNS + ([MEETING_COLUMN] if linked else [])
    _header(ws, columns)
    prefetch = ["indicators__meeting_types"] if linked else ["indicators"]
    for cat in rubric.categories.order_by("order", "pk").prefetch_related(*prefetch):
        for ind in sorted(cat.indicators.all(), key=lambda i: (i.order, i.pk)):
            row = [
                cat.code,
                cat.title,
                ind.code,
                ind.title,
                ind.max_score,
                _yes_no(ind.evidence_required),
                ind.evidence_description,
                ind.guidance,
            ]
            if linked:
                row.append("、".join(sorted(mt.code for mt in ind.meeting_types.all())))
            ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(ws, (12, 14, 12, 50, 8, 12, 30, 40, 24))

    ws = wb.create_sheet(SHEET_ADJUSTMENTS)
    _header(ws, ADJUSTMENT_COLUMNS)
    for adj in rubric.adjustments.order_by("kind", "order", "pk"):
        ws.append([adj.get_kind_display(), adj.code, adj.title, adj.points, adj.max_points])
    _widths(ws, (8, 8, 50, 10, 10))

    ws = wb.create_sheet(SHEET_VETOES)
    _header(ws, VETO_COLUMNS)
    for veto in rubric.vetoes.order_by("order", "pk"):
        ws.append([veto.code, veto.title])
    _widths(ws, (8, 60))

    ws = wb.create_sheet(SHEET_BANDS)
    _header(ws, BAND_COLUMNS)
    for band in rubric.bands.order_by("-level"):
        ws.append([band.level, band.min_total, band.quota_percent])
    _widths(ws, (8, 10, 14))

    ws = wb.create_sheet(SHEET_SETTINGS)
    _header(ws, SETTINGS_COLUMNS)
    values = {
        "name": rubric.name,
        "bonus_cap": rubric.bonus_cap,
        "deduction_cap": rubric.deduction_cap,
        "promotion_limit": _yes_no(rubric.promotion_limit),
        "plaque_min_level": rubric.plaque_min_level,
        "quota_tie_rule": rubric.quota_tie_rule,
    }
    for key, label, _required in SETTINGS_ROWS:
        ws.append([label, values[key], SETTINGS_NOTES[key]])
    _widths(ws, (16, 40, 70))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_filename(rubric: Rubric) -> str:
    return f"rubric-v{rubric.version}.xlsx"


# --- reading and checking -------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value) -> Decimal | None:
    """A number from a cell (number or text), or None when it is not one."""
    if isinstance(value, bool):
        return None
    text = _text(value)
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
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def read_workbook(content: bytes) -> dict[str, list[tuple[int, dict]]]:
    """Every sheet as (row number, {key: cell value}) rows, found by header; blank rows skipped.

    Raises RubricFileError when the file is not a workbook or a sheet or column is missing.
    """
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RubricFileError(
            "文件无法作为 Excel (.xlsx) 读取，请先导出一份测评标准，在其基础上修改后另存为 .xlsx。"
        ) from exc
    try:
        missing = [name for name in SHEETS if name not in wb.sheetnames]
        if missing:
            names = "、".join(f"“{m}”" for m in missing)
            raise RubricFileError(f"缺少工作表：{names}。请使用导出的测评标准文件作为模板。")
        columns = {
            SHEET_INDICATORS: INDICATOR_COLUMNS + [MEETING_COLUMN],
            SHEET_ADJUSTMENTS: ADJUSTMENT_COLUMNS,
            SHEET_VETOES: VETO_COLUMNS,
            SHEET_BANDS: BAND_COLUMNS,
            SHEET_SETTINGS: SETTINGS_COLUMNS,
        }
        optional = {
            MEETING_COLUMN[0],
            "note",
            "max_points",
            "quota_percent",
            "evidence_description",
            "guidance",
        }
        out = {}
        for name in SHEETS:
            ws = wb[name]
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None) or ()
            labels = [_text(c) for c in header]
            positions = {key: labels.index(label) for key, label in columns[name] if label in labels}
            lost = [label for key, label in columns[name] if key not in positions and key not in optional]
            if lost:
                lost_text = "、".join(f"“{c}”" for c in lost)
                raise RubricFileError(f"“{name}”表第1行缺少列：{lost_text}。")
            data = []
            for number, raw in enumerate(rows, start=2):
                values = {key: (raw[i] if i < len(raw) else None) for key, i in positions.items()}
                if not any(_text(v) for v in values.values()):
                    continue
                if len(data) >= MAX_ROWS_PER_SHEET:
                    raise RubricFileError(f"“{name}”表超过 {MAX_ROWS_PER_SHEET} 行。")
                data.append((number, values))
            out[name] = data
        return out
    finally:
        wb.close()


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
    text = _text(values.get(key))
    if not text:
        err(f"{label}：必填，不能为空。")
    elif len(text) > max_length:
        err(f"{label}：不能超过{max_length}个字符（现有{len(text)}个）。")
    return text


def _check_indicators(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_INDICATORS
    if not rows:
        errors.append(RowError(sheet, None, "没有任何二级指标。"))
    categories: dict[str, tuple[ParsedCategory, int]] = {}
    seen_codes: dict[str, int] = {}
    linked = _has_meeting_link()
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        ccode = _required_text(v, "category_code", "一级指标编号", 10, err)
        ctitle = _required_text(v, "category_title", "一级指标", 100, err)
        code = _required_text(v, "code", "二级指标编号", 10, err)
        title = _required_text(v, "title", "二级指标", 300, err)
        if code:
            if code in seen_codes:
                err(f"二级指标编号“{code}”与第{seen_codes[code]}行重复。")
            else:
                seen_codes[code] = number
        max_score = _decimal(v.get("max_score"))
        raw_max = _text(v.get("max_score"))
        if not raw_max:
            err("分值：必填，不能为空。")
        elif max_score is None:
            err(f"分值：“{raw_max}”不是数字。")
        elif max_score <= 0 or max_score >= 1000:
            err(f"分值：应大于0且小于1000，而不是 {raw_max}。")
        elif not _is_step(max_score, Decimal("0.5")):
            err(f"分值：只能精确到0.5分（例如 3 或 3.5），而不是 {raw_max}。")
        evidence = _bool(v.get("evidence_required"))
        if evidence is None:
            err(f"须上传佐证：应填“是”或“否”，而不是“{_text(v.get('evidence_required'))}”。")
        meeting_codes = [
            c
            for c in _text(v.get("meeting_types"))
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
                    err(f"一级指标编号“{ccode}”在第{first}行是“{cat.title}”，这里却是“{ctitle}”。")
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
                    evidence_description=_text(v.get("evidence_description")),
                    guidance=_text(v.get("guidance")),
                    meeting_types=meeting_codes,
                )
            )


def _check_adjustments(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_ADJUSTMENTS
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        raw_kind = _text(v.get("kind"))
        kind = _KINDS.get(raw_kind.lower())
        if kind is None:
            err(f"类别：应填“加分”或“减分”，而不是“{raw_kind}”。")
        code = _required_text(v, "code", "编号", 10, err)
        if code:
            if code in seen:
                err(f"编号“{code}”与第{seen[code]}行重复。")
            else:
                seen[code] = number
        title = _required_text(v, "title", "事项", 300, err)
        points = _points(v.get("points"), "每次分值", err, required=True)
        cap = _points(v.get("max_points"), "本项上限", err, required=False)
        if points is not None and cap is not None and cap < points:
            err(f"本项上限 {cap} 不能小于每次分值 {points}。")
        parsed.adjustments.append((kind or "", code, title, points or Decimal(0), cap))


def _points(value, label, err, *, required: bool) -> Decimal | None:
    raw = _text(value)
    if not raw:
        if required:
            err(f"{label}：必填，不能为空。")
        return None
    number = _decimal(value)
    if number is None:
        err(f"{label}：“{raw}”不是数字。")
    elif number < Decimal("0.5") or number >= 1000:
        err(f"{label}：应在 0.5 到 999.5 之间，而不是 {raw}。")
    elif not _is_step(number, Decimal("0.1")):
        err(f"{label}：最多一位小数，而不是 {raw}。")
    else:
        return number
    return None


def _check_vetoes(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_VETOES
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        code = _required_text(v, "code", "编号", 10, err)
        if code:
            if code in seen:
                err(f"编号“{code}”与第{seen[code]}行重复。")
            else:
                seen[code] = number
        title = _required_text(v, "title", "否决事项", 300, err)
        parsed.vetoes.append((code, title))


def _level(value) -> int | None:
    text = _text(value).replace("★", "").replace("☆", "")
    if text in _LEVEL_WORDS:
        return _LEVEL_WORDS[text]
    number = _decimal(text)
    if number is None or number % 1 != 0:
        return None
    return int(number)


def _check_bands(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_BANDS
    if not rows:
        errors.append(RowError(sheet, None, "没有设置星级分数线。"))
    seen: dict[int, int] = {}
    good: list[tuple[int, int, Decimal]] = []  # (row, level, min_total) of rows without errors
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        before = len(errors)
        level = _level(v.get("level"))
        if level is None or not 1 <= level <= 5:
            err(f"星级：应为 1 到 5 的整数，而不是“{_text(v.get('level'))}”。")
            level = None
        elif level in seen:
            err(f"星级 {level} 与第{seen[level]}行重复。")
        else:
            seen[level] = number
        raw_min = _text(v.get("min_total"))
        min_total = _decimal(v.get("min_total"))
        if not raw_min:
            err("最低总分：必填，不能为空。")
        elif min_total is None:
            err(f"最低总分：“{raw_min}”不是数字。")
        elif min_total < 0 or min_total >= 10000:
            err(f"最低总分：应在 0 到 9999.9 之间，而不是 {raw_min}。")
            min_total = None
        elif not _is_step(min_total, Decimal("0.1")):
            err(f"最低总分：最多一位小数，而不是 {raw_min}。")
            min_total = None
        raw_quota = _text(v.get("quota_percent")).rstrip("%").strip()
        quota = None
        if raw_quota:
            quota = _decimal(raw_quota)
            if quota is None:
                err(f"名额比例：“{raw_quota}”不是数字（不限名额请留空）。")
            elif not 0 <= quota <= 100:
                err(f"名额比例：应在 0 到 100 之间，而不是 {raw_quota}。")
                quota = None
            elif not _is_step(quota, Decimal("0.01")):
                err(f"名额比例：最多两位小数，而不是 {raw_quota}。")
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
                    f"分数线应随星级严格递减：{lo_level}星的最低总分 {lo_min} "
                    f"应低于{hi_level}星的 {hi_min}。",
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
                    f"{level}星的最低总分 {top} 超过了可能的最高总分 {possible}"
                    f"（指标满分加加分上限），没有党组织能达到。",
                )
            )


def _check_settings(rows, parsed: ParsedRubric, errors: list[RowError]):
    sheet = SHEET_SETTINGS
    by_label = {label: key for key, label, _r in SETTINGS_ROWS}
    seen: dict[str, int] = {}
    for number, v in rows:

        def err(msg, number=number):
            errors.append(RowError(sheet, number, msg))

        label = _text(v.get("key"))
        key = by_label.get(label)
        if key is None:
            known = "、".join(f"“{lbl}”" for _k, lbl, _r in SETTINGS_ROWS)
            err(f"项目：无法识别“{label}”，应为{known}之一。")
            continue
        if key in seen:
            err(f"项目“{label}”与第{seen[key]}行重复。")
            continue
        seen[key] = number
        value, raw = v.get("value"), _text(v.get("value"))
        if key == "name":
            if len(raw) > 100:
                err(f"名称：不能超过100个字符（现有{len(raw)}个）。")
            parsed.name = raw
        elif key in ("bonus_cap", "deduction_cap"):
            number_value = _decimal(value)
            if not raw:
                err(f"{label}：必填，不能为空（不设加减分请填0）。")
            elif number_value is None:
                err(f"{label}：“{raw}”不是数字。")
            elif number_value < 0 or number_value >= 10000:
                err(f"{label}：应在 0 到 9999.9 之间，而不是 {raw}。")
            elif not _is_step(number_value, Decimal("0.1")):
                err(f"{label}：最多一位小数，而不是 {raw}。")
            else:
                setattr(parsed, key, number_value)
        elif key == "promotion_limit":
            flag = _bool(value)
            if flag is None:
                err(f"逐级晋升：应填“是”或“否”，而不是“{raw}”。")
            parsed.promotion_limit = flag
        elif key == "plaque_min_level":
            level = _level(value)
            if level is None or not 1 <= level <= 5:
                err(f"授牌最低星级：应为 1 到 5 的整数，而不是“{raw}”。")
            else:
                parsed.plaque_min_level = level
        elif key == "quota_tie_rule":
            rule = _TIE_RULES.get(raw) or _TIE_RULES.get(raw.lower())
            if rule is None:
                err(
                    f"名额同分规则：无法识别“{raw}”，应为 exclude（同分一并降档）或 include（同分一并保留）。"
                )
            else:
                parsed.quota_tie_rule = rule
    for key, label, required in SETTINGS_ROWS:
        if required and key not in seen:
            errors.append(RowError(sheet, None, f"缺少项目“{label}”。"))


def _meeting_types_by_code(
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
            for c in _text(v.get("meeting_types"))
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
                    SHEET_INDICATORS, number, f"关联会议类型：本综合党委没有代码为{codes_text}的会议类型。"
                )
            )
    return known


# --- import ---------------------------------------------------------------------------------


def rubric_import(*, committee: Committee, content: bytes, by: User) -> Rubric:
    """Create the committee's next rubric version from a workbook, all or nothing.

    Raises RubricFileError (unreadable file) or RubricImportError (row-by-row errors).
    """
    _require_staff(by, committee.pk)
    if len(content) > MAX_FILE_BYTES:
        raise RubricFileError("文件太大，测评标准文件不应超过 5 MB。")
    sheets = read_workbook(content)
    parsed, errors = check_workbook(sheets)
    linked = _has_meeting_link()
    meeting_types = (
        _meeting_types_by_code(committee, parsed, errors, sheets[SHEET_INDICATORS]) if linked else {}
    )
    if errors:
        raise RubricImportError(errors)
    with transaction.atomic():
        last = (
            Rubric.objects.select_for_update()
            .filter(committee=committee)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        ) or 0
        rubric = Rubric.objects.create(
            committee=committee,
            version=last + 1,
            name=parsed.name or Rubric._meta.get_field("name").default,
            bonus_cap=parsed.bonus_cap,
            deduction_cap=parsed.deduction_cap,
            promotion_limit=parsed.promotion_limit,
            plaque_min_level=parsed.plaque_min_level,
            quota_tie_rule=parsed.quota_tie_rule,
        )
        for c_order, cat in enumerate(parsed.categories, start=1):
            new_cat = rubric.categories.create(code=cat.code, title=cat.title, order=c_order)
            created = Indicator.objects.bulk_create(
                [
                    Indicator(
                        category=new_cat,
                        code=i.code,
                        title=i.title,
                        max_score=i.max_score,
                        evidence_required=i.evidence_required,
                        evidence_description=i.evidence_description,
                        guidance=i.guidance,
                        order=i_order,
                    )
                    for i_order, i in enumerate(cat.indicators, start=1)
                ]
            )
            if linked:
                for ind, parsed_ind in zip(created, cat.indicators, strict=True):
                    if parsed_ind.meeting_types:
                        ind.meeting_types.set([meeting_types[c] for c in parsed_ind.meeting_types])
        orders: dict[str, int] = {}
        adjustments = []
        for kind, code, title, points, cap in parsed.adjustments:
            orders[kind] = orders.get(kind, 0) + 1
            adjustments.append(
                AdjustmentItem(
                    rubric=rubric,
                    kind=kind,
                    code=code,
                    title=title,
                    points=points,
                    max_points=cap,
                    order=orders[kind],
                )
            )
        AdjustmentItem.objects.bulk_create(adjustments)
        VetoItem.objects.bulk_create(
            [
                VetoItem(rubric=rubric, code=code, title=title, order=order)
                for order, (code, title) in enumerate(parsed.vetoes, start=1)
            ]
        )
        StarBand.objects.bulk_create(
            [
                StarBand(rubric=rubric, level=level, min_total=min_total, quota_percent=quota)
                for level, min_total, quota in parsed.bands
            ]
        )
        audit_record(
            actor=by,
            action="rubric.import",
            target=rubric,
            after={
                "version": rubric.version,
                "categories": len(parsed.categories),
                "indicators": sum(len(c.indicators) for c in parsed.categories),
            },
        )
    return rubric


def rubric_content(rubric: Rubric) -> dict:
    """Everything a rubric says, without ids or version: for comparing two versions."""
    linked = _has_meeting_link()
    cats = []
    for cat in rubric.categories.order_by("order", "pk").prefetch_related("indicators"):
        inds = []
        for ind in sorted(cat.indicators.all(), key=lambda i: (i.order, i.pk)):
            row = (
                ind.code,
                ind.title,
                ind.max_score,
                ind.evidence_required,
                ind.evidence_description,
                ind.guidance,
            )
            if linked:
                row += (tuple(sorted(ind.meeting_types.values_list("code", flat=True))),)
            inds.append(row)
        cats.append((cat.code, cat.title, tuple(inds)))
    return {
        "name": rubric.name,
        "bonus_cap": rubric.bonus_cap,
        "deduction_cap": rubric.deduction_cap,
        "promotion_limit": rubric.promotion_limit,
        "plaque_min_level": rubric.plaque_min_level,
        "quota_tie_rule": rubric.quota_tie_rule,
        "categories": tuple(cats),
        "adjustments": tuple(
            rubric.adjustments.order_by("kind", "order", "pk").values_list(
                "kind", "code", "title", "points", "max_points"
            )
        ),
        "vetoes": tuple(rubric.vetoes.order_by("order", "pk").values_list("code", "title")),
        "bands": tuple(rubric.bands.order_by("-level").values_list("level", "min_total", "quota_percent")),
    }
