"""The id of the request (or of the task) being handled, for the logs and the tasks it queues.

Set by `core.middleware.RequestIdMiddleware` for a request and by the Celery signals in
`starfire.celery` for a task; read by the log formatter and by `core.outbox.send`, which keeps
it on the outbox row so that the task logs the id of the request that caused it, however late
it runs.
"""

import contextvars
import re
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def get() -> str:
    return _current.get()


def set(value: str) -> contextvars.Token:  # noqa: A001 — the module is the namespace
    return _current.set(value)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def new() -> str:
    return uuid.uuid4().hex


def acceptable(value: str | None) -> str | None:
    """An id sent by the proxy, if it is short and plain (it ends up in every log line)."""
    return value if value and _ACCEPTABLE.match(value) else None
