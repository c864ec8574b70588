"""Health check for load balancers and the docker-compose health checks.

`/healthz` (liveness) answers 200 while the process and its database work, and says how the
broker is and how many outbox messages wait. A broker that is down does not make it fail: the
site keeps working, its side effects wait in the outbox (core.outbox) until the broker returns.
The broker check is short (BROKER_TIMEOUT) and remembered for BROKER_CHECK_CACHE_SECONDS in
each process, so a probe every few seconds never piles up connections or waits.

`/readyz` (readiness) asks, every time and with short timeouts, whether this process can do its
work now: the database, the cache and the broker. It answers 503 naming what failed, so a load
balancer sends requests elsewhere; it is not a reason to restart the process.

No login, no session, no details that would help an attacker: only the exception class of a
failure.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core import outbox

BROKER_CHECK_CACHE_SECONDS = 10

_broker_seen: dict = {}  # this process's last broker check: {"at": monotonic, "result": str}


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the type is enough to act on
        return f"error: {type(exc).__name__}"
    return "ok"


def _ask_broker() -> str:
    from starfire.celery import app

    timeout = getattr(settings, "BROKER_TIMEOUT", 1.0)
    try:
        with app.connection_for_write(connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    """ "ok", "error: …", or "" when there is no broker (tasks run in-process); cached briefly."""
    if not settings.CELERY_BROKER_URL:
        return ""
    now = time.monotonic()
    if _broker_seen and now - _broker_seen["at"] < BROKER_CHECK_CACHE_SECONDS:
        return _broker_seen["result"]
    result = _ask_broker()
    _broker_seen.update(at=now, result=result)
    return result


def forget_broker_status() -> None:
    _broker_seen.clear()


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _check_database()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = broker_status()
    healthy = checks["database"] == "ok"
    body = {"status": "ok" if healthy else "error", **checks}
    if healthy:
        body["outbox_waiting"] = outbox.counts()["waiting"]
    return JsonResponse(body, status=200 if healthy else 503)


def _check_cache() -> str:
    from django.core.cache import cache

    try:
        cache.set("starfire:readyz", "ok", timeout=30)
        if cache.get("starfire:readyz") != "ok":
            return "error: the cache did not keep a value"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


@never_cache
@require_safe
def readyz(request):
    checks = {"database": _check_database(), "cache": _check_cache()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _ask_broker()
        _broker_seen.update(at=time.monotonic(), result=checks["broker"])
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "error", **checks}, status=200 if ready else 503)
