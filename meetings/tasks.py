"""Celery tasks of organisational life: reminders before a period ends without its meetings, and
the stored compliance of each committee's year (meetings/snapshots.py)."""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Role, User
from notifications.models import Kind
from notifications.services import notify

from . import snapshots
from .compliance import OPEN, compliance_summary
from .models import ComplianceSnapshot

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
                title=lambda: _("组织生活频次提醒"),
                body=lambda: (
                    _("%(branch)s本期还有会议未按要求召开：") % {"branch": branch.name} + "\n" + lines  # noqa: B023 (notify() calls it at once)
                ),
                url=reverse("meetings:compliance-branch", args=[po_id]),
            )
        )
    return sent


@shared_task(name="meetings.tasks.refresh_compliance_snapshot")
def refresh_compliance_snapshot(committee_id: int, year: int, requested_at: str | None = None) -> dict:
    """Recompute one committee's year (queued, debounced, when its meetings change)."""
    asked = dt.datetime.fromisoformat(requested_at) if requested_at else None
    return snapshots.snapshot_refresh(committee_id=committee_id, year=year, requested_at=asked)


@shared_task(name="meetings.tasks.refresh_compliance_snapshots")
def refresh_compliance_snapshots(today_iso: str | None = None) -> int:
    """Nightly: this year of every committee with party organisations, and every stored snapshot
    of last year or later (months turn, and bulk writes send no signal)."""
    today = dt.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    wanted = {
        (committee_id, today.year)
        for committee_id in PartyOrganization.objects.filter(is_active=True)
        .order_by()
        .values_list("committee_id", flat=True)
        .distinct()
    }
    wanted |= set(
        ComplianceSnapshot.objects.filter(year__gte=today.year - 1).values_list("committee_id", "year")
    )
    for committee_id, year in sorted(wanted):
        snapshots.snapshot_refresh(committee_id=committee_id, year=year, today=today)
    return len(wanted)
