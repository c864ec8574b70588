"""The access matrix of every URL the project serves (tests/access_matrix.py), walked from the URL
resolver: the table must name exactly the URLs that exist, and every URL must answer every role as
the table says — on GET, on an empty POST where the table has one (a POST by someone who may
not use the page is refused before any form is read), and on a PUT with an empty body where the
table has one (the API's score writes). Every API route is asked once more with the role's personal
API token instead of the session, and must answer the same.

The world (tests/access_world.py) is built once per module and process; each request runs in a
savepoint that is rolled back.
"""

import copy
from functools import cache
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from branches import access
from tests.access_matrix import OUTSIDER_POST, OUTSIDER_PUT, URLS, WRITER_BAD_PUT
from tests.access_world import ROLES, build_world


def resolver_keys(resolver=None, prefix="", namespace=None) -> dict[str, str]:
    """Every URL pattern: its name (with namespace) or, unnamed, its route → its route."""
    resolver = resolver or get_resolver()
    keys = {}
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            keys.update(resolver_keys(pattern, route, ns))
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            keys[name or route] = route
    return keys


def test_the_matrix_names_exactly_the_urls_that_exist():
    served = resolver_keys()
    missing = sorted(set(served) - set(URLS))
    stale = sorted({key.split("#")[0] for key in URLS} - set(served))
    lines = []
    if missing:
        lines.append(
            "These URLs have no entry in tests/access_matrix.py. Add one per URL to URLS — what each "
            "role should get, per the access policy (columns: " + " ".join(ROLES) + "), e.g.\n"
            '    "ratings:my-page": Url(lambda w: {"pk": w.sub.pk}, get="L 403 200 404 403 403 403 403 403", '
            'post="L 403 R 404 403 403 403 403 403"),'
        )
        lines += [f"  missing: {name!r}  ({served[name]})" for name in missing]
    if stale:
        lines.append("These entries of tests/access_matrix.py name no URL any more; remove them:")
        lines += [f"  stale: {name!r}" for name in stale]
    assert not lines, "\n".join(lines)


def test_outsiders_posts_are_refused_in_the_table():
    """The table itself keeps the rule: whoever may not GET a page gets no form on POST."""
    wrong = []
    for name, url in URLS.items():
        if url.post is None:
            continue
        for role, get, post in zip(ROLES, url.get_codes, url.post_codes, strict=True):
            if get in ("L", "403", "404") and post not in OUTSIDER_POST:
                wrong.append(f"{name} {role}: GET {get} but POST {post}")
    assert not wrong, "\n".join(wrong)


def test_puts_are_refused_or_rejected_in_the_table():
    """Whoever may not read a score may not write it (401, 403, 404); whoever may gets the empty
    body refused (400, 409, 428): never a write, never a 500."""
    wrong = []
    for name, url in URLS.items():
        if url.put is None:
            continue
        for role, get, put in zip(ROLES, url.get_codes, url.put_codes, strict=True):
            allowed = WRITER_BAD_PUT if get == "200" else OUTSIDER_PUT
            if put not in allowed:
                wrong.append(f"{name} {role}: GET {get} but PUT {put} (expected one of {sorted(allowed)})")
    assert not wrong, "\n".join(wrong)


def test_token_differences_are_for_api_routes_only():
    wrong = [name for name, url in URLS.items() if url.token and not name.startswith("api:")]
    assert not wrong, f"`token` answers on routes that are not the API's: {wrong}"


# --- the requests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from starfire.celery import app

    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("private"))},
    }
    storages = {
        "private": private,
        "default": private,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    eager = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        with (
            override_settings(
                STORAGES=storages, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager


@pytest.fixture(autouse=True)
def _private_media_and_plain_static():
    """The module's world keeps its files for all its tests (see `world`), not one folder per test."""


@cache
def login_paths() -> frozenset[str]:
    return frozenset({reverse("login"), reverse("admin:login")})


def answer(response, back_to: str | None = None) -> str:
    """The table's word for a response: its status code, L for a redirect to a login page, R for
    any other redirect. A login redirect that should come back to `back_to` and does not is
    reported as such."""
    if response.status_code in (301, 302):
        location = urlsplit(response["Location"])
        if location.path not in login_paths():
            return "R"
        back = [urlsplit(n).path for n in parse_qs(location.query).get("next", [])]
        if back_to is not None and back != [back_to]:
            return f"L (next={back}, not {back_to})"
        return "L"
    return str(response.status_code)


def ask(client, method, url, query, headers=None) -> str:
    """One request in a savepoint that is rolled back; the client keeps its cookies (a logout or
    a language switch changes nothing for the next request). A PUT has an empty JSON body."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        try:
            if method == "get":
                response = client.get(url, query, headers=headers)
            elif method == "post":
                response = client.post(url, {}, headers=headers)
            else:
                response = client.put(url, "", content_type="application/json", headers=headers)
        except Exception as exc:  # a 500: reported as such, the other answers still checked
            return f"500 ({type(exc).__name__}: {exc})"
        finally:
            transaction.set_rollback(True)
            client.cookies = cookies
    return answer(response, back_to=url if method == "get" else None)


def client_for(world, role) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    if role == "superuser":
        session = client.session
        session[access.SESSION_KEY] = world.committee.pk
        session.save()
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_the_role_as_the_table_says(world, role):
    column = ROLES.index(role)
    client = client_for(world, role)
    wrong = []
    for name, url in sorted(URLS.items()):
        path = url.path(name, world)
        got = ask(client, "get", path, url.query(world))
        if got != url.get_codes[column]:
            wrong.append(f"GET  {name} ({path}): expected {url.get_codes[column]}, got {got}")
        if url.post is not None:
            got = ask(client, "post", path, None)
            if got != url.post_codes[column]:
                wrong.append(f"POST {name} ({path}): expected {url.post_codes[column]}, got {got}")
        if url.put is not None:
            got = ask(client, "put", path, None)
            if got != url.put_codes[column]:
                wrong.append(f"PUT  {name} ({path}): expected {url.put_codes[column]}, got {got}")
    assert not wrong, f"{len(wrong)} answers differ for {role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_every_api_route_answers_the_roles_token_as_its_session(world, role):
    """The same requests with `Authorization: Bearer <the role's personal token>` and no session:
    a token acts as its user, no more, no less."""
    from api.tokens import token_create

    column = ROLES.index(role)
    _token, key = token_create(user=world.users[role], name="访问矩阵")
    client, headers = Client(), {"Authorization": f"Bearer {key}"}
    wrong, asked = [], 0
    for name, url in sorted(URLS.items()):
        if not name.startswith("api:"):
            continue
        path = url.path(name, world)
        for method in url.methods():
            got = ask(client, method, path, url.query(world) if method == "get" else None, headers)
            asked += 1
            expected = url.token_codes(method)[column]
            if got != expected:
                wrong.append(f"{method.upper():4} {name} ({path}): expected {expected}, got {got}")
    assert asked > 40  # every API route, not none
    assert not wrong, f"{len(wrong)} token answers differ for {role}:\n" + "\n".join(wrong)
