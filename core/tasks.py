"""Housekeeping of the kernel's tables and of private storage."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import orphans, outbox
from .models import FormToken

KEEP_USED_TOKENS_DAYS = 7


@shared_task(name="core.tasks.purge_form_tokens")
def purge_form_tokens(days: int = KEEP_USED_TOKENS_DAYS) -> int:
    """Forget used form tokens after a week: a page kept open longer than that would have to be
    reloaded anyway (its CSRF token and session expire sooner)."""
    deleted, _ = FormToken.objects.filter(used_at__lt=timezone.now() - dt.timedelta(days=days)).delete()
    return deleted


@shared_task(name="core.tasks.sweep_orphaned_files")
def sweep_orphaned_files() -> int:
    """Delete private files that no row names and that are older than a day (see core.orphans)."""
    return len(orphans.sweep_orphaned_files())


@shared_task(name="core.tasks.deliver_outbox", ignore_result=True)
def deliver_outbox(message_id: int) -> str:
    """Run one outbox message's task, once (see core.outbox)."""
    return outbox.deliver(message_id)


@shared_task(name="core.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Every half minute: publish the outbox messages the broker did not take (see core.outbox)."""
    return outbox.sweep()
