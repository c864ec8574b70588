"""The access matrix of every URL the project serves (tests/access_matrix.py), walked from the URL
resolver: the table must name exactly the URLs that exist, and every URL must answer every role as
the table says — on GET, and on an empty POST where the table has one (a POST by someone who may
not use the page is refused before any form is read).

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
from tests.access_matrix import OUTSIDER_POST, URLS
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


def ask(client, method, url, query) -> str:
    """One request in a savepoint that is rolled back; the client keeps its cookies (a logout or
    a language switch changes nothing for the next request)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        try:
            response = client.get(url, query) if method == "get" else client.post(url, {})
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
    assert not wrong, f"{len(wrong)} answers differ for {role}:\n" + "\n".join(wrong)
