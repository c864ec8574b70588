"""Celery tasks of the workflow: notices on its events and the daily reminders.

Tasks take ids and are idempotent: every notice carries an event key, so running a task twice
(beat firing twice, a worker retrying) creates and sends nothing more. Their names stay
``ratings.tasks.<name>``: ratings.tasks registers every task of the rating.
"""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from branches.models import Role, User
from notifications.models import Kind
from notifications.services import notify

from ..models import Cycle, InspectionAssignment, ReturnReason, Status, Submission

OPEN_FOR_BRANCH = (Status.DRAFT, Status.RETURNED)


def secretaries_of(party_organization_id):
    return User.objects.filter(
        role=Role.SECRETARY, party_organization_id=party_organization_id, is_active=True
    )


def staff_of(committee_id):
    return User.objects.filter(role=Role.STAFF, committee_id=committee_id, is_active=True)


def when_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@shared_task(name="ratings.tasks.notify_cycle_opened")
def notify_cycle_opened(cycle_id: int) -> int:
    cycle = Cycle.objects.get(pk=cycle_id)
    sent = 0
    for sub in Submission.objects.filter(cycle=cycle).select_related("party_organization"):
        sent += len(
            notify(
                recipients=secretaries_of(sub.party_organization_id),
                kind=Kind.CYCLE_OPENED,
                key=f"cycle_opened:{cycle.pk}:{sub.pk}",
                title=f"{cycle}已启动",
                body=f"{sub.party_organization}请在 {when_text(sub.deadline)} 前完成网上自评并提交。",
                url=reverse("ratings:self-assessment", args=[sub.pk]),
            )
        )
    return sent


@shared_task(name="ratings.tasks.notify_submission_returned")
def notify_submission_returned(submission_id: int, round_no: int) -> int:
    sub = Submission.objects.select_related("cycle", "party_organization").get(pk=submission_id)
    reasons = ReturnReason.objects.filter(submission=sub, round=round_no).select_related("indicator")
    lines = [f"· {r.indicator.code + ' ' if r.indicator else ''}{r.reason}" for r in reasons]
    return len(
        notify(
            recipients=secretaries_of(sub.party_organization_id),
            kind=Kind.SUBMISSION_RETURNED,
            key=f"returned:{sub.pk}:{round_no}",
            title=f"{sub.cycle.year}年度评星申报被退回",
            body="综合党委初核后退回了申报，请按以下意见修改后重新提交：\n" + "\n".join(lines),
            url=reverse("ratings:self-assessment", args=[sub.pk]),
        )
    )


@shared_task(name="ratings.tasks.notify_inspection_assigned")
def notify_inspection_assigned(assignment_id: int) -> int:
    a = InspectionAssignment.objects.select_related(
        "submission__cycle", "submission__party_organization", "inspector"
    ).get(pk=assignment_id)
    cycle = a.submission.cycle
    return len(
        notify(
            recipients=[a.inspector],
            kind=Kind.INSPECTION_ASSIGNED,
            key=f"assigned:{a.pk}",
            title=f"实地验收任务：{a.submission.party_organization}",
            body=f"您被分配为{a.submission.party_organization}的验收人员，请在 {when_text(cycle.inspection_deadline)} 前完成实地验收并签字。",
            url=reverse("ratings:inspection", args=[a.pk]),
        )
    )


@shared_task(name="ratings.tasks.send_deadline_reminders")
def send_deadline_reminders() -> int:
    """Daily: secretaries 7 days and 1 day before their deadline; inspectors 3 days and 1 day before theirs."""
    now = timezone.now()
    sent = 0
    subs = Submission.objects.filter(
        cycle__status=Cycle.Status.OPEN, status__in=OPEN_FOR_BRANCH
    ).select_related("cycle", "party_organization")
    for sub in subs:
        left = sub.deadline - now
        for days in (7, 1):
            if dt.timedelta(0) < left <= dt.timedelta(days=days):
                sent += len(
                    notify(
                        recipients=secretaries_of(sub.party_organization_id),
                        kind=Kind.DEADLINE_NEAR,
                        key=f"deadline:{sub.pk}:{days}:{sub.deadline:%Y%m%d%H%M}",
                        title=f"自评将于{days}天内截止",
                        body=f"{sub.party_organization}的{sub.cycle.year}年度自评截止时间为 {when_text(sub.deadline)}，尚未提交。",
                        url=reverse("ratings:self-assessment", args=[sub.pk]),
                    )
                )
                break
    assignments = InspectionAssignment.objects.filter(
        signed_off_at__isnull=True,
        submission__status=Status.ACCEPTED,
        submission__cycle__status=Cycle.Status.OPEN,
    ).select_related("submission__cycle", "submission__party_organization", "inspector")
    for a in assignments:
        deadline = a.submission.cycle.inspection_deadline
        left = deadline - now
        for days in (3, 1):
            if dt.timedelta(0) < left <= dt.timedelta(days=days):
                sent += len(
                    notify(
                        recipients=[a.inspector],
                        kind=Kind.INSPECTION_DEADLINE,
                        key=f"inspection_deadline:{a.pk}:{days}:{deadline:%Y%m%d}",
                        title=f"实地验收将于{days}天内截止",
                        body=f"{a.submission.party_organization}的实地验收截止时间为 {when_text(deadline)}，您尚未签字确认。",
                        url=reverse("ratings:inspection", args=[a.pk]),
                    )
                )
                break
    return sent


@shared_task(name="ratings.tasks.report_overdue_submissions")
def report_overdue_submissions() -> int:
    """Daily: tell committee staff which branches have not submitted after their deadline (once a day)."""
    now = timezone.now()
    today = timezone.localdate()
    sent = 0
    for cycle in Cycle.objects.filter(status=Cycle.Status.OPEN):
        overdue = [
            s
            for s in Submission.objects.filter(cycle=cycle, status__in=OPEN_FOR_BRANCH).select_related(
                "party_organization", "cycle"
            )
            if s.deadline < now
        ]
        if not overdue:
            continue
        names = "\n".join(f"· {s.party_organization}（截止 {when_text(s.deadline)}）" for s in overdue)
        sent += len(
            notify(
                recipients=staff_of(cycle.committee_id),
                kind=Kind.SUBMISSIONS_OVERDUE,
                key=f"overdue:{cycle.pk}:{today:%Y%m%d}",
                title=f"{cycle.year}年度评星：{len(overdue)} 个党组织逾期未提交",
                body=f"以下党组织已过自评截止时间仍未提交：\n{names}",
                url=reverse("ratings:queue", args=[cycle.pk]) + "?overdue=1",
            )
        )
    return sent
