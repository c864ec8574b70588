"""/healthz: what the load balancer and the docker-compose health checks ask."""

import pytest
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from starfire import health


@pytest.mark.django_db
def test_it_answers_ok_without_login_when_the_database_answers(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "outbox_waiting": 0}
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


@pytest.fixture
def fresh_broker_check():
    health.forget_broker_status()
    yield
    health.forget_broker_status()


@pytest.mark.django_db
def test_a_broker_that_is_down_is_reported_but_the_site_stays_live(
    client, settings, monkeypatch, fresh_broker_check
):
    """With the outbox the site works without its broker: liveness says so, with what waits."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr(health, "_ask_broker", lambda: "error: OperationalError")
    OutboxMessage.objects.create(task="ratings.tasks.notify_cycle_opened", args=[1], due_at=timezone.now())
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "error: OperationalError",
        "outbox_waiting": 1,
    }


@pytest.mark.django_db
def test_the_broker_is_asked_once_per_interval_not_on_every_probe(
    client, settings, monkeypatch, fresh_broker_check
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    asked = []
    monkeypatch.setattr(health, "_ask_broker", lambda: asked.append(1) or "ok")
    for _ in range(3):
        assert client.get(reverse("healthz")).json()["broker"] == "ok"
    assert len(asked) == 1
    health.forget_broker_status()  # what the interval's end does
    client.get(reverse("healthz"))
    assert len(asked) == 2


@pytest.mark.django_db
def test_it_refuses_writes(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_the_staff_home_says_when_the_broker_is_down_and_how_much_waits(
    staff_client, settings, monkeypatch, fresh_broker_check
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    for pk in (1, 2):
        OutboxMessage.objects.create(
            task="ratings.tasks.notify_cycle_opened", args=[pk], due_at=timezone.now()
        )
    monkeypatch.setattr(health, "_ask_broker", lambda: "error: OperationalError")
    assert "消息队列暂时无法连接：2 项通知与后续处理已记下" in staff_client.get("/").content.decode()

    health.forget_broker_status()
    monkeypatch.setattr(health, "_ask_broker", lambda: "ok")
    assert "消息队列暂时无法连接" not in staff_client.get("/").content.decode()
