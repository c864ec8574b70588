"""Downloads for the committee: results, tally and coverage as .xlsx; the annual report as PDF."""

import io

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from ..models import Cycle, Status, Submission, level_name

BOLD = Font(bold=True)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A cell value that a spreadsheet never runs as a formula: text starting with = + - @ (or a tab
    or carriage return) is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _append(ws, values):
    ws.append([cell(v) for v in values])


def _sheet(wb, title, header):
    ws = wb.create_sheet(title)
    _append(ws, header)
    for header_cell in ws[1]:
        header_cell.font = BOLD
    return ws


def _save(wb) -> bytes:
    if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1:
        del wb["Sheet"]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def results_xlsx(cycle: Cycle) -> bytes:
    """One row per submission; streamed row by row into a write-only workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("评星结果")
    _append(
        ws,
        [
            "党组织",
            "覆盖的社会组织",
            "状态",
            "指标得分",
            "加分",
            "减分",
            "总分",
            "一票否决",
            "上一周期星级",
            "建议星级",
            "星级依据",
            "确定星级",
            "证书编号",
            "命名状态",
        ],
    )
    subs = (
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "award")
        .prefetch_related("party_organization__organizations")
        .order_by("-total", "party_organization__name")
    )
    for s in subs.iterator(chunk_size=1000):
        award = getattr(s, "award", None)
        _append(
            ws,
            [
                s.party_organization.name,
                "、".join(o.name for o in s.party_organization.organizations.all()),
                str(Status(s.status).label),
                _num(s.indicator_total),
                _num(s.bonus_total),
                _num(s.deduction_total),
                _num(s.total),
                "是" if s.vetoed else "否",
                str(level_name(s.previous_level)) if s.previous_level is not None else "—",
                str(level_name(s.proposed_level)) if s.status == Status.REVIEWED else "未评定",
                s.level_explanation,
                str(level_name(s.final_level)) if s.finalized_at and s.final_level is not None else "—",
                award.certificate_no if award else "—",
                str(award.public_state_label) if award else "—",
            ],
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _num(v):
    return float(v) if v is not None else None


LEVEL_HEADER = ["五星", "四星", "三星", "二星", "一星", "无星", "一票否决", "未评定", "合计", "三星及以上"]


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
    wb = Workbook()
    ws = _sheet(wb, "总体", ["项目", "数值"])
    for label, value in [
        ("评星周期", data["cycle"]["title"]),
        ("参评党组织", data["participants"]),
        ("已评定", data["rated"]),
        ("三星及以上", data["three_plus"]),
        ("三星及以上占比（%）", data["three_plus_share"]),
        ("一票否决", data["vetoed"]),
        ("未评定", data["unrated"]),
        ("较上一周期晋级", data["change"]["promoted"]),
        ("持平", data["change"]["same"]),
        ("降级", data["change"]["demoted"]),
        ("首次评定", data["change"]["new"]),
        ("组织覆盖率（%）", data["coverage"]["org_rate"]),
        ("工作覆盖率（%）", data["coverage"]["work_rate"]),
    ]:
        _append(ws, [label, value])
    ws = _sheet(wb, "按组织类型", ["组织类型", *LEVEL_HEADER])
    for g in data["by_type"]:
        _append(ws, _group_row(g["label"], g))
    ws = _sheet(wb, "按行政区划", ["行政区划", *LEVEL_HEADER])
    for g in data["by_region"]:
        _append(ws, _group_row(g["label"], g))
    return _save(wb)


def coverage_xlsx(report) -> bytes:
    wb = Workbook()
    header = ["范围", "社会组织数", "有党组织", "组织覆盖率（%）", "工作覆盖", "工作覆盖率（%）", "未覆盖"]
    ws = _sheet(wb, "两个覆盖", header)
    rows = [report.overall, *report.by_region]
    for r in rows:
        _append(
            ws,
            [
                r.label,
                r.total,
                r.party_covered,
                _num(r.org_rate),
                r.work_covered,
                _num(r.work_rate),
                r.uncovered,
            ],
        )
    ws = _sheet(wb, "按组织类型", header)
    for r in report.by_type:
        _append(
            ws,
            [
                r.label,
                r.total,
                r.party_covered,
                _num(r.org_rate),
                r.work_covered,
                _num(r.work_rate),
                r.uncovered,
            ],
        )
    return _save(wb)


def tally_pdf(data: dict, *, committee, charts: dict) -> bytes:
    """The annual tally report in Chinese for the 综合党委, rendered by WeasyPrint."""
    from weasyprint import HTML

    html = render_to_string(
        "ratings/dashboard/report_pdf.html", {"d": data, "committee": committee, "charts": charts}
    )
    return HTML(string=html).write_pdf()
