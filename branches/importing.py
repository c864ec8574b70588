"""Import of social organisations from .xlsx or .csv: read within limits, check every row.

The batch around it (upload, dry run and write as tasks) is `branches.import_batches`."""

import contextlib
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.spreadsheets import new_workbook, workbook_bytes

from . import selectors
from . import uscc as uscc_rules
from .models import Committee, OrgStatus, OrgType

# (field, header in the template, accepted header aliases). The headers and the cell values below are the
# file format an upload must follow, so they stay Chinese whatever the interface language; messages that
# name a column quote the Chinese header as it appears in the file.
COLUMNS = [
    ("name", "名称", ("name", "组织名称", "社会组织名称")),
    ("uscc", "统一社会信用代码", ("uscc", "信用代码", "社会信用代码")),
    ("org_type", "组织类型", ("type", "org_type", "类型")),
    ("is_trade_association", "行业协会商会", ("trade_association", "是否行业协会商会")),
    ("division_code", "行政区划代码", ("division", "division_code", "区划代码")),
    ("address", "住所", ("address", "地址")),
    ("status", "状态", ("status",)),
    ("charter_includes_party_building", "党建入章", ("charter",)),
    ("leader_attends_board", "党组织负责人列席理事会", ("列席理事会", "leader_attends_board")),
    ("has_joint_decision_mechanism", "议事机制", ("decision_mechanism",)),
    ("has_duty_list", "责任清单", ("duty_list",)),
    ("candidates_vetted", "负责人人选审核", ("candidates_vetted", "人选审核")),
]
REQUIRED_HEADERS = {"name", "uscc"}
BOOLEAN_FIELDS = {
    "is_trade_association",
    "charter_includes_party_building",
    "leader_attends_board",
    "has_joint_decision_mechanism",
    "has_duty_list",
}
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", ""}
_TYPE_ALIASES = {
    "社会团体": OrgType.ASSOCIATION,
    "社团": OrgType.ASSOCIATION,
    "民办非企业单位": OrgType.PRIVATE_NON_ENTERPRISE,
    "社会服务机构": OrgType.PRIVATE_NON_ENTERPRISE,
    "民办非企业单位（社会服务机构）": OrgType.PRIVATE_NON_ENTERPRISE,
    "民办非企业单位(社会服务机构)": OrgType.PRIVATE_NON_ENTERPRISE,
    "民非": OrgType.PRIVATE_NON_ENTERPRISE,
    "基金会": OrgType.FOUNDATION,
    "其他": OrgType.OTHER,
} | {t.value: t.value for t in OrgType}
_STATUS_ALIASES = {
    "": OrgStatus.ACTIVE,
    "正常": OrgStatus.ACTIVE,
    "活动异常": OrgStatus.ABNORMAL,
    "异常": OrgStatus.ABNORMAL,
    "列入活动异常名录": OrgStatus.ABNORMAL,
    "已注销": OrgStatus.DEREGISTERED,
    "注销": OrgStatus.DEREGISTERED,
    "撤销": OrgStatus.DEREGISTERED,
    "已注销/撤销": OrgStatus.DEREGISTERED,
} | {s.value: s.value for s in OrgStatus}


