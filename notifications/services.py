"""Send notices: in-app always, e-mail where the user wants it. Idempotent by (recipient, key)."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from core import outbox
from core.limits import NOTICE_BODY

from .models import EmailPreference, Notification


def wants_email(user, kind: str) -> bool:
    if not user.email:
        return False
    pref = EmailPreference.objects.filter(user=user, kind=kind).values_list("send_email", flat=True).first()
    return True if pref is None else pref


def language_of(user) -> str:
    """The language a user's notices and e-mails are written in."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify(
    *,
    recipients: Iterable,
    kind: str,
    key: str,
    title: str | Callable[[], str],
    body: str | Callable[[], str],
    url: str = "",
    refresh_unread: bool = False,
) -> list[Notification]:
    """Create one notice per recipient for the event `key`; a repeat of the same event sends nothing.

    `title` and `body` given as functions (`lambda: _("…") % {…}`) are written in each recipient's
    language (the one they last chose for the interface; Chinese by default).

    With `refresh_unread` a repeat brings the text of a notice not yet read up to date (a daily
    summary, say), still without a new notice or e-mail. The e-mail is an outbox message written
    with the notice (core.outbox): sent after the commit, so a rolled-back transaction sends
    nothing, and a broker outage delays it without losing it.
    """
    from .tasks import send_notification_email

    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(language_of(user)):
            title_text = str(title() if callable(title) else title)
            body_text = str(body() if callable(body) else body)
        try:
            with transaction.atomic():
                n = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    key=key[:200],
                    title=title_text[:200],
                    body=body_text[:NOTICE_BODY],
                    url=url[:300],
                    email_wanted=wants_email(user, kind),
                )
                if n.email_wanted:  # the e-mail's outbox message: with the notice or not at all
                    outbox.send(send_notification_email, n.pk)
        except IntegrityError:  # already notified of this event
            if refresh_unread:
                Notification.objects.filter(recipient=user, key=key[:200], read_at__isnull=True).update(
                    title=title_text[:200], body=body_text[:NOTICE_BODY], url=url[:300]
                )
            continue
        created.append(n)
    return created


def notification_mark_read(*, notification: Notification) -> None:
    from django.utils import timezone

    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    from django.utils import timezone

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def email_preferences_set(*, user, choices: dict[str, bool]) -> None:
    for kind, send in choices.items():
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"send_email": bool(send)})
