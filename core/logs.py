"""Structured logs: one JSON object per line, every line with the request (or task) id.

`settings.LOGGING` sends every logger (Django's, Celery's, Starfire's) through
`structlog.stdlib.ProcessorFormatter` with the processors below; LOG_FORMAT=plain prints the
same fields as readable text for a developer's console. The id comes from `core.requestid`:
set by `core.middleware.RequestIdMiddleware` for a request and, in a worker, from the task's
`request_id` header (starfire.celery), which the outbox keeps from the request that caused it.
"""

import time

import structlog

from . import requestid


def add_request_id(_logger, _method, event_dict):
    rid = requestid.get()
    if rid:
        event_dict.setdefault("request_id", rid)
    return event_dict


PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    add_request_id,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(fmt: str) -> dict:
    """A `LOGGING["formatters"]` entry: JSON lines, or plain text with LOG_FORMAT=plain."""
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "plain"
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": PRE_CHAIN,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    }


def configure() -> None:
    """structlog's own loggers (`structlog.get_logger()`) go through the standard library too."""
    structlog.configure(
        processors=[*PRE_CHAIN, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def log_request(request, response, started: float) -> None:
    """One line per request: what, who, how it ended and how long it took."""
    user = getattr(request, "user", None)
    structlog.get_logger("starfire.request").info(
        "request",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        user_id=user.pk if user is not None and user.is_authenticated else None,
    )
