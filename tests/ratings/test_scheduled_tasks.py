"""Every scheduled rating task is idempotent: a second run creates and sends nothing more."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Kind, Notification
from ratings import tasks
from ratings.models import Submission
from tests import factories


@pytest.fixture
def secretary(secretary_user):
    secretary_user.email = "secretary@example.org"
    secretary_user.save()
    return secretary_user


def _snapshot():
    return sorted(Notification.objects.values_list("recipient_id", "kind", "key"))


def test_deadline_reminder_is_sent_once_with_a_link(
    rating_submission, secretary, django_capture_on_commit_callbacks
):
    Submission.objects.filter(pk=rating_submission.pk).update(
        deadline_extended_to=timezone.now() + dt.timedelta(days=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_deadline_reminders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_deadline_reminders() == 0
    notice = Notification.objects.get(recipient=secretary, kind=Kind.DEADLINE_NEAR)
    assert "7天内截止" in notice.title
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["secretary@example.org"] and "自评将于7天内截止" in msg.subject
    assert f"/ratings/my/{rating_submission.pk}/" in msg.body


def test_overdue_report_goes_to_staff_once_a_day(rating_submission, staff_user):
    Submission.objects.filter(pk=rating_submission.pk).update(
        deadline_extended_to=timezone.now() - dt.timedelta(days=1)
    )
    assert tasks.report_overdue_submissions() == 1
    before = _snapshot()
    assert tasks.report_overdue_submissions() == 0
    assert _snapshot() == before
    assert Notification.objects.get(recipient=staff_user, kind=Kind.SUBMISSIONS_OVERDUE)


def test_weekly_digest_once_per_week(rating_submission, staff_user):
    assert tasks.send_weekly_digest() == 1
    before = _snapshot()
    assert tasks.send_weekly_digest() == 0
    assert _snapshot() == before


def test_finalisation_job_twice_changes_nothing_more(committee, staff_user):
    from ratings.models import Award, Cycle
    from ratings.outcomes.publication import cycle_publish
    from tests.ratings.conftest import make_results_cycle

    rc = make_results_cycle(committee, staff_user)
    start = timezone.localdate() - dt.timedelta(days=30)
    Cycle.objects.filter(pk=rc.cycle.pk).update(
        self_assessment_deadline=timezone.now() - dt.timedelta(days=40)
    )  # published as on its first day, after the self-assessment deadline
    cycle_publish(cycle=rc.cycle, by=staff_user, starts_on=start, today=start)
    first = tasks.finalize_due_results()
    assert first[rc.cycle.pk]["awards"] == Award.objects.filter(cycle=rc.cycle).count() > 0
    awards = sorted(Award.objects.values_list("certificate_no", flat=True))
    notices = _snapshot()
    assert tasks.finalize_due_results() == {}
    assert sorted(Award.objects.values_list("certificate_no", flat=True)) == awards
    assert _snapshot() == notices
    assert Cycle.objects.get(pk=rc.cycle.pk).status == Cycle.Status.FINAL


def test_rectification_reminders_once(committee, staff_user, secretary_user):
    from ratings.models import Rectification
    from tests.ratings.conftest import make_results_cycle

    rc = make_results_cycle(committee, staff_user)
    sub = rc.subs["four"]
    factories.SecretaryUserFactory(party_organization=sub.party_organization, username="sec-four")
    today = timezone.localdate()
    Rectification.objects.create(
        submission=sub,
        problem="台账缺失",
        requirement="补齐",
        created_by=staff_user,
        due_on=today + dt.timedelta(days=2),
    )
    Rectification.objects.create(
        submission=sub,
        problem="标识未上墙",
        requirement="上墙",
        created_by=staff_user,
        due_on=today - dt.timedelta(days=2),
    )
    # due soon and overdue to the secretary, overdue to staff
    assert tasks.send_rectification_reminders() == 3
    before = _snapshot()
    assert tasks.send_rectification_reminders() == 0
    assert _snapshot() == before
