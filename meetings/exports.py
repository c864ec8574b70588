"""The committee's year of compliance as an .xlsx workbook (heat map and list of gaps)."""

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import new_workbook, workbook_bytes

from .compliance import BranchCompliance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILLS = {
    "hm-full": PatternFill("solid", fgColor="C8E6C9"),
    "hm-open": PatternFill("solid", fgColor="FFF3C4"),
    "hm-part": PatternFill("solid", fgColor="FFCC80"),
    "hm-zero": PatternFill("solid", fgColor="EF9A9A"),
}


def compliance_workbook(branches: list[BranchCompliance], year: int) -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = _("热力图")
    ws.append([_("%(year)s年 组织生活落实情况（每格：当月到期要求 达标数/应达标数）") % {"year": year}])
    ws["A1"].font = Font(bold=True, size=13)
    header = [
        _("党组织"),
        *[_("%(month)s月") % {"month": m} for m in range(1, 13)],
        _("缺口数"),
        _("达标率(%)"),
        _("未过半数会议"),
    ]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for b in branches:
        ws.append([b.name, *[c.text for c in b.months], b.gap_count, b.rate, b.below_quorum])
        row = ws.max_row
        for i, c in enumerate(b.months, start=2):
            cell = ws.cell(row=row, column=i)
            cell.alignment = Alignment(horizontal="center")
            if c.css in FILLS:
                cell.fill = FILLS[c.css]
    ws.column_dimensions["A"].width = 42
    for col in range(2, 14):
        ws.column_dimensions[get_column_letter(col)].width = 7
    ws.freeze_panes = "B3"

    gaps = wb.create_sheet(_("缺口明细"))
    gaps.append(
        [
            _("党组织"),
            _("会议类型"),
            _("要求"),
            _("期间"),
            _("应开（次）"),
            _("实开（次）"),
            _("未过半数（次）"),
        ]
    )
    for cell in gaps[1]:
        cell.font = Font(bold=True)
    for b in branches:
        for t in b.types:
            for p in t.gaps:
                gaps.append(
                    [
                        b.name,
                        t.rule.name,
                        t.rule.requirement_label,
                        p.label,
                        p.required,
                        p.held,
                        p.below_quorum,
                    ]
                )
    for col, width in zip("ABCDEFG", (42, 14, 16, 16, 10, 10, 14), strict=True):
        gaps.column_dimensions[col].width = width
    gaps.freeze_panes = "A2"

    return workbook_bytes(wb)
