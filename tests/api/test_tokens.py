"""Personal API tokens: stored as a hash, shown once, expiring, revocable, throttled, and never
seeing more than their user does in the pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import tokens
from api.models import ApiToken
from branches import selectors
from branches.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_only_a_hash_of_the_key_is_stored(secretary_user):
    token, key = tokens.token_create(user=secretary_user, name="离线应用")
    row = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("sf_") and len(key) > 40
    assert key not in {row.key_hash, row.prefix, row.name}
    assert row.key_hash == tokens.key_hash(key)
    assert key.startswith(row.prefix)
    assert AuditEntry.objects.filter(action="api_token.create", target_id=str(token.pk)).exists()


def test_a_token_acts_as_its_user_and_records_its_use(secretary_user):
    token, key = tokens.token_create(user=secretary_user, name="t")
    response = bearer(key).get("/api/v1/party-organizations/")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [secretary_user.party_organization_id]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("scheme", ["Token", "bearer"])
def test_the_token_scheme_is_accepted_too(secretary_user, scheme):
    _token, key = tokens.token_create(user=secretary_user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert client.get("/api/v1/committees/").status_code == 200


@pytest.mark.parametrize("header", ["Bearer sf_wrong", "Bearer", "Bearer a b", "Bearer \u00e9\u00e9"])
def test_a_wrong_key_is_401_as_json(secretary_user, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = client.get("/api/v1/committees/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] in ("authentication_failed", "not_authenticated")


def test_an_expired_token_is_refused(secretary_user):
    token, key = tokens.token_create(user=secretary_user, name="t", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(key).get("/api/v1/committees/").status_code == 401


def test_a_revoked_token_is_refused_at_once(secretary_user):
    token, key = tokens.token_create(user=secretary_user, name="t")
    client = bearer(key)
    assert client.get("/api/v1/committees/").status_code == 200
    tokens.token_revoke(token=token, by=secretary_user)
    assert client.get("/api/v1/committees/").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke", target_id=str(token.pk)).exists()


def test_the_token_of_an_inactive_user_is_refused(secretary_user):
    _token, key = tokens.token_create(user=secretary_user, name="t")
    secretary_user.is_active = False
    secretary_user.save()
    assert bearer(key).get("/api/v1/committees/").status_code == 401


def test_only_the_owner_revokes(secretary_user, other_secretary_user):
    token, _key = tokens.token_create(user=secretary_user, name="t")
    with pytest.raises(tokens.PermissionDenied):
        tokens.token_revoke(token=token, by=other_secretary_user)


@pytest.mark.parametrize(("name", "days"), [("", 10), ("x" * 101, 10), ("t", 0), ("t", 10_000)])
def test_a_token_needs_a_name_and_a_sensible_expiry(secretary_user, name, days):
    with pytest.raises(tokens.ValidationError):
        tokens.token_create(user=secretary_user, name=name, days=days)
    assert not ApiToken.objects.exists()


def test_requests_are_throttled_per_token(secretary_user, monkeypatch):
    from api.throttling import PerTokenThrottle

    monkeypatch.setattr(PerTokenThrottle, "rate", "3/minute", raising=False)
    _t, first = tokens.token_create(user=secretary_user, name="a")
    _t, second = tokens.token_create(user=secretary_user, name="b")
    answers = [bearer(first).get("/api/v1/committees/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert bearer(second).get("/api/v1/committees/").status_code == 200  # its own budget


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/api/v1/organizations/", selectors.organizations_visible_to),
        ("/api/v1/party-organizations/", selectors.party_organizations_visible_to),
        ("/api/v1/members/", selectors.members_visible_to),
        ("/api/v1/instructors/", selectors.instructors_visible_to),
    ],
)
def test_a_token_sees_exactly_what_its_user_sees(
    committee, other_committee, staff_user, secretary_user, path, selector
):
    for c in (committee, other_committee):
        for _ in range(2):
            po = factories.PartyOrganizationFactory(committee=c, with_members=2)
            factories.InstructorFactory(committee=c, organizations=list(po.organizations.all()))
    for user in (staff_user, secretary_user):
        _t, key = tokens.token_create(user=user, name="t")
        got = {r["id"] for r in bearer(key).get(path, {"page_size": 200}).json()["results"]}
        assert got == set(selector(user).values_list("pk", flat=True))


# --- the account page ---------------------------------------------------------------------------


def test_the_account_page_makes_a_token_and_shows_its_key_once(login, secretary_user):
    client = login(secretary_user)
    response = client.post(reverse("account:profile"), {"name": "离线验收", "days": 30}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=secretary_user)
    key = response.context["new"]["key"]
    assert tokens.key_hash(key) == token.key_hash
    assert key in response.content.decode()
    again = client.get(reverse("account:profile"))
    assert key not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_the_account_page_refuses_a_bad_form_with_its_messages(login, secretary_user):
    response = login(secretary_user).post(reverse("account:profile"), {"name": "", "days": 0})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "days"}
    assert not ApiToken.objects.exists()


def test_the_account_page_revokes_only_the_own_tokens(login, secretary_user, other_secretary_user):
    token, _key = tokens.token_create(user=secretary_user, name="t")
    url = reverse("account:token-revoke", args=[token.pk])
    assert login(other_secretary_user).post(url).status_code == 404
    assert login(secretary_user).post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
