"""One-time form tokens: a double-submitted form creates one row.

The form carries a fresh token as a hidden field (``{% load formtokens %}{% form_token %}``). The
view consumes it in the same transaction as the service that writes the rows; the token's row is
unique, so of two identical POSTs — from one process or two — only the first writes, and the
second finds the token used and is sent to what the first one made::

    @replay_safe
    def meeting_create(request):
        ...
        with attempt(request, form=form) as outcome, once(request, "meetings.create") as claim:
            meeting = services.meeting_create(...)
            claim.done(reverse("meetings:meeting-detail", args=[meeting.pk]))

`attempt` must be the outer block: a refused service rolls the token back with everything else,
so the form can be sent again. A POST without a token (an old page, a script) is not guarded.
"""

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

FIELD = "form_token"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    """A fresh token for one rendering of a form."""
    return secrets.token_urlsafe(24)


class AlreadySubmitted(Exception):
    """The form's token was used before; `url` is the page of what the first POST made, if known."""

    def __init__(self, url: str = ""):
        super().__init__(url)
        self.url = url


@dataclass
class Claim:
    token: str | None
    scope: str

    def done(self, url: str) -> None:
        """Remember where the first POST's result is, for the replays."""
        from .models import FormToken

        if self.token:
            FormToken.objects.filter(token=self.token).update(url=url[:300])


def token_of(request) -> str | None:
    token = request.POST.get(FIELD, "")
    return token if _SHAPE.match(token) else None


def refuse_replay(request) -> None:
    """Raise `AlreadySubmitted` at once when the POST's token was used already — for a view whose
    form would ask a replay for more than the first POST had to give (e.g. a CAPTCHA)."""
    from .models import FormToken

    token = token_of(request)
    if token:
        used = FormToken.objects.filter(token=token).first()
        if used is not None:
            raise AlreadySubmitted(used.url or "")


@contextmanager
def once(request, scope: str) -> Iterator[Claim]:
    """Run the block in a transaction that also consumes the POST's form token; raise
    `AlreadySubmitted` (before the block runs) when the token was used already."""
    from .models import FormToken

    token = token_of(request)
    with transaction.atomic():
        if token:
            try:
                with transaction.atomic():
                    FormToken.objects.create(token=token, scope=scope[:80])
            except IntegrityError:
                used = FormToken.objects.filter(token=token).values_list("url", flat=True).first()
                raise AlreadySubmitted(used or "") from None
        yield Claim(token=token, scope=scope)


def replay_safe(view: Callable) -> Callable:
    """Answer a replayed form with the first POST's result page (or the form again) and a note."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AlreadySubmitted as exc:
            messages.info(request, _("该表单已经提交过，没有重复保存。"))
            hosts = {request.get_host()}
            for url in (exc.url, request.headers.get("referer", ""), "/"):
                if url and url_has_allowed_host_and_scheme(url, allowed_hosts=hosts):
                    return redirect(url)

    return wrapper
