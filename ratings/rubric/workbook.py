"""A rubric (测评标准) as an .xlsx workbook: its sheets and columns, and what a checked workbook
holds (ParsedRubric) or what is wrong with it (RowError, RubricFileError, RubricImportError)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The sheet names, column headers and setting notes below are the file format a rubric workbook must
# follow (they are how sheets and columns are found on upload), so they stay Chinese in every language.
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
        if self.row:
            return _("“%(sheet)s”表第%(row)s行：%(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "message": self.message,
            }
        return _("“%(sheet)s”表：%(message)s") % {"sheet": self.sheet, "message": self.message}


class RubricImportError(Exception):
    """The workbook has errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(
            ngettext("%(count)s 处错误", "%(count)s 处错误", len(errors)) % {"count": len(errors)}
        )
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
