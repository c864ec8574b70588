"""/healthz: what the load balancer and the docker-compose health checks ask."""

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from starfire import health


@pytest.mark.django_db
def test_it_answers_ok_without_login_when_the_database_answers(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_naming_the_database_when_it_fails(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""

    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: BrokenCursor())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error: OperationalError"}


@pytest.mark.django_db
def test_it_checks_the_broker_when_one_is_configured(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr(health, "_check_broker", lambda: "error: OperationalError")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error: OperationalError"}


@pytest.mark.django_db
def test_it_refuses_writes(client):
    assert client.post(reverse("healthz")).status_code == 405
