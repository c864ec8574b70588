"""Writes: bad input gives a clear Chinese message and saves nothing; late edits need a reason and are audited."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import AuditEntry, Committee
from meetings import services
from meetings.models import Attendance, Meeting, MeetingAttachment, MeetingSettings, MeetingType
from tests import factories
from tests.factories import beijing, docx_upload, jpeg_upload, meeting_type, png_upload, xlsx_upload

pytestmark = pytest.mark.django_db


def pdf_upload(name="纪要.pdf", size=None):
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def stored_files():
    root = Path(default_storage.location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_saved():
    return (
        Meeting.objects.count(),
        Attendance.objects.count(),
        MeetingAttachment.objects.count(),
        AuditEntry.objects.filter(action__startswith="meeting").count(),
        len(stored_files()),
    ) == (0, 0, 0, 0, 0)


@pytest.fixture
def create(branch, members, branch_secretary):
    def _create(**overrides):
        fields = {
            "party_organization": branch,
            "meeting_type": meeting_type(branch.committee, "committee_meeting"),
            "starts_at": beijing(2023, 3, 8, 9, 0),
            "place": "会议室",
            "topic": "研究三月工作",
            "status": "held",
            "host": members["书记甲"],
            "minutes_taker": members["支委乙"],
            "attendance": [(members[n].pk, "present") for n in ("书记甲", "支委乙", "支委丙")],
            "by": branch_secretary,
        }
        fields.update(overrides)
        return services.meeting_create(**fields)

    return _create


def messages_of(excinfo):
    return [m for msgs in excinfo.value.message_dict.values() for m in msgs]


# --- creating -----------------------------------------------------------------------------


def test_a_good_meeting_is_saved_with_attendance_quorum_files_and_an_audit_entry(create, members):
    meeting = create(
        uploads=[pdf_upload(), png_upload("合影.png"), docx_upload(), xlsx_upload(), jpeg_upload()]
    )
    assert meeting.quorum_ok is True and (meeting.present_count, meeting.entitled_count) == (3, 3)
    assert meeting.attendance.count() == 3
    kinds = sorted(meeting.attachments.values_list("kind", "content_type"))
    assert [k for k, _ in kinds].count("photo") == 2 and len(kinds) == 5
    assert len(stored_files()) == 5
    entry = AuditEntry.objects.get(action="meeting.create")
    assert entry.committee_id == meeting.party_organization.committee_id
    assert "书记甲:出席" in entry.after["attendance"]


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"starts_at": "future", "status": "held"}, "status", "还没到，不能标记为“已召开”"),
        ({"attendance": "outsider"}, "attendance", "不是测试基金会党支部的党员"),
        ({"attendance": "both"}, "attendance", "有2条出席记录（不能既出席又缺席）"),
        ({"attendance": "excused-no-reason"}, "attendance", "请假，须填写请假原因"),
        ({"attendance": "bad-status"}, "attendance", "无效"),
        ({"uploads": "oversize"}, "attachments", "太大"),
        ({"uploads": "exe"}, "attachments", "类型不支持"),
        ({"uploads": "renamed"}, "attachments", "内容与扩展名 .pdf 不符"),
        ({"host": "outsider"}, "host", "主持人须是测试基金会党支部的党员"),
        ({"meeting_type": "other-committee"}, "meeting_type", "不属于本综合党委"),
        ({"meeting_type": "lecture"}, "lecturer", "党课须填写授课人"),
        ({"topic": "  "}, "topic", "请填写会议主题"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(
    create, members, committee, other_committee, settings, overrides, field, expected
):
    settings.UPLOAD_MAX_BYTES = 1000
    outsider = factories.MemberFactory(name="外支部党员")
    secretary = members["书记甲"]
    replacements = {
        "future": timezone.now() + dt.timedelta(days=2),
        "outsider": [(secretary.pk, "present"), (outsider.pk, "present")],
        "both": [(secretary.pk, "present"), (secretary.pk, "absent")],
        "excused-no-reason": [(secretary.pk, "present"), (members["支委乙"].pk, "excused", " ")],
        "bad-status": [(secretary.pk, "late")],
        "oversize": [png_upload(), pdf_upload(size=2000)],
        "exe": [SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 60)],
        "renamed": [SimpleUploadedFile("纪要.pdf", b"MZ\x90\x00" + b"\x00" * 60)],
        "other-committee": meeting_type(other_committee, "committee_meeting"),
        "lecture": meeting_type(committee, "party_lecture"),
    }
    fields = {}
    for key, value in overrides.items():
        if key == "host" and value == "outsider":
            fields[key] = outsider
        else:
            fields[key] = replacements.get(value, value) if isinstance(value, str) else value
    with pytest.raises(ValidationError) as excinfo:
        create(**fields)
    assert field in excinfo.value.message_dict
    assert any(expected in m for m in excinfo.value.message_dict[field]), messages_of(excinfo)
    assert nothing_saved()


def test_every_problem_is_reported_at_once(create, members):
    secretary = members["书记甲"]
    with pytest.raises(ValidationError) as excinfo:
        create(
            starts_at=timezone.now() + dt.timedelta(days=1),
            topic="",
            attendance=[(secretary.pk, "present"), (secretary.pk, "excused", "")],
        )
    assert set(excinfo.value.message_dict) == {"status", "topic", "attendance"}
    assert nothing_saved()


def test_a_failure_after_files_were_stored_removes_them(create, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        create(uploads=[pdf_upload()])
    assert nothing_saved()


def test_a_meeting_in_the_future_may_be_planned(create):
    meeting = create(starts_at=timezone.now() + dt.timedelta(days=3), status="planned", attendance=[])
    assert meeting.status == "planned" and meeting.quorum_ok is False  # no one yet; it does not count anyway


# --- updating, attendance, attachments -------------------------------------------------------


def test_update_within_the_window_needs_no_reason_and_is_audited(create, members, branch_secretary):
    meeting = create()
    services.meeting_update(meeting=meeting, by=branch_secretary, topic="研究三月党建工作")
    entry = AuditEntry.objects.get(action="meeting.update")
    assert entry.before == {"topic": "研究三月工作"} and entry.after == {"topic": "研究三月党建工作"}


def test_update_after_the_window_needs_a_reason_and_records_before_and_after(create, branch_secretary):
    meeting = create()
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_update(meeting=meeting, by=branch_secretary, place="社区党群服务中心")
    assert "超过30天，修改须填写原因" in excinfo.value.message_dict["reason"][0]
    assert Meeting.objects.get(pk=meeting.pk).place == "会议室"

    services.meeting_update(
        meeting=meeting, by=branch_secretary, place="社区党群服务中心", reason="原记录地点有误"
    )
    entry = AuditEntry.objects.get(action="meeting.update_late")
    assert entry.before == {"place": "会议室"} and entry.after == {"place": "社区党群服务中心"}
    assert "原记录地点有误" in entry.note and entry.actor == branch_secretary


def test_the_edit_window_is_a_committee_setting(create, branch_secretary, committee):
    MeetingSettings.objects.filter(committee=committee).update(edit_window_days=5)
    meeting = create()
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=6))
    with pytest.raises(ValidationError, match="超过5天"):
        services.meeting_update(meeting=meeting, by=branch_secretary, topic="改")


def test_setting_attendance_recounts_the_quorum_and_bad_rows_change_nothing(
    create, members, branch_secretary
):
    meeting = create()
    with pytest.raises(ValidationError):
        services.meeting_attendance_set(
            meeting=meeting,
            by=branch_secretary,
            attendance=[
                (members["书记甲"].pk, "present"),
                (members["支委乙"].pk, "excused", ""),
            ],
        )
    assert Meeting.objects.get(pk=meeting.pk).quorum_ok is True and meeting.attendance.count() == 3
    updated = services.meeting_attendance_set(
        meeting=meeting,
        by=branch_secretary,
        attendance=[
            (members["书记甲"].pk, "present"),
            (members["支委乙"].pk, "excused", "出差"),
            (members["支委丙"].pk, "absent"),
        ],
    )
    assert (updated.present_count, updated.quorum_ok) == (1, False)
    assert Attendance.objects.get(meeting=meeting, member=members["支委乙"]).reason == "出差"


def test_changing_the_type_recounts_the_quorum_against_the_new_attendees(
    create, members, committee, branch_secretary
):
    meeting = create()  # the three committee members present: 3/3 for a 支委会
    updated = services.meeting_update(
        meeting=meeting, by=branch_secretary, meeting_type=meeting_type(committee, "general_meeting")
    )
    assert (updated.present_count, updated.entitled_count, updated.quorum_ok) == (3, 6, False)


def test_attachments_are_added_and_removed_with_checks_and_audit(create, branch_secretary, settings):
    meeting = create()
    attachment = services.meeting_attachment_add(meeting=meeting, upload=pdf_upload(), by=branch_secretary)
    assert attachment.content_type == "application/pdf" and len(stored_files()) == 1
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="太大"):
        services.meeting_attachment_add(meeting=meeting, upload=pdf_upload(), by=branch_secretary)
    assert meeting.attachments.count() == 1
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    with pytest.raises(ValidationError, match="修改须填写原因"):
        services.meeting_attachment_remove(attachment=attachment, by=branch_secretary)
    with pytest.raises(ValidationError, match="修改须填写原因"):
        services.meeting_attachment_add(meeting=meeting, upload=png_upload(), by=branch_secretary)
    services.meeting_attachment_add(
        meeting=meeting, upload=png_upload(), by=branch_secretary, reason="补传合影"
    )
    assert meeting.attachments.count() == 2
    assert "补传合影" in AuditEntry.objects.filter(action="meeting.update_late").get().note


def test_removing_an_attachment_deletes_the_file_after_commit(
    create, branch_secretary, django_capture_on_commit_callbacks
):
    meeting = create(uploads=[pdf_upload()])
    attachment = meeting.attachments.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_attachment_remove(attachment=attachment, by=branch_secretary, reason="")
    assert MeetingAttachment.objects.count() == 0 and stored_files() == []
    entry = AuditEntry.objects.get(action="meeting.attachment_remove")
    assert entry.before == {"attachment": "纪要.pdf"}


def test_update_refuses_fields_it_does_not_know(create, branch_secretary):
    meeting = create()
    with pytest.raises(TypeError):
        services.meeting_update(meeting=meeting, by=branch_secretary, party_organization_id=1)


# --- seeding -----------------------------------------------------------------------------------


def test_a_new_committee_gets_the_default_types_and_settings():
    committee = Committee.objects.create(name="新建综合党委")
    types = {t.code: t for t in MeetingType.objects.filter(committee=committee)}
    assert len(types) == 10
    assert (types["general_meeting"].frequency, types["general_meeting"].requires_quorum) == ("quarter", True)
    assert (types["committee_meeting"].frequency, types["committee_meeting"].attendee_scope) == (
        "month",
        "branch_committee",
    )
    assert types["party_lecture"].is_lecture and types["party_lecture"].frequency == "quarter"
    assert types["life_meeting"].frequency == "year" and types["appraisal"].frequency == "year"
    assert {types[c].frequency for c in ("board_attendance", "joint_decision", "joint_activity")} == {"none"}
    assert MeetingSettings.objects.get(committee=committee).edit_window_days == 30
    assert services.meeting_types_seed(committee=committee) == []


def test_the_data_migration_seeds_existing_committees(committee):
    import importlib

    from django.apps import apps

    MeetingType.objects.filter(committee=committee).delete()
    MeetingSettings.objects.filter(committee=committee).delete()
    migration = importlib.import_module("meetings.migrations.0002_seed_meeting_types")
    migration.seed(apps, None)
    migration.seed(apps, None)
    assert MeetingType.objects.filter(committee=committee).count() == 10
    assert MeetingSettings.objects.filter(committee=committee).count() == 1


def test_the_service_refuses_over_long_minutes_too(create):
    with pytest.raises(ValidationError) as excinfo:
        create(minutes="记" * 20_001)
    assert list(excinfo.value.message_dict) == ["minutes"]
    assert nothing_saved()
