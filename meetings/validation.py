"""The checks a meeting record passes before it is written, collected rather than raised one by one:
each adds its messages to `errors` (field → messages), and the service raises them all at once."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Member, PartyOrganization
from core.dates import short_date, short_datetime
from core.uploads import DOCUMENTS, sniff

from .models import AttendanceStatus, Meeting, MeetingStatus


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


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def check_attendance(
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
                add_error(
                    errors,
                    "attendance",
                    _("“%(name)s”不是%(po)s的党员，不能记入出席名单。")
                    % {"name": names[e.member], "po": po.name},
                )
            else:
                add_error(errors, "attendance", _("编号为 %(id)s 的党员不存在。") % {"id": e.member})
            continue
        name = members[e.member].name
        if counts[e.member] > 1:
            if e.member not in reported:
                reported.add(e.member)
                add_error(
                    errors,
                    "attendance",
                    _("“%(name)s”有%(n)d条出席记录（不能既出席又缺席），每人只能记一条。")
                    % {"name": name, "n": counts[e.member]},
                )
            continue
        if e.status not in valid:
            add_error(
                errors,
                "attendance",
                _("“%(name)s”的出席情况“%(status)s”无效，应为出席、缺席或请假。")
                % {"name": name, "status": e.status},
            )
        elif e.status == AttendanceStatus.EXCUSED and not e.reason:
            add_error(errors, "attendance", _("“%(name)s”请假，须填写请假原因。") % {"name": name})


def check_meeting(meeting: Meeting, members: dict[int, Member], errors: dict, *, type_changed: bool) -> None:
    po = meeting.party_organization
    mt = meeting.meeting_type
    if mt.committee_id != po.committee_id:
        add_error(errors, "meeting_type", _("该会议类型不属于本综合党委。"))
    elif type_changed and not mt.is_active:
        add_error(errors, "meeting_type", _("会议类型“%(name)s”已停用。") % {"name": mt.name})
    if meeting.starts_at is None:
        add_error(errors, "starts_at", _("请填写会议开始时间。"))
    else:
        if timezone.is_naive(meeting.starts_at):
            meeting.starts_at = timezone.make_aware(meeting.starts_at)
        local = timezone.localtime(meeting.starts_at)
        if meeting.status == MeetingStatus.HELD and meeting.starts_at > timezone.now():
            add_error(
                errors,
                "status",
                _("会议开始时间（%(at)s）还没到，不能标记为“已召开”；请先保存为“计划召开”，开完会再改。")
                % {"at": short_datetime(local)},
            )
        if po.founded_on and local.date() < po.founded_on:
            add_error(
                errors,
                "starts_at",
                _("会议时间早于党组织成立日期（%(d)s）。") % {"d": short_date(po.founded_on)},
            )
    for field, label in (("host", _("主持人")), ("minutes_taker", _("记录人"))):
        person = getattr(meeting, f"{field}_id")
        if person is not None and person not in members:
            add_error(errors, field, _("%(label)s须是%(po)s的党员。") % {"label": label, "po": po.name})
    if not (meeting.topic or "").strip():
        add_error(errors, "topic", _("请填写会议主题。"))
    if not (meeting.place or "").strip():
        add_error(errors, "place", _("请填写会议地点。"))
    if mt.is_lecture and meeting.status == MeetingStatus.HELD:
        if not meeting.lecturer.strip():
            add_error(errors, "lecturer", _("党课须填写授课人。"))
        if not meeting.lecture_topic.strip():
            add_error(errors, "lecture_topic", _("党课须填写党课题目。"))
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
                    add_error(errors, field, message)


def check_uploads(uploads: list, errors: dict) -> list[str]:
    mimes = []
    for upload in uploads:
        try:
            mimes.append(sniff(upload, DOCUMENTS))
        except ValidationError as exc:
            for message in exc.messages:
                add_error(errors, "attachments", message)
            mimes.append("")
    return mimes