CELL_TEXT_MAX = 301


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, too many rows)."""


@dataclass
class RowResult:
    number: int  # the row number as the user sees it in the spreadsheet (header = 1)
    values: dict
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


@dataclass
class CheckResult:
    rows: list[RowResult]
    missing_headers: list[str] = field(default_factory=list)

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def error_count(self):
        return len(self.error_rows)

    @property
    def ok(self):
        return not self.missing_headers and self.error_count == 0 and bool(self.rows)


def _header_map(header_row) -> tuple[dict[str, int], list[str]]:
    lookup = {}
    for fname, label, aliases in COLUMNS:
        for name in (label, *aliases):
            lookup[name.strip().lower()] = fname
    positions = {}
    for i, cell in enumerate(header_row):
        key = str(cell or "").strip().lower()
        if key in lookup and lookup[key] not in positions:
            positions[lookup[key]] = i
    missing = [label for fname, label, _a in COLUMNS if fname in REQUIRED_HEADERS and fname not in positions]
    return positions, missing


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # One character over the longest column a row may hold (住所, 300) still says "too long", and
    # keeps what the dry run stores small whatever a cell holds.
    return str(value).strip()[:CELL_TEXT_MAX]


# A sheet's XML takes some 40 bytes a cell; openpyxl reads all of it when opening a sheet that
# declares no range, before a single row can be counted, so the unpacked size is bounded first.
BYTES_PER_CELL = 64
MIN_UNPACKED_BYTES = 1024 * 1024


def _check_unpacked_size(content: bytes) -> None:
    try:
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(content)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_("文件无法作为 Excel (.xlsx) 读取，请用模板另存为 .xlsx 后重试。")) from exc
    if unpacked > max(settings.IMPORT_MAX_CELLS * BYTES_PER_CELL, MIN_UNPACKED_BYTES):
        raise ImportFileError(
            _("文件解压后有 %(mb).0f MB，超过 %(max)s 个单元格所需，请拆分后分批导入。")
            % {"mb": unpacked / 1048576, "max": settings.IMPORT_MAX_CELLS}
        )


def _xlsx_rows(content: bytes, declared: list[int] | None = None) -> Iterator[tuple]:
    """The first sheet's rows; `declared` is given the number of rows the sheet declares (0 when
    it declares no range) once the declared size has been checked."""
    _check_unpacked_size(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("文件无法作为 Excel (.xlsx) 读取，请用模板另存为 .xlsx 后重试。")) from exc
    try:
        if not wb.worksheets:
            raise ImportFileError(_("文件中没有工作表。"))
        ws = wb.worksheets[0]
        _check_declared_size(ws)
        if declared is not None:
            declared.append(max((ws.max_row or 1) - 1, 0))
        # Read what is there, not what the sheet declares: a declared range cuts rows and columns off.
        ws.reset_dimensions()
        yield from ws.iter_rows(values_only=True)
    finally:
        wb.close()


def _check_declared_size(ws) -> None:
    """Refuse a sheet whose declared range (``<dimension ref="A1:CV50000"/>``) is over a limit
    before a single row is read."""
    rows, columns = ws.max_row, ws.max_column
    if not rows or not columns:
        return  # no declared range: the rows are counted as they are read
    if columns > settings.IMPORT_MAX_COLUMNS:
        raise ImportFileError(
            _("工作表有 %(n)s 列，超过上限 %(max)s 列：请只保留模板中的列。")
            % {"n": columns, "max": settings.IMPORT_MAX_COLUMNS}
        )
    if rows > settings.IMPORT_MAX_ROWS + 1:
        raise ImportFileError(
            _("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": settings.IMPORT_MAX_ROWS}
        )
    if rows * columns > settings.IMPORT_MAX_CELLS:
        raise ImportFileError(
            _("文件超过 %(max)s 个单元格，请拆分后分批导入。") % {"max": settings.IMPORT_MAX_CELLS}
        )


def _csv_rows(content: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("CSV 文件编码无法识别，请保存为 UTF-8 编码。"))
    if "\x00" in text:
        raise ImportFileError(_("文件不是文本格式的 CSV。"))
    reader = csv.reader(io.StringIO(text))
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(
            _("CSV 文件第 %(row)s 行无法读取（%(error)s）。") % {"row": reader.line_num, "error": exc}
        ) from exc


def iter_table(content: bytes, filename: str) -> Iterator[list]:
    """The rows of the first sheet (xlsx) or the file (csv) as lists of cell values, one at a time,
    refused with ImportFileError as soon as a row, column or cell limit is passed."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise ImportFileError(_("只支持 .xlsx 或 .csv 文件。"))
    return _within_limits(rows)


