"""Notices and their e-mails are written in the language the reader last chose for the interface
(Chinese until they choose another)."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Kind, Notification
from notifications.services import notify
from tests import factories

pytestmark = pytest.mark.django_db


def test_choosing_a_language_keeps_it_on_the_account(staff_client, staff_user):
    assert staff_user.language == ""
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    staff_user.refresh_from_db()
    assert staff_user.language == "en"
    staff_client.post(reverse("set_language"), {"language": "klingon", "next": "/"})  # not offered
    staff_user.refresh_from_db()
    assert staff_user.language == "en"


def test_the_anonymous_switch_still_works(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


def test_each_reader_gets_the_notice_in_their_own_language(committee, django_capture_on_commit_callbacks):
    from django.utils.translation import gettext as _

    chinese = factories.StaffUserFactory(committee=committee, email="zh@example.org")
    english = factories.StaffUserFactory(committee=committee, email="en@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[chinese, english],
            kind=Kind.TALLY_READY,
            key="language-test",
            title=lambda: _("%(year)s年度星级统计已更新") % {"year": 2025},
            body=lambda: _("申报进度：\n"),
        )
    titles = dict(Notification.objects.values_list("recipient__email", "title"))
    assert titles["zh@example.org"] == "2025年度星级统计已更新"
    assert titles["en@example.org"] != titles["zh@example.org"] and "2025" in titles["en@example.org"]
    assert all(ord(ch) < 0x2E80 for ch in titles["en@example.org"]), titles["en@example.org"]

    # the e-mails went out after the commit (the outbox, tasks in-process)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["zh@example.org"].startswith("【星火评星】")
    assert not subjects["en@example.org"].startswith("【星火评星】")
    assert titles["en@example.org"] in subjects["en@example.org"]


def test_logging_in_opens_the_interface_in_the_language_last_chosen(client, committee):
    from django.conf import settings

    english = factories.StaffUserFactory(committee=committee, language="en")
    response = client.post(reverse("login"), {"username": english.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'lang="en"' in client.get(reverse("home")).content.decode()


def test_without_a_choice_logging_in_leaves_the_language_alone(client, committee):
    from django.conf import settings

    chinese = factories.StaffUserFactory(committee=committee)
    response = client.post(reverse("login"), {"username": chinese.username, "password": factories.PASSWORD})
    assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert 'lang="zh-hans"' in client.get(reverse("home")).content.decode()
