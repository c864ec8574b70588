"""Downloads for the committee: results, tally and coverage as .xlsx; the annual report as PDF.

The whole-cycle files (results, tally, report) are written to a file object by the background
export (`ratings.reports.exports`): the results row by row from a streamed queryset into a
write-only workbook, so memory stays bounded whatever the number of submissions.
"""

import io
from collections.abc import Callable
from itertools import islice

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from branches.models import PartyOrganization
from core.spreadsheets import new_workbook, workbook_bytes

from ..models import Cycle, Status, Submission, level_name

BOLD = Font(bold=True)
CHUNK = 1000  # submissions fetched per query while streaming the results


def _bold_header(ws, header) -> None:
    """The header row of a write-only sheet, in bold."""
    cells = []
    for value in header:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = BOLD
        cells.append(cell)
    ws.append(cells)


def _sheet(wb, title, header):
    ws = wb.create_sheet(title)
    ws.append(header)
    for header_cell in ws[1]:
        header_cell.font = BOLD
    return ws


def _save(wb) -> bytes:
    if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1:
        del wb["Sheet"]
    return workbook_bytes(wb)


def results_xlsx(cycle: Cycle) -> bytes:
    """The results workbook as bytes (the whole file in memory: for tests and the benchmark)."""
    buf = io.BytesIO()
    write_results_xlsx(cycle, buf)
    return buf.getvalue()


def write_results_xlsx(cycle: Cycle, out, *, progress: Callable[[int], None] | None = None) -> int:
    """One row per submission, streamed from the database a chunk at a time into a write-only
    workbook saved to `out`; `progress(rows written)` is called after every chunk. Returns the
    number of rows."""
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(_("评星结果"))
    _bold_header(
        ws,
        [
            _("党组织"),
            _("覆盖的社会组织"),
            _("状态"),
            _("指标得分"),
            _("加分"),
            _("减分"),
            _("总分"),
            _("一票否决"),
            _("上一周期星级"),
            _("建议星级"),
            _("星级依据"),
            _("确定星级"),
            _("证书编号"),
            _("命名状态"),
        ],
    )
    subs = (
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "award")
        .order_by("-total", "party_organization__name", "pk")
        .iterator(chunk_size=CHUNK)
    )
    written = 0
    while chunk := list(islice(subs, CHUNK)):
        names = _organization_names({s.party_organization_id for s in chunk})
        for s in chunk:
            ws.append(_result_row(s, names.get(s.party_organization_id, [])))
        written += len(chunk)
        if progress is not None:
            progress(written)
        del chunk, names  # the next chunk replaces this one, not joins it
    wb.save(out)
    if progress is not None:
        progress(written)
    return written


def _organization_names(party_organization_ids) -> dict[int, list[str]]:
    """The names of the organisations each party organisation covers (one query per chunk: names
    only, not whole rows)."""
    names: dict[int, list[str]] = {}
    rows = (
        PartyOrganization.organizations.through.objects.filter(
            partyorganization_id__in=party_organization_ids
        )
        .order_by("socialorganization__name", "socialorganization_id")
        .values_list("partyorganization_id", "socialorganization__name")
    )
    for po_id, name in rows:
        names.setdefault(po_id, []).append(name)
    return names


def _result_row(s: Submission, organization_names: list[str]) -> list:
    award = getattr(s, "award", None)
    return [
        s.party_organization.name,
        "、".join(organization_names),
        str(Status(s.status).label),
        _num(s.indicator_total),
        _num(s.bonus_total),
        _num(s.deduction_total),
        _num(s.total),
        _("是") if s.vetoed else _("否"),
        str(level_name(s.previous_level)) if s.previous_level is not None else "—",
        str(level_name(s.proposed_level)) if s.status == Status.REVIEWED else _("未评定"),
        s.level_explanation,
        str(level_name(s.final_level)) if s.finalized_at and s.final_level is not None else "—",
        award.certificate_no if award else "—",
        str(award.public_state_label) if award else "—",
    ]