def _within_limits(rows: Iterator) -> Iterator[list]:
    max_rows, max_columns, max_cells = (
        settings.IMPORT_MAX_ROWS + 1,  # and the header
        settings.IMPORT_MAX_COLUMNS,
        settings.IMPORT_MAX_CELLS,
    )
    cells = 0
    try:
        for number, row in enumerate(rows, start=1):
            if number > max_rows:
                raise ImportFileError(
                    _("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": settings.IMPORT_MAX_ROWS}
                )
            cells += len(row)  # every cell the reader went through, empty or not
            if cells > max_cells:
                raise ImportFileError(_("文件超过 %(max)s 个单元格，请拆分后分批导入。") % {"max": max_cells})
            width = len(row)
            while width and row[width - 1] in (None, ""):
                width -= 1
            if width > max_columns:
                raise ImportFileError(
                    _("第 %(row)s 行有 %(n)s 列，超过上限 %(max)s 列：请只保留模板中的列。")
                    % {"row": number, "n": width, "max": max_columns}
                )
            yield list(row[:width])
    finally:
        rows.close()  # a workbook is closed as soon as its reader stops, whoever stops it


def preflight(content: bytes, filename: str) -> int:
    """The cheap checks of an upload, in the request: the format, the declared size, the rows up to
    the header. Returns the number of rows the sheet declares (0 when unknown, as for csv). A
    workbook is opened once for all of it."""
    declared: list[int] = []
    if filename.lower().endswith(".xlsx"):
        rows = _within_limits(_xlsx_rows(content, declared))
    else:
        rows = iter_table(content, filename)
    with contextlib.closing(rows):
        for row in rows:
            if any(_cell_text(c) for c in row):
                return declared[0] if declared else 0
    raise ImportFileError(_("文件是空的：第一行应为表头（名称、统一社会信用代码……）。"))


def read_table(content: bytes, filename: str, progress: Callable[[int], None] | None = None) -> list[list]:
    """All rows, within the limits of `iter_table`; `progress(n)` is told after each row read."""
    rows = []
    for row in iter_table(content, filename):
        rows.append(row)
        if progress is not None:
            progress(len(rows))
    return rows


def check_rows(table: list[list], committee: Committee) -> CheckResult:
    """Validate every row; nothing is written. Row numbers are those of the spreadsheet."""
    # Skip blank lines before the header.
    start = 0
    while start < len(table) and not any(_cell_text(c) for c in table[start]):
        start += 1
    if start >= len(table):
        raise ImportFileError(_("文件是空的：第一行应为表头（名称、统一社会信用代码……）。"))
    positions, missing = _header_map(table[start])
    if missing:
        return CheckResult(rows=[], missing_headers=missing)

    results: list[RowResult] = []
    for offset, raw in enumerate(table[start + 1 :], start=start + 2):
        values = {f: _cell_text(raw[i]) if i < len(raw) else "" for f, i in positions.items()}
        if not any(values.values()):
            continue  # blank line
        results.append(RowResult(number=offset, values=values))

    first_seen: dict[str, int] = {}
    for row in results:
        row.values["uscc"] = uscc_rules.normalize(row.values.get("uscc", ""))
        _check_row(row, first_seen)

    codes = [r.values["uscc"] for r in results if r.values["uscc"]]
    here, elsewhere = selectors.uscc_registered(codes, committee.pk)
    for row in results:
        if row.values["uscc"] in here:
            row.errors.append(uscc_rules.registered_here(row.values["uscc"]))
        elif row.values["uscc"] in elsewhere:
            row.errors.append(uscc_rules.not_importable_here())
    return CheckResult(rows=results)


