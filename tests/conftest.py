"""Shared fixtures: two committees, one user per role, logged-in clients."""

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _private_media_and_plain_static(settings, tmp_path):
    """Uploads go to a per-test directory, never into the checkout; templates render without a
    collected static manifest (a fresh clone has none)."""
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")},
    }
    settings.STORAGES = {
        "private": private,
        "default": private,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts, and leaves, in the default language (zh-hans): a request made in English
    activates English in the thread (LocaleMiddleware), and a later test in the same worker that
    calls a service directly must not inherit it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: per-address counters (objection limit, CAPTCHA
    threshold) and pages cached by one test (the public notice) must not reach the next, and primary
    keys repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committee(db):
    return factories.CommitteeFactory(name="四川省社会组织第二综合党委")


@pytest.fixture
def other_committee(db):
    return factories.CommitteeFactory(name="四川省社会组织第一综合党委")


@pytest.fixture
def staff_user(committee):
    return factories.StaffUserFactory(committee=committee, username="staff")


@pytest.fixture
def other_staff_user(other_committee):
    return factories.StaffUserFactory(committee=other_committee, username="other-staff")


@pytest.fixture
def party_organization(committee):
    """A 党支部 of `committee` covering one organisation, with three full members."""
    return factories.PartyOrganizationFactory(committee=committee, with_members=3)


@pytest.fixture
def secretary_user(party_organization):
    return factories.SecretaryUserFactory(party_organization=party_organization, username="secretary")


@pytest.fixture
def other_secretary_user(committee):
    """Secretary of another branch in the same committee."""
    po = factories.PartyOrganizationFactory(committee=committee)
    return factories.SecretaryUserFactory(party_organization=po, username="other-secretary")


@pytest.fixture
def inspector_user(committee):
    return factories.InspectorUserFactory(committee=committee, username="inspector")


@pytest.fixture
def login(client):
    """`login(user)` → the test client, logged in as `user` (None: anonymous)."""

    def _login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture
def staff_client(login, staff_user):
    return login(staff_user)


# Skip (or, with STARFIRE_REQUIRE_SERVICES=1, fail) tests marked postgres/redis/celery_worker/browser
# when their service is absent.
pytest_plugins = ["tests.service_markers", "tests.storage_backends"]


@pytest.fixture(autouse=True)
def _celery_eager_unless_real_worker(request):
    """Tasks run in-process in every test, also in the PostgreSQL stage where a broker is
    configured; only tests marked `celery_worker` send them to a real worker."""
    from starfire.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old
