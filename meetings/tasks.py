"""Celery tasks of organisational life: reminders before a period ends without its meetings."""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Role, User
from notifications.models import Kind
from notifications.services import notify

from .compliance import OPEN, compliance_summary

REMIND_DAYS_BEFORE_END = 7


@shared_task
def send_meeting_gap_reminders(today_iso: str | None = None) -> int:
    """Daily: tell secretaries which required meetings of the current month/quarter/year are still
    missing when the period ends within a week. One notice per branch and period end (a key),
    so running twice sends nothing more."""
    today = dt.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    ids = list(PartyOrganization.objects.filter(is_active=True).values_list("pk", flat=True))
    sent = 0
    for po_id, branch in compliance_summary(ids, today.year, today=today).items():
        due = [
            p
            for t in branch.types
            for p in t.periods
            if p.state == OPEN
            and dt.timedelta(0) < p.end - today <= dt.timedelta(days=REMIND_DAYS_BEFORE_END)
        ]
        if not due:
            continue
        secretaries = User.objects.filter(role=Role.SECRETARY, party_organization_id=po_id, is_active=True)
        lines = "\n".join(
            "· "
            + _("%(type)s：%(period)s还需召开 %(count)s 次（%(deadline)s 截止）")
            % {
                "type": p.rule.name,
                "period": p.label,
                "count": p.required - p.held,
                "deadline": p.end - dt.timedelta(days=1),
            }
            for p in due
        )
        end = min(p.end for p in due)
        sent += len(
            notify(
                recipients=secretaries,
                kind=Kind.MEETING_GAP,
                key=f"meeting_gap:{po_id}:{end}",
                title=_("组织生活频次提醒"),
                body=_("%(branch)s本期还有会议未按要求召开：") % {"branch": branch.name} + "\n" + lines,
                url=reverse("meetings:compliance-branch", args=[po_id]),
            )
        )
    return sent
