"""Every write to meeting records goes through here.

Each service validates everything first and raises one ValidationError (a dict: field → Chinese
messages) before anything is written; the write itself is one transaction, so bad input never
leaves a meeting half saved.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from branches.models import Committee, Member, MemberRole, Membership, PartyOrganization, User
from branches.services import audit_record, snapshot

from .defaults import default_rows
from .models import (
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    AttendeeScope,
    Meeting,
    MeetingAttachment,
    MeetingSettings,
    MeetingStatus,
    MeetingType,
)
from .validation import AttendanceEntry, add_error, check_attendance, check_meeting, check_uploads

EDITABLE_FIELDS = (
    "meeting_type",
    "starts_at",
    "place",
    "topic",
    "status",
    "host",
    "minutes_taker",
    "lecturer",
    "lecture_topic",
    "guests",
    "minutes",
)


# --- settings and defaults ---------------------------------------------------------------


def meeting_types_seed(*, committee: Committee) -> list[MeetingType]:
    """Give a committee the default meeting types it lacks (matched by code) and its settings row.

    Safe to run again: existing types, edited or not, are left alone."""
    existing = set(MeetingType.objects.filter(committee=committee).values_list("code", flat=True))
    new = [MeetingType(committee=committee, **row) for row in default_rows() if row["code"] not in existing]
    new = bulk_create_with_history(new, MeetingType)
    MeetingSettings.objects.get_or_create(committee=committee)
    return new


def meeting_settings_for(committee_id: int) -> MeetingSettings:
    """The committee's settings, or the defaults (unsaved) when it has none: reading writes nothing."""
    return MeetingSettings.objects.filter(committee_id=committee_id).first() or MeetingSettings(
        committee_id=committee_id
    )


# --- quorum ------------------------------------------------------------------------------


def voting_members(meeting_type: MeetingType, members: Iterable[Member]) -> list[Member]:
    """Those whose presence counts for quorum.

    Probationary members (预备党员) attend but have no vote under the party constitution, so they
    are not counted; for a 支委会 only the branch committee (书记 and 支委委员) is entitled."""
    voters = [m for m in members if m.membership == Membership.FULL]
    if meeting_type.attendee_scope == AttendeeScope.BRANCH_COMMITTEE:
        voters = [m for m in voters if m.role in (MemberRole.SECRETARY, MemberRole.COMMITTEE_MEMBER)]
    return voters


def expected_members(meeting_type: MeetingType | None, members: Iterable[Member]) -> list[Member]:
    """Who is expected to attend (probationary members included); the attendance form lists them first."""
    members = list(members)
    if meeting_type is not None and meeting_type.attendee_scope == AttendeeScope.BRANCH_COMMITTEE:
        return [m for m in members if m.role in (MemberRole.SECRETARY, MemberRole.COMMITTEE_MEMBER)]
    return members


def quorum_met(*, requires_quorum: bool, entitled: int, present: int) -> bool | None:
    """More than half of those entitled present; None when the type does not ask for a quorum."""
    if not requires_quorum:
        return None
    return entitled > 0 and present * 2 > entitled


def _recount(meeting: Meeting, members: list[Member], entries: list[AttendanceEntry]) -> None:
    voters = {m.pk for m in voting_members(meeting.meeting_type, members)}
    present = sum(1 for e in entries if e.status == AttendanceStatus.PRESENT and e.member in voters)
    meeting.entitled_count = len(voters)
    meeting.present_count = present
    meeting.quorum_ok = quorum_met(
        requires_quorum=meeting.meeting_type.requires_quorum, entitled=len(voters), present=present
    )


def _require_reason_if_late(meeting: Meeting, reason: str, errors: dict) -> bool:
    """After the committee's edit window a change needs a reason. Returns whether it is late."""
    window = meeting_settings_for(meeting.party_organization.committee_id).edit_window_days
    late = timezone.now() > meeting.edit_deadline(window)
    if late and not (reason or "").strip():
        add_error(
            errors,
            "reason",
            _("这条记录登记已超过%(n)d天，修改须填写原因（将记入审计日志）。") % {"n": window},
        )
    return late


# --- writes ------------------------------------------------------------------------------


def _members_of(po: PartyOrganization) -> dict[int, Member]:
    return {m.pk: m for m in Member.objects.filter(party_organization=po)}


