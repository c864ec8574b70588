"""推进会: the promotion meeting that closes a cycle, and the lists its pack is printed from.

Generated from the data — the commendation list (the cycle's awards, by level), the plaque
checklist (who receives which plaque, and whether it was handed over), the attendance list (the
secretaries of the branches that took part) — and edited by staff before printing: the heading,
date and place, and the exchange speakers (who, on what, in which order). Handing a plaque over
marks the plaque register through `plaque_update`, so the register and the checklist are one."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import Member, MemberRole, PartyOrganization, User
from branches.services import audit_record

from ..models import Award, AwardEvent, Cycle, Plaque, PromotionMeeting, PromotionSpeaker, Submission
from .awards import plaque_update


def default_heading(cycle: Cycle) -> str:
    # The heading is printed on an official document, so it stays Chinese.
    return f"{cycle.committee.name}{cycle.year}年度“星火”党组织推进会"


def meeting_of(cycle: Cycle) -> PromotionMeeting:
    """The cycle's promotion meeting, or an unsaved one with the default heading (reading writes nothing)."""
    found = PromotionMeeting.objects.filter(cycle=cycle).first()
    return found or PromotionMeeting(cycle=cycle, heading=default_heading(cycle))


def _secretaries():
    return Prefetch(
        "party_organization__members",
        queryset=Member.objects.filter(role=MemberRole.SECRETARY).order_by("pk"),
    )


def commended(cycle: Cycle, on: dt.date | None = None) -> list[Award]:
    """通报表扬: the cycle's awards that stood on the meeting's day `on` (not revoked by then; without
    a date, not revoked at all), highest level first, then by number. A pack printed again after a
    later revocation still shows the meeting as it was."""
    awards = Award.objects.filter(cycle=cycle)
    if on is None:
        awards = awards.exclude(state=Award.State.REVOKED)
    else:
        revoked_by_then = AwardEvent.objects.filter(
            award=OuterRef("pk"), kind=AwardEvent.Kind.REVOKED, at__date__lte=on
        )
        awards = awards.exclude(Exists(revoked_by_then))
    return list(
        awards.select_related("party_organization", "plaque")
        .prefetch_related("party_organization__organizations", _secretaries())
        .order_by("-awarded_level", "seq")
    )


def by_level(awards: list[Award]) -> list[tuple[int, list[Award]]]:
    """[(level, awards)] highest level first, as the official list groups them."""
    groups: dict[int, list[Award]] = {}
    for award in awards:
        groups.setdefault(award.awarded_level, []).append(award)
    return sorted(groups.items(), reverse=True)


def attendance(cycle: Cycle) -> list[PartyOrganization]:
    """参会签到: the branches that took part in the cycle, each with its secretary."""
    ids = Submission.objects.filter(cycle=cycle).values("party_organization_id")
    return list(
        PartyOrganization.objects.filter(pk__in=ids)
        .prefetch_related(Prefetch("members", queryset=Member.objects.filter(role=MemberRole.SECRETARY)))
        .order_by("name")
    )


def speakers(meeting: PromotionMeeting) -> list[PromotionSpeaker]:
    if meeting.pk is None:
        return []
    return list(meeting.speakers.select_related("party_organization"))


# --- writes ------------------------------------------------------------------------------------


def _meeting_for_update(cycle: Cycle, by: User) -> PromotionMeeting:
    meeting, _created = PromotionMeeting.objects.get_or_create(
        cycle=cycle, defaults={"heading": default_heading(cycle), "updated_by": by}
    )
    return PromotionMeeting.objects.select_for_update().get(pk=meeting.pk)


def promotion_meeting_save(
    *, cycle: Cycle, by: User, heading: str, held_on: dt.date | None, place: str
) -> PromotionMeeting:
    """Staff set what the printed pack says at the top: heading, date and place."""
    access.require(by, "rating.manage", cycle)
    heading = (heading or "").strip()
    if not heading:
        raise ValidationError({"heading": _("请填写标题。")})
    with transaction.atomic():
        meeting = _meeting_for_update(cycle, by)
        before = {"heading": meeting.heading, "held_on": str(meeting.held_on or ""), "place": meeting.place}
        meeting.heading, meeting.held_on, meeting.place, meeting.updated_by = heading, held_on, place, by
        meeting.full_clean()
        meeting.save()
        audit_record(
            actor=by,
            action="promotion.save",
            target=meeting,
            committee_id=cycle.committee_id,
            before=before,
            after={"heading": heading, "held_on": str(held_on or ""), "place": place},
        )
    return meeting


