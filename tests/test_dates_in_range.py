"""Dates outside their range are form errors, never 500s: a member who joined the party in the
future is refused in the admin while an old joining date is fine; a meeting outside 2000–2100 is
refused by the model whoever writes it (the meeting form on the site has its own test)."""

import datetime as dt

import pytest
from django.urls import reverse

from branches.models import Member
from meetings.models import Meeting
from tests import factories
from tests.test_audit import change_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def _post_change(admin_client, obj, **changes):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = change_post(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data)


def test_a_joining_date_in_the_future_is_refused_and_an_old_one_is_kept(admin_client):
    member = factories.MemberFactory()
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = _post_change(admin_client, member, joined_on=future)
    assert response.status_code == 200
    assert "joined_on" in response.context["adminform"].form.errors

    response = _post_change(admin_client, member, joined_on="1985-07-01")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.joined_on == dt.date(1985, 7, 1)
    assert Member.history.filter(id=member.pk, joined_on=dt.date(1985, 7, 1)).exists()


def test_the_meeting_model_refuses_the_range_whoever_writes(db):
    meeting = factories.MeetingFactory()
    meeting.starts_at = dt.datetime(1990, 5, 1, 9, tzinfo=dt.UTC)
    with pytest.raises(Exception, match="2000-01-01"):
        meeting.full_clean()
    assert Meeting.objects.filter(pk=meeting.pk).exists()
