import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import EmailPreference, Kind, Notification
from notifications.services import notify
from notifications.tasks import send_notification_email
from tests import factories


@pytest.fixture
def secretary(secretary_user):
    secretary_user.email = "sec@example.org"
    secretary_user.save()
    return secretary_user


def _notify(user, key="event:1", kind=Kind.SUBMISSION_RETURNED):
    return notify(
        recipients=[user],
        kind=kind,
        key=key,
        title="申报被退回",
        body="请修改 1.1 后重新提交。",
        url="/ratings/",
    )


@pytest.mark.django_db(transaction=True)
def test_one_notice_and_one_email_per_recipient_and_event(secretary):
    first = _notify(secretary)
    again = _notify(secretary)
    assert len(first) == 1 and again == []
    assert Notification.objects.filter(recipient=secretary).count() == 1
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["sec@example.org"]
    assert msg.subject == "【星火评星】申报被退回"
    assert "http://127.0.0.1:8000/ratings/" in msg.body
    html = (
        msg.alternatives[0][0] if hasattr(msg.alternatives[0], "__getitem__") else msg.alternatives[0].content
    )
    assert 'href="http://127.0.0.1:8000/ratings/"' in html
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_running_the_send_task_twice_sends_once(secretary):
    n = _notify(secretary)[0]
    assert send_notification_email(n.pk) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_email_preference_off_keeps_the_inbox_notice_but_sends_no_email(secretary):
    EmailPreference.objects.create(user=secretary, kind=Kind.SUBMISSION_RETURNED, send_email=False)
    _notify(secretary)
    assert Notification.objects.filter(recipient=secretary).count() == 1
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_transient_smtp_failure_is_recorded_and_raised_for_retry(secretary, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def boom(self, *a, **k):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", boom)
    n = Notification.objects.create(
        recipient=secretary, kind=Kind.AWARD, key="k", title="t", body="b", email_wanted=True
    )
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_notification_email.run(n.pk)
    n.refresh_from_db()
    assert n.emailed_at is None
    assert n.email_attempts == 1
    assert "connection lost" in n.email_error


@pytest.mark.django_db(transaction=True)
def test_a_permanent_failure_is_recorded_without_retry(secretary, monkeypatch):
    def bad(self, *a, **k):
        raise ValueError("bad address")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", bad)
    n = Notification.objects.create(
        recipient=secretary, kind=Kind.AWARD, key="k2", title="t", body="b", email_wanted=True
    )
    assert send_notification_email.run(n.pk) == "failed"
    n.refresh_from_db()
    assert "bad address" in n.email_error and n.emailed_at is None


@pytest.mark.django_db
def test_inactive_users_and_duplicates_in_the_recipient_list_are_skipped(committee):
    a = factories.StaffUserFactory(committee=committee)
    b = factories.StaffUserFactory(committee=committee, is_active=False)
    created = notify(recipients=[a, a, b], kind=Kind.WEEKLY_DIGEST, key="digest:1", title="t", body="b")
    assert [n.recipient for n in created] == [a]


@pytest.mark.django_db
def test_inbox_requires_login(client):
    r = client.get(reverse("notifications:inbox"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


@pytest.mark.django_db
def test_inbox_shows_only_own_notices_and_the_unread_count(login, secretary, staff_user):
    _notify(secretary, key="mine")
    notify(recipients=[staff_user], kind=Kind.WEEKLY_DIGEST, key="theirs", title="每周摘要", body="x")
    c = login(secretary)
    r = c.get(reverse("notifications:inbox"))
    body = r.content.decode()
    assert "申报被退回" in body and "每周摘要" not in body
    assert 'id="unread-count">1<' in body


@pytest.mark.django_db
def test_showing_a_notice_does_not_mark_it_read(login, secretary):
    n = _notify(secretary)[0]
    r = login(secretary).get(reverse("notifications:open", args=[n.pk]))
    assert r.status_code == 200 and "申报被退回" in r.content.decode()
    assert reverse("notifications:read", args=[n.pk]) in r.content.decode()
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.django_db
def test_marking_a_notice_read_is_post_only_and_goes_to_its_object(login, secretary, staff_user):
    n = _notify(secretary)[0]
    url = reverse("notifications:read", args=[n.pk])
    assert login(secretary).get(url).status_code == 405
    assert login(staff_user).post(url).status_code == 404
    r = login(secretary).post(url)
    assert r.status_code == 302 and r["Location"] == "/ratings/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.django_db
def test_another_users_notice_is_404(login, secretary, staff_user):
    n = _notify(secretary)[0]
    r = login(staff_user).get(reverse("notifications:open", args=[n.pk]))
    assert r.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.django_db
def test_mark_all_read_is_post_only_and_touches_only_own(login, secretary, staff_user):
    _notify(secretary, key="a")
    notify(recipients=[staff_user], kind=Kind.WEEKLY_DIGEST, key="b", title="t", body="b")
    c = login(secretary)
    assert c.get(reverse("notifications:mark-all-read")).status_code == 405
    c.post(reverse("notifications:mark-all-read"))
    assert not Notification.objects.filter(recipient=secretary, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=staff_user, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_email_preferences_list_the_kinds_of_the_role_and_save(login, secretary):
    c = login(secretary)
    r = c.get(reverse("notifications:preferences"))
    body = r.content.decode()
    assert "申报被退回" in body and "年度星级统计已完成" not in body
    c.post(reverse("notifications:preferences"), {"kind_cycle_opened": "on"})
    prefs = dict(EmailPreference.objects.filter(user=secretary).values_list("kind", "send_email"))
    assert prefs[Kind.CYCLE_OPENED] is True and prefs[Kind.SUBMISSION_RETURNED] is False
