"""Run tests marked `postgres`, `redis`, `celery_worker` or `browser` only where the service is there.

A test whose service is truly absent is skipped with the reason. With
STARFIRE_REQUIRE_SERVICES=1 (what `.ci/test` sets under CI) the same absence fails the test
instead, so a CI run can never pass by skipping what it was meant to check.

Loaded from tests/conftest.py through `pytest_plugins`.
"""

import functools
import os
import shutil
from pathlib import Path

import pytest

SERVICE_MARKERS = ("postgres", "redis", "celery_worker", "browser")


def services_required() -> bool:
    return os.environ.get("STARFIRE_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def chromium_executable() -> str | None:
    """Debian's `chromium` package (no Playwright browser download); STARFIRE_CHROMIUM overrides."""
    candidate = os.environ.get("STARFIRE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).is_file() and os.access(candidate, os.X_OK) else None


def _postgres_missing() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return (
            f"needs PostgreSQL, but this run's database is {connection.vendor} "
            "(set DATABASE_URL=postgres://…; `.ci/test` runs these in its PostgreSQL stage)"
        )
    return None


@functools.cache
def _redis_ping(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return f"needs Redis, but {url} does not answer ({type(exc).__name__}: {exc})"
    return None


def _redis_missing() -> str | None:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "needs Redis, but CELERY_BROKER_URL is not a redis:// URL (tasks run eagerly in this run)"
    return _redis_ping(url)


@functools.cache
def browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright: install the dev extras (pip install -e '.[dev]')"
    if chromium_executable() is None:
        return "needs Chromium: install Debian's `chromium` package (or set STARFIRE_CHROMIUM)"
    return None


_CHECKS = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "celery_worker": _redis_missing,
    "browser": browser_missing,
}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for name in SERVICE_MARKERS:
        if item.get_closest_marker(name) is None:
            continue
        reason = _CHECKS[name]()
        if reason is None:
            continue
        if services_required():
            pytest.fail(
                f"[{name}] {reason} — and STARFIRE_REQUIRE_SERVICES=1 forbids skipping", pytrace=False
            )
        pytest.skip(f"[{name}] {reason}")