def _check_row(row: RowResult, first_seen: dict[str, int]) -> None:
    v, errors = row.values, row.errors
    if not v.get("name"):
        errors.append(_("名称：必填，不能为空。"))
    elif len(v["name"]) > 200:
        errors.append(_("名称：不能超过200个字符。"))
    code = v["uscc"]
    if not code:
        errors.append(_("统一社会信用代码：必填，不能为空。"))
    else:
        try:
            uscc_rules.validate_uscc(code)
        except ValidationError as exc:
            errors.append(exc.messages[0])
        if code in first_seen:
            errors.append(_("统一社会信用代码与第%(row)s行重复。") % {"row": first_seen[code]})
        else:
            first_seen[code] = row.number

    raw_type = v.get("org_type", "")
    given_type = _TYPE_ALIASES.get(raw_type) if raw_type else None
    if raw_type and given_type is None:
        errors.append(
            _("组织类型：无法识别“%(value)s”，应为社会团体、民办非企业单位（社会服务机构）、基金会或其他。")
            % {"value": raw_type}
        )
    derived = uscc_rules.org_type_from_uscc(code)
    if derived and given_type and given_type != derived:
        errors.append(
            _("组织类型：“%(value)s”与统一社会信用代码第2位（%(digit)s）表示的“%(type)s”不符。")
            % {"value": raw_type, "digit": code[1], "type": OrgType(derived).label}
        )
    v["org_type"] = derived or given_type or ""
    if not v["org_type"] and not errors:
        errors.append(_("组织类型：统一社会信用代码不由民政部门登记，必须填写组织类型。"))

    for fname in BOOLEAN_FIELDS:
        text = v.get(fname, "").lower()
        if text in _TRUE:
            v[fname] = True
        elif text in _FALSE:
            v[fname] = False
        else:
            label = next(lbl for f, lbl, _a in COLUMNS if f == fname)
            errors.append(
                _("%(column)s：应填“是”或“否”，而不是“%(value)s”。") % {"column": label, "value": v[fname]}
            )
    vetted = v.get("candidates_vetted", "").lower()
    if vetted == "":
        v["candidates_vetted"] = None
    elif vetted in _TRUE | _FALSE:
        v["candidates_vetted"] = vetted in _TRUE
        if v.get("is_trade_association") is False:
            errors.append(_("负责人人选审核：只有行业协会商会填写。"))
    else:
        errors.append(
            _("负责人人选审核：应填“是”“否”或留空，而不是“%(value)s”。") % {"value": v["candidates_vetted"]}
        )

    division = v.get("division_code", "")
    if division and (len(division) != 6 or not (division.isascii() and division.isdigit())):
        errors.append(_("行政区划代码：应为6位数字，而不是“%(value)s”。") % {"value": division})
    if not division and code:
        v["division_code"] = derived_division = uscc_rules.division_from_uscc(code)
        # A valid code may have letters in positions 3–8; bulk_create would store them unchecked.
        if uscc_rules.is_valid(code) and not (derived_division.isascii() and derived_division.isdigit()):
            errors.append(
                _("行政区划代码：统一社会信用代码第3–8位“%(value)s”不是区划代码，请填写6位区划代码。")
                % {"value": derived_division}
            )
    if len(v.get("address", "")) > 300:
        errors.append(_("住所：不能超过300个字符。"))
    status = _STATUS_ALIASES.get(v.get("status", ""))
    if status is None:
        errors.append(
            _("状态：无法识别“%(value)s”，应为正常、列入活动异常名录或已注销。") % {"value": v["status"]}
        )
    else:
        v["status"] = status


def template_workbook() -> bytes:
    # The template documents the file format (Chinese headers and cell values), so it is not translated.
    wb = new_workbook()
    ws = wb.active
    ws.title = "社会组织"
    ws.append([label for _f, label, _a in COLUMNS])
    ws.append(
        [
            "成都市武侯社区发展基金会",
            uscc_rules.make_uscc("53510107MJ0000001"),
            "基金会",
            "否",
            "510107",
            "成都市武侯区示例路1号",
            "正常",
            "是",
            "是",
            "是",
            "是",
            "",
        ]
    )
    for col, width in zip("ABCDEFGHIJKL", (30, 22, 16, 12, 12, 30, 10, 10, 22, 10, 10, 14), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("填写说明")
    for line in (
        ["名称、统一社会信用代码必填；第一行是表头，请勿改动。"],
        ["统一社会信用代码第1位为5（民政登记）时，组织类型由第2位决定，可不填。"],
        ["组织类型：社会团体 / 民办非企业单位（社会服务机构） / 基金会 / 其他。"],
        ["行政区划代码留空时取统一社会信用代码第3–8位。"],
        ["状态：正常 / 列入活动异常名录 / 已注销；留空为正常。是否类栏目填“是”或“否”。"],
        ["负责人人选审核只对行业协会商会填写。"],
    ):
        notes.append(line)
    return workbook_bytes(wb)
