"""Login throttling (django-axes): wrong passwords for one username from one address lock that
pair for a while, on /login/ and on the admin's login alike; the lockout page says until when;
the right password is refused while locked; a success resets the count; a superuser unlocks in
the admin. The address is core.clientip's, so behind the proxy each visitor counts alone."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

LIMIT = django_settings.AXES_FAILURE_LIMIT
LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def staff(committee):
    return factories.StaffUserFactory(committee=committee, username="staff", is_staff=True)


def attempt(client, password, url=LOGIN, username="staff"):
    return client.post(url, {"username": username, "password": password, "next": "/"})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, times, url=LOGIN, username="staff"):
    return [attempt(client, "wrong-password", url, username) for _ in range(times)]


def shown_until(response) -> str:
    match = re.search(r"登录已锁定至 (\d{4}-\d\d-\d\d \d\d:\d\d)", response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def expected_until(username="staff") -> str:
    last = max(a.attempt_time for a in AccessAttempt.objects.filter(username=username))
    return timezone.localtime(last + django_settings.AXES_COOLOFF_TIME).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_wrong_passwords_lock_the_user_at_this_address_until_a_stated_time(staff, url):
    client = Client(REMOTE_ADDR="198.51.100.7")
    before = fail(client, LIMIT - 1, url)
    assert [r.status_code for r in before] == [200] * (LIMIT - 1)  # the form again, with its error
    locked = attempt(client, "wrong-password", url)
    assert locked.status_code == 429
    assert shown_until(locked) == expected_until()
    assert "即使密码正确也无法登录" in locked.content.decode()

    right = attempt(client, factories.PASSWORD, url)
    assert right.status_code == 429 and not logged_in(client)
    assert shown_until(right) == expected_until()  # trying while locked does not extend the lock


def test_the_lock_is_for_the_pair_not_the_user_everywhere_or_the_address_for_everyone(staff, committee):
    factories.StaffUserFactory(committee=committee, username="colleague")
    fail(Client(REMOTE_ADDR="198.51.100.7"), LIMIT)
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    assert attempt(elsewhere, factories.PASSWORD).status_code == 302 and logged_in(elsewhere)
    colleague = Client(REMOTE_ADDR="198.51.100.7")
    assert attempt(colleague, factories.PASSWORD, username="colleague").status_code == 302


def test_a_successful_login_resets_the_count(staff):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, LIMIT - 1)
    assert attempt(client, factories.PASSWORD).status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.exists()
    client.post("/logout/")
    assert [r.status_code for r in fail(client, LIMIT - 1)] == [200] * (LIMIT - 1)


def test_the_lock_ends_after_the_cool_off(staff):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, LIMIT)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - django_settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert attempt(client, factories.PASSWORD).status_code == 302 and logged_in(client)


def test_a_superuser_unlocks_in_the_admin_and_it_is_audited(staff):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, LIMIT)
    assert attempt(client, factories.PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    changelist = reverse("admin:starfire_loginattempt_changelist")
    page = admin.get(changelist)
    assert (
        page.status_code == 200
        and "登录失败计数" in page.content.decode()
        and "staff" in page.content.decode()
    )
    row = AccessAttempt.objects.get(username="staff")
    response = admin.post(changelist, {"action": "unlock", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.before["username"] == "staff" and entry.before["failures"] == LIMIT

    assert attempt(client, factories.PASSWORD).status_code == 302 and logged_in(client)


def test_committee_staff_cannot_see_or_unlock_login_records(staff):
    fail(Client(REMOTE_ADDR="198.51.100.7"), LIMIT)
    client = Client()
    client.force_login(staff)
    changelist = reverse("admin:starfire_loginattempt_changelist")
    assert client.get(changelist).status_code == 403
    row = AccessAttempt.objects.get()
    assert client.post(changelist, {"action": "unlock", "_selected_action": [row.pk]}).status_code == 403
    assert AccessAttempt.objects.filter(pk=row.pk).exists()
    assert client.get(reverse("admin:starfire_loginfailure_changelist")).status_code == 403


def test_behind_the_proxy_the_lock_is_the_visitors(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    locked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    fail(locked, LIMIT)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.10"
    assert attempt(locked, factories.PASSWORD).status_code == 429
    # Another visitor through the same proxy is not locked out with them.
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert attempt(other, factories.PASSWORD).status_code == 302 and logged_in(other)
