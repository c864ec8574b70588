"""Watching Starfire in operation: request ids in JSON logs and tasks, /metrics for configured
addresses only, readiness apart from liveness, error reports only with a DSN."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest
import structlog
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from branches.tasks import coverage_figures
from core import logs, outbox, requestid
from core.models import OutboxMessage
from notifications.models import Notification
from notifications.tasks import send_notification_email
from tests import factories


def _metric(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == wanted:
            return float(m.group(3))
    return None


# --- request ids -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_of_its_own(client):
    first = client.get(reverse("healthz"))["X-Request-ID"]
    second = client.get(reverse("healthz"))["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_the_proxys_request_id_is_taken_only_behind_trusted_proxies(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert (
        client.get(reverse("healthz"), HTTP_X_REQUEST_ID="from-a-visitor")["X-Request-ID"] != "from-a-visitor"
    )
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get(reverse("healthz"), HTTP_X_REQUEST_ID="nginx-42ab")["X-Request-ID"] == "nginx-42ab"
    odd = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="a b\n{}")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", odd)


@pytest.mark.django_db
def test_a_request_id_is_kept_on_the_outbox_message_and_sent_as_a_task_header(monkeypatch):
    from core import tasks
    from starfire.celery import app

    sent = []
    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", lambda args, **options: sent.append(options))
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        token = requestid.set("req-123")
        message = outbox.send(coverage_figures, 1)
        requestid.reset(token)
        token = requestid.set("sweep-9")  # later, from the sweep: the id stays the request's
        outbox.publish(message)
        requestid.reset(token)
    finally:
        app.conf.task_always_eager = eager
    assert message.request_id == "req-123"
    assert sent[0]["headers"] == {"request_id": "req-123"}


def test_log_lines_are_json_with_the_request_id():
    formatter = structlog.stdlib.ProcessorFormatter(
        **{k: v for k, v in logs.formatter("json").items() if k != "()"}
    )
    record = logging.LogRecord("starfire.test", logging.WARNING, __file__, 1, "assigned %s", ("王某",), None)
    token = requestid.set("req-9")
    try:
        line = formatter.format(record)
    finally:
        requestid.reset(token)
    data = json.loads(line)
    assert data["event"] == "assigned 王某"
    assert (data["level"], data["logger"], data["request_id"]) == ("warning", "starfire.test", "req-9")
    assert data["timestamp"].endswith("Z")


# --- /metrics --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_refused_to_every_address_not_configured(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    assert client.get(reverse("metrics")).status_code == 404
    settings.METRICS_ALLOWED_IPS = ["10.8.0.0/16"]
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.9.0.1").status_code == 404
    # Behind one proxy the client is the proxy's X-Forwarded-For entry, not the proxy itself.
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("metrics"), REMOTE_ADDR="10.8.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 404


@pytest.mark.django_db
def test_metrics_report_the_domain_to_a_configured_address(client, settings, committee, party_organization):
    settings.METRICS_ALLOWED_IPS = ["10.8.0.0/16"]
    cycle = factories.CycleFactory(committee=committee, status="open")
    factories.SubmissionFactory(cycle=cycle, party_organization=party_organization)
    OutboxMessage.objects.create(task="x", due_at=timezone.now())
    coverage_figures.delay(committee.pk)  # in-process here; a worker counts the same way
    user = factories.SecretaryUserFactory(party_organization=party_organization, email="s@example.org")
    notice = Notification.objects.create(
        recipient=user, kind="meeting_gap", key="k1", title="t", body="b", email_wanted=True
    )
    assert send_notification_email(notice.pk) == "sent"

    response = client.get(reverse("metrics"), REMOTE_ADDR="10.8.3.4")
    assert response.status_code == 200
    text = response.content.decode()
    assert _metric(text, "starfire_submissions", committee=committee.pk, status="draft") == 1
    assert _metric(text, "starfire_outbox_messages", state="pending") == 1
    assert _metric(text, "starfire_outbox_messages", state="failed") == 0
    assert (
        _metric(text, "starfire_tasks_total", task="branches.tasks.coverage_figures", result="succeeded") == 1
    )
    assert _metric(text, "starfire_tasks_total", task="branches.tasks.coverage_figures", result="failed") == 0
    assert _metric(text, "starfire_emails_total", result="sent") == 1
    assert "django_http_requests_total_by_method_total" in text  # django-prometheus's own


# --- readiness -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readiness_checks_database_and_cache(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("readyz"))
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok", "cache": "ok"})


@pytest.mark.django_db
def test_readiness_fails_when_the_cache_does_not_answer(client, settings, monkeypatch):
    from django.core.cache import cache

    settings.CELERY_BROKER_URL = ""

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", down)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "error: ConnectionError"
    assert client.get(reverse("healthz")).status_code == 200  # alive all the same


# --- error reports ---------------------------------------------------------------------------

PROBE = (
    "import sys, django; django.setup(); "
    "print('loaded' if 'sentry_sdk' in sys.modules else 'absent'); "
    "import sentry_sdk; print('active' if sentry_sdk.get_client().is_active() else 'inactive')"
)


def _probe(**extra) -> list[str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="starfire.settings", DATABASE_URL="sqlite:///:memory:", **extra)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_error_reporting_is_not_even_loaded_without_a_dsn():
    assert _probe() == ["absent", "inactive"]


def test_error_reporting_starts_with_a_dsn_from_the_environment():
    assert _probe(SENTRY_DSN="https://public@127.0.0.1:8599/1") == ["loaded", "active"]
