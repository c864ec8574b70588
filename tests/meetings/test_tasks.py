import datetime as dt

import pytest

from meetings.tasks import send_meeting_gap_reminders
from notifications.models import Kind, Notification
from tests import factories


@pytest.fixture
def branch_secretary(secretary_user):
    return secretary_user


def test_secretaries_are_reminded_once_of_meetings_missing_before_the_period_ends(
    branch_secretary, party_organization
):
    # 2024-03-27: March (支委会, 党小组会, 主题党日) and Q1 (支部党员大会, 党课) end within a week.
    factories.MeetingFactory(
        party_organization=party_organization,
        type_code="theme_day",
        starts_at=factories.beijing(2024, 3, 2, 9),
    )
    assert send_meeting_gap_reminders("2024-03-27") == 1
    notice = Notification.objects.get(recipient=branch_secretary, kind=Kind.MEETING_GAP)
    assert "支委会" in notice.body and "支部党员大会" in notice.body
    assert "主题党日" not in notice.body  # held this month
    assert send_meeting_gap_reminders("2024-03-27") == 0
    assert send_meeting_gap_reminders("2024-03-28") == 0  # same period end: same key
    assert Notification.objects.filter(kind=Kind.MEETING_GAP).count() == 1


def test_no_reminder_early_in_the_period(branch_secretary, party_organization):
    assert send_meeting_gap_reminders("2024-03-10") == 0
    assert not Notification.objects.exists()


def test_branch_founded_this_year_still_gets_reminders_for_open_periods(branch_secretary, party_organization):
    party_organization.founded_on = dt.date(2024, 1, 1)
    party_organization.save()
    assert send_meeting_gap_reminders("2024-01-28") == 1
