"""Every write to meeting records goes through here.

Each service validates everything first and raises one ValidationError (a dict: field → Chinese
messages) before anything is written; the write itself is one transaction, so bad input never
leaves a meeting half saved.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from branches.models import Committee, Member, MemberRole, Membership, PartyOrganization, User
from branches.services import audit_record, snapshot
from core.uploads import DOCUMENTS, sniff

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


@dataclass(frozen=True)
class AttendanceEntry:
    """One row of an attendance list as handed to the services."""

    member: int
    status: str
    reason: str = ""

    @classmethod
    def coerce(cls, value) -> "AttendanceEntry":
        if isinstance(value, cls):
            entry = value
        elif isinstance(value, dict):
            entry = cls(value["member"], value["status"], value.get("reason", "") or "")
        else:
            entry = cls(*value)
        member = entry.member.pk if isinstance(entry.member, Member) else entry.member
        return cls(int(member), entry.status, (entry.reason or "").strip())


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
    settings, _created = MeetingSettings.objects.get_or_create(committee_id=committee_id)
    return settings


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


# --- validation ------------------------------------------------------------------------


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_attendance(
    entries: list[AttendanceEntry], members: dict[int, Member], po: PartyOrganization, errors: dict
) -> None:
    valid = set(AttendanceStatus.values)
    counts = Counter(e.member for e in entries)
    outsiders = [e.member for e in entries if e.member not in members]
    names = dict(Member.objects.filter(pk__in=outsiders).values_list("pk", "name")) if outsiders else {}
    reported = set()
    for e in entries:
        if e.member not in members:
            if e.member in names:
                _add(
                    errors,
                    "attendance",
                    _("“%(name)s”不是%(po)s的党员，不能记入出席名单。")
                    % {"name": names[e.member], "po": po.name},
                )
            else:
                _add(errors, "attendance", _("编号为 %(id)s 的党员不存在。") % {"id": e.member})
            continue
        name = members[e.member].name
        if counts[e.member] > 1:
            if e.member not in reported:
                reported.add(e.member)
                _add(
                    errors,
                    "attendance",
                    _("“%(name)s”有%(n)d条出席记录（不能既出席又缺席），每人只能记一条。")
                    % {"name": name, "n": counts[e.member]},
                )
            continue
        if e.status not in valid:
            _add(
                errors,
                "attendance",
                _("“%(name)s”的出席情况“%(status)s”无效，应为出席、缺席或请假。")
                % {"name": name, "status": e.status},
            )
        elif e.status == AttendanceStatus.EXCUSED and not e.reason:
            _add(errors, "attendance", _("“%(name)s”请假，须填写请假原因。") % {"name": name})


def _check_meeting(meeting: Meeting, members: dict[int, Member], errors: dict, *, type_changed: bool) -> None:
    po = meeting.party_organization
    mt = meeting.meeting_type
    if mt.committee_id != po.committee_id:
        _add(errors, "meeting_type", _("该会议类型不属于本综合党委。"))
    elif type_changed and not mt.is_active:
        _add(errors, "meeting_type", _("会议类型“%(name)s”已停用。") % {"name": mt.name})
    if meeting.starts_at is None:
        _add(errors, "starts_at", _("请填写会议开始时间。"))
    else:
        if timezone.is_naive(meeting.starts_at):
            meeting.starts_at = timezone.make_aware(meeting.starts_at)
        local = timezone.localtime(meeting.starts_at)
        if meeting.status == MeetingStatus.HELD and meeting.starts_at > timezone.now():
            _add(
                errors,
                "status",
                _("会议开始时间（%(at)s）还没到，不能标记为“已召开”；请先保存为“计划召开”，开完会再改。")
                % {"at": f"{local:%Y-%m-%d %H:%M}"},
            )
        if po.founded_on and local.date() < po.founded_on:
            _add(
                errors,
                "starts_at",
                _("会议时间早于党组织成立日期（%(d)s）。") % {"d": po.founded_on.isoformat()},
            )
    for field, label in (("host", _("主持人")), ("minutes_taker", _("记录人"))):
        person = getattr(meeting, f"{field}_id")
        if person is not None and person not in members:
            _add(errors, field, _("%(label)s须是%(po)s的党员。") % {"label": label, "po": po.name})
    if not (meeting.topic or "").strip():
        _add(errors, "topic", _("请填写会议主题。"))
    if not (meeting.place or "").strip():
        _add(errors, "place", _("请填写会议地点。"))
    if mt.is_lecture and meeting.status == MeetingStatus.HELD:
        if not meeting.lecturer.strip():
            _add(errors, "lecturer", _("党课须填写授课人。"))
        if not meeting.lecture_topic.strip():
            _add(errors, "lecture_topic", _("党课须填写党课题目。"))
    try:
        meeting.full_clean(
            exclude=[
                "party_organization",
                "meeting_type",
                "host",
                "minutes_taker",
                "created_by",
                "updated_by",
            ],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    _add(errors, field, message)


def _check_uploads(uploads: list, errors: dict) -> list[str]:
    mimes = []
    for upload in uploads:
        try:
            mimes.append(sniff(upload, DOCUMENTS))
        except ValidationError as exc:
            for message in exc.messages:
                _add(errors, "attachments", message)
            mimes.append("")
    return mimes


def _require_reason_if_late(meeting: Meeting, reason: str, errors: dict) -> bool:
    """After the committee's edit window a change needs a reason. Returns whether it is late."""
    window = meeting_settings_for(meeting.party_organization.committee_id).edit_window_days
    late = timezone.now() > meeting.edit_deadline(window)
    if late and not (reason or "").strip():
        _add(
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
    return data


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
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


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
    by: User | None,
) -> Meeting:
    """A branch records one of its meetings, with attendance and attachments, in one go."""
    entries = [AttendanceEntry.coerce(e) for e in (attendance or [])]
    uploads = list(uploads)
    meeting = Meeting(
        party_organization=party_organization,
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
        _add(errors, "party_organization", _("该党组织已撤销，不能再登记会议。"))
    _check_meeting(meeting, members, errors, type_changed=True)
    _check_attendance(entries, members, party_organization, errors)
    mimes = _check_uploads(uploads, errors)
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
        _check_meeting(meeting, members, errors, type_changed=meeting.meeting_type_id != old_type)
        if entries is not None:
            _check_attendance(entries, members, po, errors)
        mimes = _check_uploads(uploads, errors)
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
