"""推进会: the promotion meeting's pack — generated from the cycle's data, edited by staff (heading,
date, place, exchange speakers and their order), printed as PDF and .docx; handing a plaque over
marks the plaque register."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.access import staff_required
from core.errors import attempt
from core.uploads import made_file_response

from ..models import PromotionSpeaker
from ..outcomes import promotion
from ..reports import promotion_pack
from .forms_promotion import PromotionMeetingForm, PromotionSpeakerForm, SpeakerMoveForm
from .outcome_access import award_for, cycle_for, outcomes_scoped


def _render(request, cycle, *, meeting_form=None, speaker_form=None, status=200):
    meeting = promotion.meeting_of(cycle)
    awards = promotion.commended(cycle, meeting.held_on)
    return render(
        request,
        "ratings/promotion/page.html",
        {
            "cycle": cycle,
            "meeting": meeting,
            "awards": awards,
            "groups": promotion.by_level(awards),
            "speakers": promotion.speakers(meeting),
            "attendance": promotion.attendance(cycle),
            "meeting_form": meeting_form
            or PromotionMeetingForm(
                initial={"heading": meeting.heading, "held_on": meeting.held_on, "place": meeting.place}
            ),
            "speaker_form": speaker_form or PromotionSpeakerForm(committee_id=cycle.committee_id),
        },
        status=status,
    )


@staff_required
def promotion_page(request, pk):
    """The pack's page; POST saves the heading, date and place."""
    cycle = cycle_for(request, pk)
    if request.method != "POST":
        return _render(request, cycle)
    form = PromotionMeetingForm(request.POST)
    if form.is_valid():
        with attempt(form=form) as outcome:
            promotion.promotion_meeting_save(cycle=cycle, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("推进会信息已保存。"))
            return redirect("ratings:promotion", pk=cycle.pk)
    return _render(request, cycle, meeting_form=form, status=400)


@staff_required
@require_POST
def speaker_add(request, pk):
    cycle = cycle_for(request, pk)
    form = PromotionSpeakerForm(request.POST, committee_id=cycle.committee_id)
    if form.is_valid():
        with attempt(form=form) as outcome:
            promotion.promotion_speaker_add(cycle=cycle, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("交流发言已添加。"))
            return redirect("ratings:promotion", pk=cycle.pk)
    return _render(request, cycle, speaker_form=form, status=400)


def _speaker_for(request, pk) -> PromotionSpeaker:
    qs = PromotionSpeaker.objects.select_related("meeting__cycle", "party_organization")
    return get_object_or_404(
        outcomes_scoped(qs, request.user, committee_path="meeting__cycle__committee"), pk=pk
    )


@staff_required
@require_POST
def speaker_move(request, pk):
    speaker = _speaker_for(request, pk)
    form = SpeakerMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择上移或下移。"))
        return redirect("ratings:promotion", pk=speaker.meeting.cycle_id)
    with attempt(request):
        promotion.promotion_speaker_move(
            speaker=speaker, by=request.user, up=form.cleaned_data["direction"] == "up"
        )
    return redirect("ratings:promotion", pk=speaker.meeting.cycle_id)


@staff_required
@require_POST
def speaker_remove(request, pk):
    speaker = _speaker_for(request, pk)
    with attempt(request) as outcome:
        promotion.promotion_speaker_remove(speaker=speaker, by=request.user)
    if outcome.ok:
        messages.success(request, _("交流发言已移除。"))
    return redirect("ratings:promotion", pk=speaker.meeting.cycle_id)


@staff_required
@require_POST
def plaque_hand_over(request, pk):
    """授牌: mark the award's plaque handed over (the plaque register), on the meeting's date."""
    award = award_for(request, pk)
    meeting = promotion.meeting_of(award.cycle)
    with attempt(request) as outcome:
        promotion.promotion_plaque_hand_over(award=award, by=request.user, on=meeting.held_on)
    if outcome.ok:
        messages.success(request, _("已登记授牌：%(name)s。") % {"name": award.party_organization.name})
    return redirect("ratings:promotion", pk=award.cycle_id)


@staff_required
@require_GET
def pack_pdf(request, pk):
    cycle = cycle_for(request, pk)
    return made_file_response(
        promotion_pack.pack_pdf(cycle),
        _("%(year)s年度推进会材料.pdf") % {"year": cycle.year},
        "application/pdf",
    )


@staff_required
@require_GET
def commendation_docx(request, pk):
    cycle = cycle_for(request, pk)
    return made_file_response(
        promotion_pack.commendation_docx(cycle),
        _("%(year)s年度通报表扬名单.docx") % {"year": cycle.year},
        promotion_pack.DOCX,
    )
