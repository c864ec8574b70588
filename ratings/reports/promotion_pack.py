"""The 推进会 pack, printed: the commendation list (通报表扬), the plaque checklist (授牌清单), the
exchange speakers (交流发言) and the attendance list (参会签到表) as one PDF (WeasyPrint, like the
annual report), and the commendation list alone as a .docx for the committee's own letterhead.

Official documents: rendered in Chinese whatever the interface language."""

import io

from django.template.loader import render_to_string
from django.utils import translation

from ..models import Cycle, level_name
from ..outcomes import promotion

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEVEL_TITLES = {5: "五星级党组织", 4: "四星级党组织", 3: "三星级党组织", 2: "二星级党组织", 1: "一星级党组织"}


def _organizations(po) -> str:
    return "、".join(o.name for o in po.organizations.all())


def pack_context(cycle: Cycle) -> dict:
    meeting = promotion.meeting_of(cycle)
    awards = promotion.commended(cycle, meeting.held_on)
    return {
        "cycle": cycle,
        "committee": cycle.committee,
        "meeting": meeting,
        "groups": [
            (LEVEL_TITLES.get(level, str(level_name(level))), rows)
            for level, rows in promotion.by_level(awards)
        ],
        "awards": awards,
        "speakers": promotion.speakers(meeting),
        "attendance": promotion.attendance(cycle),
    }


def pack_html(cycle: Cycle) -> str:
    with translation.override("zh-hans"):
        return render_to_string("ratings/promotion/pack_pdf.html", pack_context(cycle))


def pack_pdf(cycle: Cycle) -> bytes:
    from weasyprint import HTML

    return HTML(string=pack_html(cycle)).write_pdf()


def commendation_docx(cycle: Cycle) -> bytes:
    """通报表扬名单 as a Word document: the heading, one paragraph per level, the names in order."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    context = pack_context(cycle)
    meeting, committee = context["meeting"], context["committee"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    style.font.size = Pt(14)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"关于表扬{cycle.year}年度“星火”党组织的通报")
    run.bold = True
    run.font.size = Pt(20)
    sub = doc.add_paragraph(meeting.heading)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    total = len(context["awards"])
    doc.add_paragraph(
        f"经党组织自评、初核、实地验收和集中评审，并经公示无异议，{committee.name}决定对以下 {total} "
        "个三星及以上“星火”党组织予以通报表扬。希望受到表扬的党组织珍惜荣誉、再接再厉，"
        "充分发挥示范引领作用。"
    )
    for title_text, rows in context["groups"]:
        heading = doc.add_paragraph()
        heading_run = heading.add_run(f"{title_text}（{len(rows)}个）")
        heading_run.bold = True
        for number, award in enumerate(rows, start=1):
            doc.add_paragraph(
                f"{number}. {award.party_organization.name}（{_organizations(award.party_organization)}）"
            )
    closing = doc.add_paragraph(committee.name)
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if meeting.held_on:
        date = doc.add_paragraph(f"{meeting.held_on.year}年{meeting.held_on.month}月{meeting.held_on.day}日")
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
