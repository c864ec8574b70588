"""Side effects that must not be lost, even when the broker is away: the transactional outbox.

A service that wants a task to run after its action (a notice, an e-mail, a recomputation)
calls `send(task, *args)` inside the action's transaction. That writes an `OutboxMessage` row
with the action's rows — both are saved or neither — and, once the transaction commits, hands
the message to the broker (`publish`). The request never waits on an unreachable broker for
long: the publish is not retried, the broker's connect and socket timeouts are short
(`BROKER_TIMEOUT`, settings), and after one failure this process does not try again for
`BROKER_BACKOFF_SECONDS` (the rows wait in the table meanwhile).

What the broker did not take is taken again by the sweep (`core.tasks.sweep_outbox`, every
`OUTBOX_SWEEP_SECONDS` by beat): it publishes the rows that were never published, the rows
published more than `OUTBOX_REPUBLISH_SECONDS` ago that have still not run (a message lost by a
broker that restarted), and the rows whose worker died while running them.

The broker carries only the row's id, to `core.tasks.deliver_outbox`, on the queue and with the
time limits the target task would have had. `deliver` claims the row with a conditional UPDATE
(pending → running), so a message delivered twice runs its task once; a task that raises is
tried again later with a growing delay, at most `OUTBOX_MAX_ATTEMPTS` times. The target tasks
are idempotent too (notices carry event keys), so a run interrupted half-way may safely run
again.

With no broker (the embedded default) the message runs in-process right after the commit, as
tasks always have there.
"""

import datetime as dt
import logging
import time

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import requestid
from .models import OutboxMessage

log = logging.getLogger(__name__)
State = OutboxMessage.State


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- sending ------------------------------------------------------------------------------------


def send(task, *args, countdown: float = 0, **kwargs) -> OutboxMessage:
    """Record that `task(*args, **kwargs)` must run once the current transaction commits (not
    before `countdown` seconds), and publish it then. Arguments must be JSON: ids, not objects."""
    message = OutboxMessage.objects.create(
        task=task.name,
        args=list(args),
        kwargs=kwargs,
        due_at=timezone.now() + dt.timedelta(seconds=countdown),
        request_id=requestid.get()[:64],
    )
    transaction.on_commit(lambda: publish(message), robust=True)
    return message


_broker_down_until = 0.0  # this process's memory of a failed publish (monotonic clock)


def broker_backing_off() -> bool:
    """A publish failed in this process less than BROKER_BACKOFF_SECONDS ago."""
    return time.monotonic() < _broker_down_until


def note_broker_down() -> None:
    global _broker_down_until
    _broker_down_until = time.monotonic() + _setting("BROKER_BACKOFF_SECONDS", 10)


def note_broker_up() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def route_options(task_name: str, args=(), kwargs=None) -> dict:
    """The queue and time limits the target task would be sent with (task_routes, its own options)."""
    task = current_app.tasks.get(task_name)
    if task is None:
        return {}
    options = {name: getattr(task, name) for name in ("queue", "priority") if getattr(task, name, None)}
    routed = current_app.amqp.router.route(options, task_name, args, kwargs or {}, task)
    result = {}
    queue = routed.get("queue")
    if queue is not None:
        result["queue"] = getattr(queue, "name", queue)
    for name in ("time_limit", "soft_time_limit"):
        if getattr(task, name, None):
            result[name] = getattr(task, name)
    return result


def publish(message: OutboxMessage) -> bool:
    """Hand one message to the broker, once, without waiting on a broker that is away.

    False: not published now (the broker is down or was moments ago); the sweep will."""
    from .tasks import deliver_outbox

    if not current_app.conf.task_always_eager and broker_backing_off():
        return False
    countdown = (message.due_at - timezone.now()).total_seconds()
    try:
        deliver_outbox.apply_async(
            (message.pk,),
            countdown=countdown if countdown > 0 else None,
            retry=False,
            headers={"request_id": message.request_id},
            **route_options(message.task, message.args, message.kwargs),
        )
    except Exception as exc:  # any broker failure: the row waits for the sweep
        note_broker_down()
        log.warning(
            "outbox message %s (%s) not published: %s: %s", message.pk, message.task, type(exc).__name__, exc
        )
        return False
    note_broker_up()
    OutboxMessage.objects.filter(pk=message.pk, state=State.PENDING).update(
        published_at=timezone.now(), publishes=F("publishes") + 1
    )
    return True


# --- delivering ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta:
    """After the Nth failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def deliver(message_id: int) -> str:
    """Run the message's task if no one else has: "done", "failed", "retry" or "skipped"."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, state=State.PENDING).update(
        state=State.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"  # already delivered, or running elsewhere
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        current_app.tasks[message.task](*message.args, **message.kwargs)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 6):
            OutboxMessage.objects.filter(pk=message_id).update(
                state=State.FAILED, done_at=timezone.now(), last_error=error
            )
            log.error("outbox message %s (%s) failed for good: %s", message_id, message.task, error)
            return "failed"
        OutboxMessage.objects.filter(pk=message_id).update(
            state=State.PENDING,
            due_at=timezone.now() + retry_delay(message.attempts),
            published_at=None,
            last_error=error,
        )
        log.warning("outbox message %s (%s) failed, will be tried again: %s", message_id, message.task, error)
        return "retry"
    OutboxMessage.objects.filter(pk=message_id).update(
        state=State.DONE, done_at=timezone.now(), last_error=""
    )
    log.info("outbox message %s delivered", message_id, extra={"task": message.task})
    return "done"


# --- the sweep ----------------------------------------------------------------------------------


def sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Publish what the broker did not take (see the module's docstring); returns how many."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=_setting("OUTBOX_LEASE_SECONDS", 3600))
    OutboxMessage.objects.filter(state=State.RUNNING, started_at__lt=now - lease).update(
        state=State.PENDING, published_at=None, last_error="its worker stopped while running it"
    )
    grace = dt.timedelta(seconds=_setting("OUTBOX_GRACE_SECONDS", 10))
    again = dt.timedelta(seconds=_setting("OUTBOX_REPUBLISH_SECONDS", 300))
    due = Q(published_at__isnull=True, due_at__lte=now - grace) | Q(
        published_at__lt=now - again, due_at__lt=now - again
    )
    note_broker_up()  # the sweep always tries once, whatever this process saw before
    published = 0
    with transaction.atomic():
        # Two sweeps at once (two beats by mistake) publish disjoint rows.
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due, state=State.PENDING)
            .order_by("due_at")[:limit]
        )
        for message in rows:
            if not publish(message):
                break  # the broker is still down: the rest wait for the next sweep
            published += 1
    purge_before = now - dt.timedelta(days=_setting("OUTBOX_KEEP_DAYS", 7))
    OutboxMessage.objects.filter(state=State.DONE, done_at__lt=purge_before).delete()
    return published


# --- what waits ---------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    """How many messages wait (pending or running) and how many failed for good."""
    by_state = dict(
        OutboxMessage.objects.filter(state__in=[State.PENDING, State.RUNNING, State.FAILED])
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {
        "waiting": by_state.get(State.PENDING, 0) + by_state.get(State.RUNNING, 0),
        "failed": by_state.get(State.FAILED, 0),
    }