def _num(v):
    return float(v) if v is not None else None


def _level_header():
    return [
        _("五星"),
        _("四星"),
        _("三星"),
        _("二星"),
        _("一星"),
        _("无星"),
        _("一票否决"),
        _("未评定"),
        _("合计"),
        _("三星及以上"),
    ]


def _group_row(label, g):
    return [
        label,
        *(g["levels"][k] for k in ("5", "4", "3", "2", "1", "0")),
        g["vetoed"],
        g["unrated"],
        g["total"],
        g["three_plus"],
    ]


def tally_xlsx(data: dict) -> bytes:
    buf = io.BytesIO()
    write_tally_xlsx(data, buf)
    return buf.getvalue()


def _streamed_sheet(wb, title, header):
    ws = wb.create_sheet(title)
    _bold_header(ws, header)
    return ws


def write_tally_xlsx(data: dict, out) -> None:
    """The tally's three tables (overall, by type, by region) in a write-only workbook saved to `out`."""
    wb = new_workbook(write_only=True)
    ws = _streamed_sheet(wb, _("总体"), [_("项目"), _("数值")])
    for label, value in [
        (_("评星周期"), data["cycle"]["title"]),
        (_("参评党组织"), data["participants"]),
        (_("已评定"), data["rated"]),
        (_("三星及以上"), data["three_plus"]),
        (_("三星及以上占比（%）"), data["three_plus_share"]),
        (_("一票否决"), data["vetoed"]),
        (_("未评定"), data["unrated"]),
        (_("较上一周期晋级"), data["change"]["promoted"]),
        (_("持平"), data["change"]["same"]),
        (_("降级"), data["change"]["demoted"]),
        (_("首次评定"), data["change"]["new"]),
        (_("组织覆盖率（%）"), data["coverage"]["org_rate"]),
        (_("工作覆盖率（%）"), data["coverage"]["work_rate"]),
    ]:
        ws.append([label, value])
    ws = _streamed_sheet(wb, _("按组织类型"), [_("组织类型"), *_level_header()])
    for g in data["by_type"]:
        ws.append(_group_row(g["label"], g))
    ws = _streamed_sheet(wb, _("按行政区划"), [_("行政区划"), *_level_header()])
    for g in data["by_region"]:
        ws.append(_group_row(g["label"], g))
    wb.save(out)


def coverage_xlsx(report) -> bytes:
    wb = new_workbook()
    header = [
        _("范围"),
        _("社会组织数"),
        _("有党组织"),
        _("组织覆盖率（%）"),
        _("工作覆盖"),
        _("工作覆盖率（%）"),
        _("未覆盖"),
    ]
    for title, rows in (
        (_("两个覆盖"), [report.overall, *report.by_region]),
        (_("按组织类型"), report.by_type),
    ):
        ws = _sheet(wb, title, header)
        for r in rows:
            ws.append(
                [
                    r.label,
                    r.total,
                    r.party_covered,
                    _num(r.org_rate),
                    r.work_covered,
                    _num(r.work_rate),
                    r.uncovered,
                ]
            )
    return _save(wb)


def tally_pdf(data: dict, *, committee, charts: dict, target=None) -> bytes | None:
    """The annual tally report in Chinese for the 综合党委, rendered by WeasyPrint: a narrative
    written from the figures, then the figures, charts and tables. The report is an official
    document and stays Chinese whatever the interface language. Written to `target` (a file object)
    when given, else returned as bytes."""
    from django.utils import translation
    from weasyprint import HTML

    from .narrative import paragraphs

    with translation.override("zh-hans"):
        html = render_to_string(
            "ratings/dashboard/report_pdf.html",
            {
                "d": data,
                "committee": committee,
                "charts": charts,
                "narrative": paragraphs(data, committee_name=committee.name),
            },
        )
    return HTML(string=html).write_pdf(target=target)
