"""Open a rubric workbook: its sheets as rows of values keyed by column, with the row numbers the
user sees (header = row 1), or RubricFileError when the file is not a usable workbook."""

import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.spreadsheets import read_text

from .workbook import (
    ADJUSTMENT_COLUMNS,
    BAND_COLUMNS,
    INDICATOR_COLUMNS,
    MAX_ROWS_PER_SHEET,
    MEETING_COLUMN,
    SETTINGS_COLUMNS,
    SHEET_ADJUSTMENTS,
    SHEET_BANDS,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_VETOES,
    SHEETS,
    VETO_COLUMNS,
    RubricFileError,
)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return read_text(str(value).strip())  # undo the export's protective apostrophe


def read_workbook(content: bytes) -> dict[str, list[tuple[int, dict]]]:
    """Every sheet as (row number, {key: cell value}) rows, found by header; blank rows skipped.

    Raises RubricFileError when the file is not a workbook or a sheet or column is missing.
    """
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RubricFileError(
            _("文件无法作为 Excel (.xlsx) 读取，请先导出一份测评标准，在其基础上修改后另存为 .xlsx。")
        ) from exc
    try:
        missing = [name for name in SHEETS if name not in wb.sheetnames]
        if missing:
            names = "、".join(f"“{m}”" for m in missing)
            raise RubricFileError(
                _("缺少工作表：%(names)s。请使用导出的测评标准文件作为模板。") % {"names": names}
            )
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
            labels = [cell_text(c) for c in header]
            positions = {key: labels.index(label) for key, label in columns[name] if label in labels}
            lost = [label for key, label in columns[name] if key not in positions and key not in optional]
            if lost:
                lost_text = "、".join(f"“{c}”" for c in lost)
                raise RubricFileError(
                    _("“%(name)s”表第1行缺少列：%(lost_text)s。") % {"name": name, "lost_text": lost_text}
                )
            data = []
            for number, raw in enumerate(rows, start=2):
                values = {key: (raw[i] if i < len(raw) else None) for key, i in positions.items()}
                if not any(cell_text(v) for v in values.values()):
                    continue
                if len(data) >= MAX_ROWS_PER_SHEET:
                    raise RubricFileError(
                        _("“%(name)s”表超过 %(max)s 行。") % {"name": name, "max": MAX_ROWS_PER_SHEET}
                    )
                data.append((number, values))
            out[name] = data
        return out
    finally:
        wb.close()
