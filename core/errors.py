"""One way to say an error: run a service from a view and show what it refused.

Services raise `ValidationError` (bad input, a refused transition) or `PermissionDenied` (the
access policy said no). A view calls the service through `attempt()`; the messages end up next to
the form's fields, or as page messages, joined the same way everywhere::

    with attempt(request, form=form) as outcome:
        services.cycle_create(cycle=cycle, by=request.user)
    if outcome.ok:
        messages.success(request, ...)
        return redirect(...)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

SEPARATOR = "；"


def error_messages(exc: Exception) -> list[str]:
    """The messages of a service's refusal, in order, as strings."""
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc) or _("您没有权限进行此操作。")]


def error_text(exc: Exception) -> str:
    """The messages of a service's refusal on one line."""
    return SEPARATOR.join(error_messages(exc))


def add_form_errors(form, exc: Exception, *, fields_elsewhere: dict[str, list] | None = None) -> None:
    """Put each message next to its field (or at the top of the form when the field is not on it).

    `fields_elsewhere` collects the messages of fields shown outside the form (a formset, say)
    instead of adding them to the form.
    """
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if fields_elsewhere is not None and name in fields_elsewhere:
                fields_elsewhere[name].extend(errors)
            elif name in form.fields:
                form.add_error(name, errors)
            else:
                form.add_error(None, errors)
    else:
        form.add_error(None, error_messages(exc))


@dataclass
class Outcome:
    """What `attempt` caught: ok is False when the service refused."""

    error: Exception | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        return SEPARATOR.join(self.messages)


@contextmanager
def attempt(
    request=None, *, form=None, catch_denied: bool = True, fields_elsewhere=None
) -> Iterator[Outcome]:
    """Run the block; a ValidationError (and, unless told otherwise, a PermissionDenied) becomes
    form errors when a form is given, else one error message on the page (when a request is given)."""
    outcome = Outcome()
    caught = (ValidationError, PermissionDenied) if catch_denied else (ValidationError,)
    try:
        yield outcome
    except caught as exc:
        outcome.error = exc
        outcome.messages = error_messages(exc)
        if form is not None:
            add_form_errors(form, exc, fields_elsewhere=fields_elsewhere)
        elif request is not None:
            messages.error(request, outcome.text)


class Conflict(Exception):
    """A write based on an out-of-date version of a row (optimistic concurrency): nothing was
    written; `current` is the row as it is now, with its version, for the client to merge."""

    def __init__(self, message: str, *, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


def value_version(*parts) -> str:
    """The version of a row's current value: a short hash of it. A write names the version it was
    based on; a different current version means someone else changed the row in between."""
    import hashlib
    import json

    text = json.dumps(parts, default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