def _write_attendance(meeting: Meeting, members: dict[int, Member], entries: list[AttendanceEntry]) -> None:
    meeting.attendance.all().delete()
    bulk_create_with_history(
        [
            Attendance(
                meeting=meeting,
                member_id=e.member,
                member_name=members[e.member].name,
                status=e.status,
                reason=e.reason if e.status != AttendanceStatus.PRESENT else "",
            )
            for e in entries
        ],
        Attendance,
    )


def _current_entries(meeting: Meeting) -> list[AttendanceEntry]:
    return [
        AttendanceEntry(a.member_id, a.status, a.reason)
        for a in meeting.attendance.all()
        if a.member_id is not None
    ]


def _attendance_snapshot(meeting: Meeting) -> list[str]:
    return [
        f"{a.member_name}:{a.get_status_display()}" + (f"（{a.reason}）" if a.reason else "")
        for a in meeting.attendance.order_by("member_name", "pk")
    ]


def _meeting_snapshot(meeting: Meeting) -> dict:
    data = snapshot(meeting, fields=[*EDITABLE_FIELDS, "quorum_ok", "present_count", "entitled_count"])
    if data.get("starts_at"):
        data["starts_at"] = f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"
    data["attendance"] = _attendance_snapshot(meeting)
    data["attachments"] = sorted(meeting.attachments.values_list("original_name", flat=True))
    if meeting.partner_organization_id:
        data["partner_organization"] = str(meeting.partner_organization)
    return data


def _check_partner(po: PartyOrganization, partner: PartyOrganization | None, errors: dict) -> None:
    """A joint activity's partner: another active branch of the same committee."""
    if partner is None:
        return
    if partner.pk == po.pk:
        add_error(errors, "partner_organization", _("共建党组织不能是本党组织。"))
    elif partner.committee_id != po.committee_id or not partner.is_active:
        add_error(errors, "partner_organization", _("共建党组织须是本综合党委在册的党组织。"))


