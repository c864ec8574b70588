import logging
import smtplib
import socket

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import metrics

from .models import Notification
from .services import language_of

log = logging.getLogger(__name__)
TRANSIENT = (smtplib.SMTPException, socket.error, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_notification_email(self, notification_id: int) -> str:
    """E-mail one notice. Sends at most once: the row is locked and marked sent in one transaction."""
    transient_error = None
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if n is None:
            return "missing"
        if n.emailed_at is not None or not n.email_wanted:
            return "skipped"
        n.email_attempts += 1
        try:
            _send(n)
        except TRANSIENT as exc:
            n.email_error = f"{type(exc).__name__}: {exc}"[:2000]
            n.save(update_fields=["email_attempts", "email_error"])
            transient_error = exc
        except Exception as exc:  # permanent (bad address, template): record it for staff, do not retry
            n.email_error = f"{type(exc).__name__}: {exc}"[:2000]
            n.save(update_fields=["email_attempts", "email_error"])
            log.error("e-mail for notice %s failed permanently: %s", n.pk, exc)
            metrics.count("emails", result="failed")
            return "failed"
        else:
            n.emailed_at = timezone.now()
            n.email_error = ""
            n.save(update_fields=["email_attempts", "emailed_at", "email_error"])
    if transient_error is not None:
        metrics.count("emails", result="failed")
        log.warning("e-mail for notice %s failed, will retry: %s", notification_id, transient_error)
        raise transient_error  # the attempt is recorded; Celery retries with backoff
    metrics.count("emails", result="sent")
    return "sent"


def absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _send(n: Notification) -> None:
    with translation.override(language_of(n.recipient)):  # the reader's language (Chinese by default)
        context = {"n": n, "link": absolute(n.url), "site_url": settings.SITE_URL}
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
        subject = translation.gettext("【星火评星】%(title)s") % {"title": n.title}
    msg = EmailMultiAlternatives(subject=subject, body=text, to=[n.recipient.email])
    msg.attach_alternative(html, "text/html")
    msg.send(fail_silently=False)
