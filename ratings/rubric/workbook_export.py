"""Export one rubric version as a workbook, and what a rubric says without ids (to compare versions)."""

from openpyxl.styles import Alignment, Font

from core.spreadsheets import new_workbook, workbook_bytes

from ..models import Rubric
from .services import has_meeting_link
from .workbook import (
    ADJUSTMENT_COLUMNS,
    BAND_COLUMNS,
    INDICATOR_COLUMNS,
    MEETING_COLUMN,
    SETTINGS_COLUMNS,
    SETTINGS_NOTES,
    SETTINGS_ROWS,
    SHEET_ADJUSTMENTS,
    SHEET_BANDS,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_VETOES,
    VETO_COLUMNS,
)


def _yes_no(value: bool) -> str:
    # A cell value of the workbook format, read back on upload: not translated.
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
    linked = has_meeting_link()
    wb = new_workbook()
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

    return workbook_bytes(wb)


def export_filename(rubric: Rubric) -> str:
    return f"rubric-v{rubric.version}.xlsx"


def rubric_content(rubric: Rubric) -> dict:
    """Everything a rubric says, without ids or version: for comparing two versions."""
    linked = has_meeting_link()
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