def promotion_speaker_add(
    *, cycle: Cycle, by: User, party_organization: PartyOrganization, speaker: str, topic: str
) -> PromotionSpeaker:
    """交流发言: staff choose a branch, who speaks for it and on what; it goes last in the order."""
    access.require(by, "rating.manage", cycle)
    if party_organization.committee_id != cycle.committee_id:
        raise ValidationError({"party_organization": _("党组织不属于本综合党委。")})
    with transaction.atomic():
        meeting = _meeting_for_update(cycle, by)
        last = meeting.speakers.aggregate(m=Max("position"))["m"] or 0
        row = PromotionSpeaker(
            meeting=meeting,
            party_organization=party_organization,
            speaker=(speaker or "").strip(),
            topic=(topic or "").strip(),
            position=last + 1,
        )
        row.full_clean(exclude=["meeting", "party_organization"])
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise ValidationError({"party_organization": _("该党组织已在交流发言名单中。")}) from exc
        audit_record(
            actor=by,
            action="promotion.speaker_add",
            target=meeting,
            committee_id=cycle.committee_id,
            after={"party_organization": party_organization.name, "speaker": row.speaker, "topic": row.topic},
        )
    return row


def promotion_speaker_remove(*, speaker: PromotionSpeaker, by: User) -> None:
    cycle = speaker.meeting.cycle
    access.require(by, "rating.manage", cycle)
    with transaction.atomic():
        meeting = _meeting_for_update(cycle, by)
        row = meeting.speakers.filter(pk=speaker.pk).select_related("party_organization").first()
        if row is None:
            raise ValidationError(_("该发言已被移除。"))
        row.delete()
        audit_record(
            actor=by,
            action="promotion.speaker_remove",
            target=meeting,
            committee_id=cycle.committee_id,
            before={"party_organization": row.party_organization.name, "topic": row.topic},
        )


def promotion_speaker_move(*, speaker: PromotionSpeaker, by: User, up: bool) -> None:
    """Swap a speaker with the one before (up) or after it in the order."""
    cycle = speaker.meeting.cycle
    access.require(by, "rating.manage", cycle)
    with transaction.atomic():
        meeting = _meeting_for_update(cycle, by)
        rows = list(meeting.speakers.order_by("position", "pk"))
        index = next((i for i, r in enumerate(rows) if r.pk == speaker.pk), None)
        if index is None:
            raise ValidationError(_("该发言已被移除。"))
        other = index - 1 if up else index + 1
        if not 0 <= other < len(rows):
            return
        rows[index], rows[other] = rows[other], rows[index]
        for position, row in enumerate(rows, start=1):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])
        audit_record(
            actor=by,
            action="promotion.speaker_move",
            target=meeting,
            committee_id=cycle.committee_id,
            after={"order": [r.pk for r in rows]},
        )


def promotion_plaque_hand_over(*, award: Award, by: User, on: dt.date | None = None) -> Plaque:
    """授牌: the plaque was handed over at the meeting — marks the plaque register (delivered on the
    meeting's date, or today; received by the branch's secretary). A plaque handed over was made by
    then, so a missing making date is set to the same day."""
    access.require(by, "rating.manage", award.cycle)
    if award.state == Award.State.REVOKED:
        raise ValidationError(_("已撤销的命名不再授牌。"))
    on = on or timezone.localdate()
    with transaction.atomic():
        plaque, _created = Plaque.objects.get_or_create(award=award)
        if plaque.delivered_on:
            raise ValidationError(_("该牌匾已于 %(on)s 授予。") % {"on": plaque.delivered_on})
        secretary = award.party_organization.secretary
        fields = {"delivered_on": on, "received_by": secretary.name if secretary else ""}
        if not plaque.made_on:
            fields["made_on"] = on
        return plaque_update(plaque=plaque, by=by, **fields)
