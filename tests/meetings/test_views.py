"""Pages: the access matrix per role, the phone form end to end, downloads, overview and export."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches import access
from branches.models import AuditEntry, PartyOrganization
from meetings import selectors, services
from meetings.models import Meeting, MeetingAttachment
from tests import factories
from tests.factories import beijing, docx_upload, meeting_type, png_upload
from tests.headers import assert_private_file
from tests.xlsx_checks import ESCAPED, PAYLOAD, cells_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(record):
    m = record("committee_meeting", (2023, 3, 8, 9, 0))
    services.meeting_attachment_add(meeting=m, upload=png_upload("合影.png"), by=None)
    return m


@pytest.fixture
def actors(committee, other_committee, branch, branch_secretary, monkeypatch):
    other_po = factories.PartyOrganizationFactory(committee=committee, with_members=3)
    assigned = factories.InspectorUserFactory(committee=committee, username="assigned-inspector")

    def assigned_to(user):
        ids = [branch.pk] if user.pk == assigned.pk else []
        return PartyOrganization.objects.filter(pk__in=ids).values("pk")

    # the rating app is what normally tells the policy; here the meetings pages are tested alone
    monkeypatch.setattr(access, "_assignment_sources", [assigned_to])
    return {
        "anonymous": None,
        "owner": branch_secretary,
        "other_secretary": factories.SecretaryUserFactory(party_organization=other_po, username="sec-other"),
        "staff": factories.StaffUserFactory(committee=committee, username="staff-a"),
        "other_staff": factories.StaffUserFactory(committee=other_committee, username="staff-b"),
        "inspector": factories.InspectorUserFactory(committee=committee, username="inspector-free"),
        "assigned_inspector": assigned,
        "no_role": factories.UserFactory(username="nobody"),
    }


# endpoint: (method, url(meeting), {role: status}); roles left out expect the default below
LOGIN = "login"
MATRIX = {
    "list": (
        "get",
        lambda m: reverse("meetings:meeting-list"),
        {
            "owner": 200,
            "other_secretary": 200,
            "staff": 200,
            "other_staff": 200,
            "inspector": 200,
            "assigned_inspector": 200,
            "no_role": 403,
        },
    ),
    "detail": (
        "get",
        lambda m: reverse("meetings:meeting-detail", args=[m.pk]),
        {
            "owner": 200,
            "other_secretary": 404,
            "staff": 200,
            "other_staff": 404,
            "inspector": 404,
            "assigned_inspector": 200,
            "no_role": 403,
        },
    ),
    "create": (
        "get",
        lambda m: reverse("meetings:meeting-create") + "?type=committee_meeting",
        {
            "owner": 200,
            "other_secretary": 200,
            "staff": 403,
            "other_staff": 403,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
    "edit": (
        "get",
        lambda m: reverse("meetings:meeting-edit", args=[m.pk]),
        {
            "owner": 200,
            "other_secretary": 404,
            "staff": 403,
            "other_staff": 403,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
    "download": (
        "get",
        lambda m: reverse("meetings:attachment-download", args=[m.attachments.get().pk]),
        {
            "owner": 200,
            "other_secretary": 404,
            "staff": 200,
            "other_staff": 404,
            "inspector": 404,
            "assigned_inspector": 200,
            "no_role": 403,
        },
    ),
    "attachment_add": (
        "post",
        lambda m: reverse("meetings:attachment-add", args=[m.pk]),
        {
            "owner": 302,
            "other_secretary": 404,
            "staff": 403,
            "other_staff": 403,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
    "attachment_remove": (
        "post",
        lambda m: reverse("meetings:attachment-remove", args=[m.attachments.get().pk]),
        {
            "owner": 302,
            "other_secretary": 404,
            "staff": 403,
            "other_staff": 403,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
    "compliance_branch": (
        "get",
        lambda m: reverse("meetings:compliance-branch", args=[m.party_organization_id]),
        {
            "owner": 200,
            "other_secretary": 404,
            "staff": 200,
            "other_staff": 404,
            "inspector": 404,
            "assigned_inspector": 200,
            "no_role": 403,
        },
    ),
    "overview": (
        "get",
        lambda m: reverse("meetings:compliance-overview"),
        {
            "owner": 403,
            "other_secretary": 403,
            "staff": 200,
            "other_staff": 200,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
    "export": (
        "get",
        lambda m: reverse("meetings:compliance-export"),
        {
            "owner": 403,
            "other_secretary": 403,
            "staff": 200,
            "other_staff": 200,
            "inspector": 403,
            "assigned_inspector": 403,
            "no_role": 403,
        },
    ),
}
ROLES = [
    "anonymous",
    "owner",
    "other_secretary",
    "staff",
    "other_staff",
    "inspector",
    "assigned_inspector",
    "no_role",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_access_matrix(endpoint, role, actors, meeting, login):
    method, url, expected = MATRIX[endpoint]
    client = login(actors[role])
    response = getattr(client, method)(url(meeting))
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected[role], (endpoint, role, response.status_code)


def test_many_party_organizations_are_filtered_by_name_not_by_a_menu_of_them_all(
    actors, login, committee, monkeypatch
):
    from meetings import views

    pos = [
        factories.PartyOrganizationFactory(committee=committee, name=f"筛选党支部{i:02d}") for i in range(4)
    ]
    for po in pos:
        factories.MeetingFactory(party_organization=po, topic=f"{po.name}的会")
    client = login(actors["staff"])
    url = reverse("meetings:meeting-list")
    few = client.get(url).content.decode()
    assert '<select name="po">' in few and 'name="po_name"' not in few

    monkeypatch.setattr(views, "PO_SELECT_LIMIT", 3)
    many = client.get(url).content.decode()
    assert '<select name="po">' not in many and 'name="po_name"' in many
    assert f'<option value="{pos[0].pk}"' not in many  # no menu of every party organisation

    found = client.get(url, {"po_name": "党支部01"})
    assert [m.topic for m in found.context["page"]] == ["筛选党支部01的会"]
    assert 'value="党支部01"' in found.content.decode()

    chosen = client.get(url, {"po": pos[2].pk, "type": ""}).content.decode()
    assert "筛选党支部02的会" in chosen and "筛选党支部03的会" not in chosen
    assert f'<input type="hidden" name="po" value="{pos[2].pk}">' in chosen
    assert 'href="?type="' in chosen  # back to every party organisation, the other filters kept
    assert client.get(url, {"po": "²"}).status_code == 200  # a digit, but not a number


def test_the_overview_of_another_committee_does_not_show_this_branch(actors, meeting, login, branch):
    client = login(actors["other_staff"])
    assert branch.name not in client.get(reverse("meetings:compliance-overview")).content.decode()
    workbook = load_workbook(io.BytesIO(client.get(reverse("meetings:compliance-export")).content))
    assert branch.name not in [c.value for c in workbook["热力图"]["A"]]


def test_lists_show_only_what_the_user_may_see(actors, meeting, login, committee):
    elsewhere = factories.MeetingFactory(
        party_organization=factories.PartyOrganizationFactory(committee=committee), topic="别的支部的会"
    )
    assert "别的支部的会" not in login(actors["owner"]).get(reverse("meetings:meeting-list")).content.decode()
    assert "别的支部的会" in login(actors["staff"]).get(reverse("meetings:meeting-list")).content.decode()
    inspector_page = (
        login(actors["assigned_inspector"]).get(reverse("meetings:meeting-list")).content.decode()
    )
    assert meeting.topic in inspector_page and elsewhere.topic not in inspector_page
    assert (
        meeting.topic not in login(actors["inspector"]).get(reverse("meetings:meeting-list")).content.decode()
    )


def test_inspectors_see_the_record_read_only(actors, meeting, login):
    page = (
        login(actors["assigned_inspector"])
        .get(reverse("meetings:meeting-detail", args=[meeting.pk]))
        .content.decode()
    )
    assert reverse("meetings:meeting-edit", args=[meeting.pk]) not in page
    attachment = meeting.attachments.get()
    assert reverse("meetings:attachment-remove", args=[attachment.pk]) not in page  # no delete button
    assert reverse("meetings:attachment-download", args=[attachment.pk]) in page  # but the file is there


@pytest.mark.usefixtures("private_storage_backend")
def test_an_attachment_is_served_with_its_checked_type_and_no_caching(actors, meeting, login):
    response = login(actors["staff"]).get(
        reverse("meetings:attachment-download", args=[meeting.attachments.get().pk])
    )
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert_private_file(response, inline=True, name="合影.png")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.usefixtures("private_storage_backend")
@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (lambda: SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF\n"), "application/pdf"),
        (docx_upload, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_a_document_attachment_is_a_sandboxed_download(actors, record, login, upload, content_type):
    # Served through the one private-file helper: never shown inline, whatever its type.
    m = record("committee_meeting", (2023, 3, 9, 9, 0))
    services.meeting_attachment_add(meeting=m, upload=upload(), by=None)
    response = login(actors["staff"]).get(
        reverse("meetings:attachment-download", args=[m.attachments.get().pk])
    )
    assert response["Content-Type"] == content_type
    assert_private_file(response, inline=False, name=m.attachments.get().original_name)
    response.close()


# --- the form ------------------------------------------------------------------------------


def form_data(po, *, statuses=None, reasons=None, **fields):
    members = selectors.members_for_attendance(po.pk)
    statuses, reasons = statuses or {}, reasons or {}
    data = {
        "meeting_type": str(meeting_type(po.committee, "committee_meeting").pk),
        "starts_at": "2023-03-08T09:00",
        "status": "held",
        "place": "会议室",
        "topic": "研究三月工作",
        "host": "",
        "minutes_taker": "",
        "lecturer": "",
        "lecture_topic": "",
        "guests": "",
        "minutes": "记录",
        "att-TOTAL_FORMS": str(len(members)),
        "att-INITIAL_FORMS": str(len(members)),
        "att-MIN_NUM_FORMS": "0",
        "att-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(members):
        data[f"att-{i}-member"] = str(m.pk)
        data[f"att-{i}-status"] = statuses.get(m.name, "")
        data[f"att-{i}-reason"] = reasons.get(m.name, "")
    data.update(fields)
    return data


def test_the_type_choice_page_lists_the_types_with_their_requirement(login, branch_secretary):
    page = login(branch_secretary).get(reverse("meetings:meeting-create")).content.decode()
    assert "?type=committee_meeting" in page and "每月至少1次" in page


def test_the_form_starts_with_the_expected_attendees_present(login, branch_secretary):
    page = login(branch_secretary).get(reverse("meetings:meeting-create") + "?type=committee_meeting")
    rows = {f.initial["member"]: f.initial["status"] for f in page.context["formset"].forms}
    by_name = {m.name: m.pk for m in selectors.members_for_attendance(branch_secretary.party_organization_id)}
    assert rows[by_name["支委乙"]] == "present" and rows[by_name["党员丁"]] == ""


def test_a_secretary_records_a_committee_meeting_through_the_form(login, branch, branch_secretary):
    data = form_data(
        branch,
        statuses={"书记甲": "present", "支委乙": "present", "支委丙": "excused"},
        reasons={"支委丙": "出差"},
    )
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "meetings:meeting-detail", args=[meeting.pk]
    )
    assert (meeting.present_count, meeting.entitled_count, meeting.quorum_ok) == (2, 3, True)
    assert meeting.attendance.get(member_name="支委丙").reason == "出差"
    assert meeting.created_by == branch_secretary


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statuses": {"书记甲": "present", "支委乙": "excused"}}, "请假须填写原因"),
        ({"starts_at": "2099-01-01T09:00"}, "还没到，不能标记为“已召开”"),
        ({"files": [SimpleUploadedFile("病毒.exe", b"MZ" + b"\x00" * 50)]}, "类型不支持"),
        ({"files": [SimpleUploadedFile("假的.pdf", b"MZ" + b"\x00" * 50)]}, "内容与扩展名 .pdf 不符"),
        ({"topic": ""}, "这个字段是必填项"),
    ],
)
def test_bad_form_input_is_shown_next_to_the_field_and_nothing_is_saved(
    login, branch, branch_secretary, change, message
):
    change = dict(change)
    statuses = change.pop("statuses", {"书记甲": "present"})
    files = change.pop("files", None)
    data = form_data(branch, statuses=statuses, **change)
    if files:
        data["attachments"] = files
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Meeting.objects.count() == 0 and MeetingAttachment.objects.count() == 0
    assert 'value="会议室"' in response.content.decode()  # what the user typed is kept


def test_the_form_shows_the_service_message_for_an_outsider_in_the_attendance(
    login, branch, branch_secretary
):
    outsider = factories.MemberFactory(name="外支部党员")
    data = form_data(branch, statuses={"书记甲": "present"})
    total = int(data["att-TOTAL_FORMS"])
    data.update(
        {
            f"att-{total}-member": str(outsider.pk),
            f"att-{total}-status": "present",
            f"att-{total}-reason": "",
            "att-TOTAL_FORMS": str(total + 1),
        }
    )
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data)
    assert "“外支部党员”不是测试基金会党支部的党员" in response.content.decode()
    assert Meeting.objects.count() == 0


def test_a_late_edit_through_the_form_asks_for_a_reason_then_audits_it(
    login, branch, branch_secretary, record
):
    meeting = record("committee_meeting", (2023, 3, 8, 9, 0))
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    client = login(branch_secretary)
    url = reverse("meetings:meeting-edit", args=[meeting.pk])
    statuses = {a.member_name: a.status for a in meeting.attendance.all()}
    page = client.get(url).content.decode()
    assert "已超过30天" in page
    response = client.post(url, form_data(branch, statuses=statuses, place="新地点"))
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).place == "党员活动室"
    response = client.post(url, form_data(branch, statuses=statuses, place="新地点", reason="地点记错"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="meeting.update_late")
    assert entry.after["place"] == "新地点" and "地点记错" in entry.note


def test_below_quorum_is_saved_with_a_warning(login, branch, branch_secretary):
    data = form_data(branch, statuses={"书记甲": "present", "支委乙": "absent", "支委丙": "absent"})
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data, follow=True)
    assert "到会人数未过半（1/3）" in response.content.decode()
    assert Meeting.objects.get().quorum_ok is False


# --- compliance pages ------------------------------------------------------------------------


def test_the_branch_page_shows_the_calendar_and_its_gaps(login, branch, branch_secretary, record):
    record("committee_meeting", (2023, 1, 10, 9, 0))
    page = login(branch_secretary).get(reverse("meetings:compliance-branch", args=[branch.pk]) + "?year=2023")
    html = page.content.decode()
    assert 'id="month-1"' in html and "缺 支委会（2月）" in html
    assert "缺 支委会（1月）" not in html
    assert page.context["compliance"].type("committee_meeting").met_periods == 1


def test_the_party_organization_page_links_to_the_meetings(login, branch, branch_secretary):
    html = (
        login(branch_secretary)
        .get(reverse("branches:party-organization-detail", args=[branch.pk]))
        .content.decode()
    )
    assert reverse("meetings:compliance-branch", args=[branch.pk]) in html
    assert reverse("meetings:meeting-create") in html


def test_the_overview_ranks_branches_by_gaps_and_sorts_on_request(login, committee, branch, record):
    factories.PartyOrganizationFactory(committee=committee, name="甲缺口多党支部", with_members=3)
    for month in range(1, 13):
        record("committee_meeting", (2023, month, 5, 9, 0))
    staff = factories.StaffUserFactory(committee=committee, username="staff-rank")
    client = login(staff)
    ranking = client.get(reverse("meetings:compliance-overview") + "?year=2023").context["ranking"]
    assert [b.name for b in ranking] == ["甲缺口多党支部", branch.name]
    ranking = client.get(reverse("meetings:compliance-overview") + "?year=2023&sort=name").context["ranking"]
    assert [b.name for b in ranking] == sorted([branch.name, "甲缺口多党支部"])


def test_the_export_is_a_workbook_with_heat_map_and_gaps(login, committee, branch, record):
    record("committee_meeting", (2023, 1, 5, 9, 0))
    staff = factories.StaffUserFactory(committee=committee, username="staff-export")
    response = login(staff).get(reverse("meetings:compliance-export") + "?year=2023")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    heat = workbook["热力图"]
    assert [c.value for c in heat[2]][:3] == ["党组织", "1月", "2月"]
    row = [c.value for c in heat[3]]
    assert row[0] == branch.name and row[1] == "1/3" and row[2] == "0/3"  # three monthly types
    gaps = [tuple(c.value for c in r) for r in workbook["缺口明细"].iter_rows(min_row=2)]
    assert (branch.name, "支委会", "每月至少1次", "2023年2月", 1, 0, 0) in gaps


def _branches_with_meetings(committee, n, start):
    for i in range(n):
        po = factories.PartyOrganizationFactory(
            committee=committee, name=f"规模党支部{start + i:03d}", with_members=3
        )
        for code, month in (
            ("committee_meeting", 1),
            ("theme_day", 2),
            ("party_lecture", 3),
            ("general_meeting", 6),
        ):
            factories.MeetingFactory(
                party_organization=po, type_code=code, starts_at=beijing(2023, month, 9, 10, 0)
            )


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("name", ["meetings:compliance-overview", "meetings:compliance-export"])
def test_the_overview_and_export_take_the_same_number_of_queries_for_more_branches(
    login, committee, name, django_capture_on_commit_callbacks
):
    staff = factories.StaffUserFactory(committee=committee, username="staff-queries")
    client = login(staff)
    url = reverse(name) + "?year=2023"
    with django_capture_on_commit_callbacks(execute=True):
        _branches_with_meetings(committee, 2, 0)
    client.get(url)  # warm up (session, content types; the overview stores its snapshot)
    small, _response = _count_queries(client, url)
    with django_capture_on_commit_callbacks(execute=True):  # committed: the snapshot is refreshed
        _branches_with_meetings(committee, 10, 100)
    large, response = _count_queries(client, url)
    assert large == small
    if name.endswith("overview"):
        assert response.context["page"].paginator.count == 12


def test_compliance_summary_takes_three_queries_whatever_the_size(committee, django_assert_num_queries):
    _branches_with_meetings(committee, 3, 0)
    from meetings.compliance import compliance_summary

    ids = list(PartyOrganization.objects.values_list("pk", flat=True))
    with django_assert_num_queries(3):
        small = compliance_summary(ids[:1], 2023)
    with django_assert_num_queries(3):
        large = compliance_summary(ids, 2023)
    assert len(small) == 1 and len(large) == 3


def test_lecture_fields_show_for_a_party_lecture_only(login, branch_secretary):
    client = login(branch_secretary)
    lecture = client.get(reverse("meetings:meeting-create") + "?type=party_lecture")
    assert 'id="id_lecturer"' in lecture.content.decode()
    assert lecture.context["form"]["lecturer"].value() == "书记甲"
    committee_meeting = client.get(reverse("meetings:meeting-create") + "?type=committee_meeting")
    assert 'id="id_lecturer"' not in committee_meeting.content.decode()


def test_a_gap_link_prefills_the_type_and_a_date_in_its_period(login, branch, branch_secretary):
    html = (
        login(branch_secretary)
        .get(reverse("meetings:compliance-branch", args=[branch.pk]) + "?year=2023")
        .content.decode()
    )
    assert "?type=party_lecture&amp;date=2023-06-15" in html
    page = login(branch_secretary).get(
        reverse("meetings:meeting-create") + "?type=party_lecture&date=2023-06-15"
    )
    assert page.context["form"]["starts_at"].value() == dt.datetime(2023, 6, 15, 14, 30)


def test_a_double_submitted_meeting_form_records_one_meeting(login, branch, branch_secretary):
    from tests.formtoken import token_in

    client = login(branch_secretary)
    token = token_in(client.get(reverse("meetings:meeting-create") + "?type=committee_meeting"))
    data = form_data(branch, statuses={"书记甲": "present", "支委乙": "present", "支委丙": "present"})
    data["form_token"] = token
    first = client.post(reverse("meetings:meeting-create"), data)
    second = client.post(reverse("meetings:meeting-create"), data)
    meeting = Meeting.objects.get()
    assert first.url == second.url == reverse("meetings:meeting-detail", args=[meeting.pk])
    page = client.get(second.url).content.decode()
    assert "该表单已经提交过，没有重复保存。" in page


def test_a_double_submitted_attachment_upload_adds_one_file(login, meeting, branch_secretary):
    from tests.formtoken import token_in

    client = login(branch_secretary)
    token = token_in(client.get(reverse("meetings:meeting-detail", args=[meeting.pk])))
    before = meeting.attachments.count()
    for _ in range(2):
        response = client.post(
            reverse("meetings:attachment-add", args=[meeting.pk]),
            {"files": png_upload("签到表.png"), "form_token": token},
        )
        assert response.status_code == 302
    assert meeting.attachments.count() == before + 1


def test_the_export_writes_a_formula_like_name_as_text(login, committee, branch, record):
    record("committee_meeting", (2023, 1, 5, 9, 0))
    branch.name = PAYLOAD
    branch.save()
    staff = factories.StaffUserFactory(committee=committee, username="staff-export")
    response = login(staff).get(reverse("meetings:compliance-export") + "?year=2023")
    values = cells_of(response.content)
    assert values.count(ESCAPED) >= 2  # the heat map and the list of gaps
    assert PAYLOAD not in values


def test_over_long_minutes_are_refused_by_the_form_and_nothing_is_saved(login, branch, branch_secretary):
    data = form_data(branch, statuses={"书记甲": "present"}, minutes="记" * 100_000)
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["minutes"]
    assert errors == ["会议记录不能超过20000个字符（现有100000个）。"]
    assert errors[0] in response.content.decode()
    assert 'maxlength="20000"' in response.content.decode()
    assert Meeting.objects.count() == 0


def test_minutes_at_the_limit_are_kept(login, branch, branch_secretary):
    data = form_data(branch, statuses={"书记甲": "present"}, minutes="记" * 20_000)
    response = login(branch_secretary).post(reverse("meetings:meeting-create"), data)
    assert response.status_code == 302
    assert len(Meeting.objects.get().minutes) == 20_000


def test_the_reason_for_removing_a_file_late_is_labelled(actors, meeting, login):
    # the meeting is long past its edit window: removing a file asks for a reason, and that field
    # has a label of its own (a placeholder vanishes as soon as one types)
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    page = login(actors["owner"]).get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    attachment = meeting.attachments.get()
    field = f'id="remove-reason-{attachment.pk}"'
    assert field in page
    assert (
        f'<label class="visually-hidden" for="remove-reason-{attachment.pk}">删除“合影.png”的修改原因</label>'
        in page
    )