def _store_uploads(meeting: Meeting, uploads: list, mimes: list[str], by: User | None, stored: list) -> list:
    attachments = []
    for upload, mime in zip(uploads, mimes, strict=True):
        attachment = MeetingAttachment(
            meeting=meeting,
            kind=AttachmentKind.PHOTO if mime.startswith("image/") else AttachmentKind.DOCUMENT,
            original_name=(upload.name or "")[-200:],
            content_type=mime,
            size=upload.size,
            uploaded_by=by if by is not None and by.pk else None,
        )
        attachment.file.save(upload.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
        attachments.append(attachment)
    return attachments


def _discard_files(names: list[str]) -> None:
    storage = MeetingAttachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def meeting_create(
    *,
    party_organization: PartyOrganization,
    meeting_type: MeetingType,
    starts_at,
    place: str,
    topic: str,
    status: str = MeetingStatus.HELD,
    host: Member | None = None,
    minutes_taker: Member | None = None,
    lecturer: str = "",
    lecture_topic: str = "",
    guests: str = "",
    minutes: str = "",
    attendance: Iterable | None = None,
    uploads: Iterable = (),
    partner_organization: PartyOrganization | None = None,
    by: User | None,
) -> Meeting:
    """A branch records one of its meetings, with attendance and attachments, in one go; a joint
    activity names the other branch (`partner_organization`) and counts for both."""
    entries = [AttendanceEntry.coerce(e) for e in (attendance or [])]
    uploads = list(uploads)
    meeting = Meeting(
        party_organization=party_organization,
        partner_organization=partner_organization,
        meeting_type=meeting_type,
        starts_at=starts_at,
        place=(place or "").strip(),
        topic=(topic or "").strip(),
        status=status,
        host=host,
        minutes_taker=minutes_taker,
        lecturer=(lecturer or "").strip(),
        lecture_topic=(lecture_topic or "").strip(),
        guests=(guests or "").strip(),
        minutes=minutes or "",
        created_by=by if by is not None and by.pk else None,
    )
    meeting.updated_by = meeting.created_by
    members = _members_of(party_organization)
    errors: dict = {}
    if not party_organization.is_active:
        add_error(errors, "party_organization", _("该党组织已撤销，不能再登记会议。"))
    _check_partner(party_organization, partner_organization, errors)
    check_meeting(meeting, members, errors, type_changed=True)
    check_attendance(entries, members, party_organization, errors)
    mimes = check_uploads(uploads, errors)
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            meeting.created_at = meeting.updated_at = now
            _recount(meeting, list(members.values()), entries)
            meeting.save()
            _write_attendance(meeting, members, entries)
            _store_uploads(meeting, uploads, mimes, by, stored)
            audit_record(
                actor=by,
                action="meeting.create",
                target=meeting,
                after=_meeting_snapshot(meeting),
                committee_id=party_organization.committee_id,
            )
    except Exception:
        _discard_files(stored)
        raise
    return meeting


def meeting_update(
    *,
    meeting: Meeting,
    by: User | None,
    reason: str = "",
    attendance: Iterable | None = None,
    uploads: Iterable = (),
    **changes,
) -> Meeting:
    """Change a meeting record. After the committee's edit window this needs a reason, and the
    audit entry keeps what it was before and after."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update() got unexpected fields: {', '.join(sorted(unknown))}")
    uploads = list(uploads)
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .select_related("party_organization", "meeting_type")
            .get(pk=meeting.pk)
        )
        po = meeting.party_organization
        before = _meeting_snapshot(meeting)
        old_type = meeting.meeting_type_id
        for field, value in changes.items():
            if isinstance(value, str) and field != "minutes":
                value = value.strip()
            setattr(meeting, field, value)
        members = _members_of(po)
        entries = None if attendance is None else [AttendanceEntry.coerce(e) for e in attendance]
        errors: dict = {}
        late = _require_reason_if_late(meeting, reason, errors)
        check_meeting(meeting, members, errors, type_changed=meeting.meeting_type_id != old_type)
        if entries is not None:
            check_attendance(entries, members, po, errors)
        mimes = check_uploads(uploads, errors)
        if errors:
            raise ValidationError(errors)
        stored: list[str] = []
        try:
            with transaction.atomic():
                current = entries if entries is not None else _current_entries(meeting)
                _recount(meeting, list(members.values()), current)
                meeting.updated_by = by if by is not None and by.pk else None
                meeting.updated_at = timezone.now()
                meeting.save()
                if entries is not None:
                    _write_attendance(meeting, members, entries)
                _store_uploads(meeting, uploads, mimes, by, stored)
                after = _meeting_snapshot(meeting)
                if before != after:
                    note = (
                        _("超过修改期限后修改，原因：%(r)s") % {"r": reason.strip()}
                        if late
                        else reason.strip()
                    )
                    audit_record(
                        actor=by,
                        action="meeting.update_late" if late else "meeting.update",
                        target=meeting,
                        before=before,
                        after=after,
                        note=note,
                        committee_id=po.committee_id,
                    )
        except Exception:
            _discard_files(stored)
            raise
    return meeting


def meeting_attendance_set(
    *, meeting: Meeting, attendance: Iterable, by: User | None, reason: str = ""
) -> Meeting:
    """Replace a meeting's attendance list; quorum is counted again from it."""
    return meeting_update(meeting=meeting, by=by, reason=reason, attendance=list(attendance))


def meeting_attachment_add(
    *, meeting: Meeting, upload, by: User | None, reason: str = ""
) -> MeetingAttachment:
    """Add a document or photo to a meeting record (checked by content and size)."""
    meeting = meeting_update(meeting=meeting, by=by, reason=reason, uploads=[upload])
    return meeting.attachments.order_by("-pk").first()


def meeting_attachment_remove(*, attachment: MeetingAttachment, by: User | None, reason: str = "") -> None:
    """Remove an attachment; the file goes once the transaction has committed."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .select_related("party_organization")
            .get(pk=attachment.meeting_id)
        )
        errors: dict = {}
        late = _require_reason_if_late(meeting, reason, errors)
        if errors:
            raise ValidationError(errors)
        name = attachment.file.name
        original = attachment.original_name
        attachment.delete()
        meeting.updated_by = by if by is not None and by.pk else None
        meeting.updated_at = timezone.now()
        meeting.save(update_fields=["updated_by", "updated_at"])
        audit_record(
            actor=by,
            action="meeting.attachment_remove",
            target=meeting,
            before={"attachment": original},
            after={"attachment": None},
            note=(_("超过修改期限后修改，原因：%(r)s") % {"r": reason.strip()}) if late else reason.strip(),
            committee_id=meeting.party_organization.committee_id,
        )
        transaction.on_commit(lambda: _discard_files([name]))
