"""core.outbox: side effects recorded with the action, published after the commit, delivered once."""

import datetime as dt

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox, tasks
from core.models import OutboxMessage
from starfire.celery import app

State = OutboxMessage.State
RUNS = []


@shared_task(name="tests.outbox.record")
def record(value, fail=False):
    RUNS.append(value)
    if fail:
        raise ValueError(f"cannot {value}")
    return value


@pytest.fixture(autouse=True)
def _fresh():
    RUNS.clear()
    outbox.note_broker_up()
    yield
    outbox.note_broker_up()


@pytest.fixture
def broker(monkeypatch):
    """A broker of our own making: `broker.up` decides whether a publish succeeds; what it took is
    in `broker.sent` (message id, options)."""

    class Broker:
        up = True
        sent = []
        attempts = 0

    def apply_async(args, **options):
        Broker.attempts += 1
        if not Broker.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        Broker.sent.append((args[0], options))

    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", apply_async)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    Broker.sent = []
    yield Broker
    app.conf.task_always_eager = eager


@pytest.mark.django_db
def test_a_rolled_back_action_leaves_no_message_and_runs_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.send(record, "lost")
        raise RuntimeError("the action failed")
    assert not OutboxMessage.objects.exists()
    assert RUNS == []


@pytest.mark.django_db
def test_without_a_broker_the_task_runs_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.send(record, "hello")
        assert RUNS == []  # not before the commit
    assert RUNS == ["hello"]
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (State.DONE, 1, "")


@pytest.mark.django_db
def test_a_message_delivered_twice_runs_its_task_once():
    message = OutboxMessage.objects.create(task=record.name, args=["once"], due_at=timezone.now())
    assert outbox.deliver(message.pk) == "done"
    assert outbox.deliver(message.pk) == "skipped"
    assert RUNS == ["once"]


@pytest.mark.django_db
def test_a_message_running_elsewhere_is_not_run_again():
    message = OutboxMessage.objects.create(
        task=record.name, args=["busy"], due_at=timezone.now(), state=State.RUNNING, started_at=timezone.now()
    )
    assert outbox.deliver(message.pk) == "skipped"
    assert RUNS == []


@pytest.mark.django_db
def test_a_failing_task_is_tried_later_and_given_up_after_the_last_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = OutboxMessage.objects.create(
        task=record.name, args=["x"], kwargs={"fail": True}, due_at=timezone.now()
    )
    before = timezone.now()
    assert outbox.deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert message.state == State.PENDING
    assert message.attempts == 1
    assert message.last_error == "ValueError: cannot x"
    assert message.due_at >= before + dt.timedelta(seconds=60)
    assert message.published_at is None  # the sweep publishes it when it is due
    assert outbox.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 2)
    assert outbox.counts() == {"waiting": 0, "failed": 1}


@pytest.mark.django_db
def test_a_broker_that_is_down_leaves_the_message_waiting_and_is_not_asked_again_at_once(
    broker, django_capture_on_commit_callbacks
):
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.send(record, "a")
        second = outbox.send(record, "b")
    assert broker.attempts == 1  # the second publish did not wait on a broker known to be down
    for message in (first, second):
        message.refresh_from_db()
        assert (message.state, message.published_at) == (State.PENDING, None)
    assert outbox.counts()["waiting"] == 2


@pytest.mark.django_db
def test_the_sweep_publishes_what_the_broker_did_not_take_once_it_is_back(broker):
    now = timezone.now()
    never = OutboxMessage.objects.create(
        task=record.name, args=["never"], due_at=now - dt.timedelta(minutes=1)
    )
    just_now = OutboxMessage.objects.create(
        task=record.name, args=["new"], due_at=now
    )  # its own publish may come
    lost = OutboxMessage.objects.create(
        task=record.name,
        args=["lost"],
        due_at=now - dt.timedelta(hours=1),
        published_at=now - dt.timedelta(hours=1),
    )
    on_its_way = OutboxMessage.objects.create(
        task=record.name, args=["queued"], due_at=now - dt.timedelta(minutes=1), published_at=now
    )
    dead_worker = OutboxMessage.objects.create(
        task=record.name,
        args=["crashed"],
        due_at=now - dt.timedelta(hours=2),
        state=State.RUNNING,
        started_at=now - dt.timedelta(hours=2),
    )
    done_long_ago = OutboxMessage.objects.create(
        task=record.name, due_at=now, state=State.DONE, done_at=now - dt.timedelta(days=30)
    )

    broker.up = False
    assert outbox.sweep(now=now) == 0
    broker.up = True
    assert outbox.sweep(now=now) == 3
    assert sorted(pk for pk, _options in broker.sent) == sorted([never.pk, lost.pk, dead_worker.pk])
    assert not OutboxMessage.objects.filter(pk=done_long_ago.pk).exists()
    assert OutboxMessage.objects.get(pk=just_now.pk).published_at is None
    assert OutboxMessage.objects.get(pk=on_its_way.pk).publishes == 0
    assert OutboxMessage.objects.get(pk=dead_worker.pk).state == State.PENDING
    assert RUNS == []  # published, not run: the worker runs them


@pytest.mark.django_db
def test_a_message_goes_to_the_queue_and_with_the_time_limit_of_its_task(broker, settings):
    def routes(table):
        app.conf.task_routes = table
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)  # the router keeps the table it was made with

    original = app.conf.task_routes
    routes({"tests.outbox.record": {"queue": "fast"}})
    record.time_limit = 30
    try:
        outbox.publish(OutboxMessage.objects.create(task=record.name, args=["q"], due_at=timezone.now()))
    finally:
        routes(original)  # the project's routing table, for the tests that follow
        record.time_limit = None
    ((_pk, options),) = broker.sent
    assert options["queue"] == "fast"
    assert options["time_limit"] == 30
    assert options["retry"] is False


@pytest.mark.django_db
def test_assigning_an_inspector_records_the_notice_in_the_same_transaction(
    committee, staff_user, inspector_user, party_organization, django_capture_on_commit_callbacks
):
    from notifications.models import Kind, Notification
    from ratings.workflow import onsite
    from tests.factories import CycleFactory, SubmissionFactory

    submission = SubmissionFactory(
        cycle=CycleFactory(committee=committee), party_organization=party_organization, status="accepted"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assignment = onsite.inspector_assign(submission=submission, inspector=inspector_user, by=staff_user)
    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.state) == (
        "ratings.tasks.notify_inspection_assigned",
        [assignment.pk],
        State.PENDING,
    )
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=inspector_user, kind=Kind.INSPECTION_ASSIGNED).count() == 1
