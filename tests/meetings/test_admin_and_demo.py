"""Admin scoping for meeting types/settings/records, and the demo data."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.demo import WUHOU_BRANCH, load_register
from branches.models import PartyOrganization
from meetings import compliance
from meetings.demo import load_meetings
from meetings.models import Meeting, MeetingType
from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_see_and_edit_only_their_committees_meeting_types(
    login, committee, other_committee, staff_user
):
    client = login(staff_user)
    page = client.get(reverse("admin:meetings_meetingtype_changelist"))
    assert page.status_code == 200
    ids = {t.pk for t in page.context["cl"].result_list}
    assert ids == set(MeetingType.objects.filter(committee=committee).values_list("pk", flat=True))
    foreign = MeetingType.objects.filter(committee=other_committee).first()
    assert client.get(reverse("admin:meetings_meetingtype_change", args=[foreign.pk])).status_code == 302
    own = MeetingType.objects.get(committee=committee, code="theme_day")
    response = client.post(
        reverse("admin:meetings_meetingtype_change", args=[own.pk]),
        {
            "name": own.name,
            "category": own.category,
            "frequency": "quarter",
            "min_count": 2,
            "counts_for_compliance": "on",
            "attendee_scope": own.attendee_scope,
            "is_active": "on",
            "sort_order": 50,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert (own.frequency, own.min_count, own.code) == ("quarter", 2, "theme_day")


def test_a_duplicate_type_name_is_refused_in_the_admin(login, committee, staff_user):
    response = login(staff_user).post(
        reverse("admin:meetings_meetingtype_add"),
        {
            "code": "theme_day",
            "name": "主题党日",
            "category": "org_life",
            "frequency": "month",
            "min_count": 1,
            "attendee_scope": "all_members",
            "sort_order": 1,
        },
    )
    assert response.status_code == 200
    assert "本综合党委已有代码为“theme_day”的会议类型" in response.content.decode()


def test_meeting_records_are_read_only_in_the_admin(login, committee, other_committee, staff_user):
    own = factories.MeetingFactory(party_organization=factories.PartyOrganizationFactory(committee=committee))
    foreign = factories.MeetingFactory(
        party_organization=factories.PartyOrganizationFactory(committee=other_committee)
    )
    client = login(staff_user)
    ids = {m.pk for m in client.get(reverse("admin:meetings_meeting_changelist")).context["cl"].result_list}
    assert ids == {own.pk}
    page = client.get(reverse("admin:meetings_meeting_change", args=[own.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:meetings_meeting_change", args=[own.pk]), {"topic": "x"}).status_code
        == 403
    )
    assert client.get(reverse("admin:meetings_meeting_change", args=[foreign.pk])).status_code == 302


def test_the_meeting_changelist_filters_by_year_and_by_the_committees_own_types(
    login, committee, other_committee, staff_user
):
    po = factories.PartyOrganizationFactory(committee=committee)
    this_year = timezone.localdate().year
    recent = factories.MeetingFactory(
        party_organization=po, starts_at=dt.datetime(this_year, 3, 1, 9, tzinfo=dt.UTC)
    )
    older = factories.MeetingFactory(
        party_organization=po, starts_at=dt.datetime(this_year - 1, 3, 1, 9, tzinfo=dt.UTC)
    )
    client = login(staff_user)
    url = reverse("admin:meetings_meeting_changelist")

    page = client.get(url, {"year": str(this_year - 1)})
    assert {m.pk for m in page.context["cl"].result_list} == {older.pk}
    html = page.content.decode()
    assert f"?year={this_year}" in html  # every recorded year is offered without reading the meetings
    foreign = MeetingType.objects.filter(committee=other_committee).first()
    assert foreign is not None
    plain = client.get(url).content.decode()
    assert f'?type={foreign.pk}"' not in plain  # another committee's types are not listed
    assert f'?type={recent.meeting_type_id}"' in plain

    by_type = client.get(url, {"type": str(recent.meeting_type_id)})
    assert recent.pk in {m.pk for m in by_type.context["cl"].result_list}
    assert client.get(url, {"year": "1999"}).status_code == 200  # an unknown year is no filter, not an error
    assert client.get(url, {"year": "²"}).status_code == 200  # a digit, but not a number
    assert client.get(url, {"type": "²"}).status_code == 200
    assert client.get(url, {"type": "x"}).status_code == 200


def test_the_edit_window_setting_is_editable_by_staff(login, committee, staff_user):
    from meetings.models import MeetingSettings

    settings_row = MeetingSettings.objects.get(committee=committee)
    response = login(staff_user).post(
        reverse("admin:meetings_meetingsettings_change", args=[settings_row.pk]), {"edit_window_days": 14}
    )
    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert settings_row.edit_window_days == 14


def test_demo_meetings_are_realistic_idempotent_and_wuhou_is_fully_compliant():
    data = load_register()
    first = load_meetings()
    assert first["created"] > 1000 and first["branches"] == len(data["party_orgs"])
    assert load_meetings() == {"created": 0, "branches": 0}
    wuhou = PartyOrganization.objects.get(name=WUHOU_BRANCH)
    this_year = timezone.localdate().year
    for year in (2023, this_year):
        branch = compliance.branch_compliance(wuhou.pk, year)
        assert branch.gap_count == 0 and branch.due_count > 0, (year, [p.label for p in branch.gaps])
    summary = compliance.committee_summary(data["committee"].pk, 2023)
    assert summary.gap_count > 0 and summary.below_quorum > 0
    assert 0 < summary.compliant_count < summary.branch_count
    future_held = Meeting.objects.filter(status="held", starts_at__gt=timezone.now()).count()
    assert future_held == 0
    assert Meeting.objects.filter(starts_at__lt=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)).count() == 0
