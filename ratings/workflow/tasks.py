"""Celery tasks of the workflow: notices on its events and the daily reminders.

Tasks take ids and are idempotent: every notice carries an event key, so running a task twice
(beat firing twice, a worker retrying) creates and sends nothing more. Their names stay
``ratings.tasks.<name>``: ratings.tasks registers every task of the rating.
"""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Role, User
from core.dates import short_datetime
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
    return short_datetime(value)


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
                title=lambda: _("%(cycle)s已启动") % {"cycle": cycle},
                body=lambda: (
                    _("%(party_organization)s请在 %(deadline)s 前完成网上自评并提交。")
                    % {"party_organization": sub.party_organization, "deadline": when_text(sub.deadline)}  # noqa: B023 (notify() calls it at once)
                ),
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
            title=lambda: _("%(year)s年度评星申报被退回") % {"year": sub.cycle.year},
            body=lambda: _("综合党委初核后退回了申报，请按以下意见修改后重新提交：\n") + "\n".join(lines),
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
            title=lambda: (
                _("实地验收任务：%(party_organization)s")
                % {"party_organization": a.submission.party_organization}
            ),
            body=lambda: (
                _(
                    "您被分配为%(party_organization)s的验收人员，请在 %(inspection_deadline)s 前完成实地验收并签字。"
                )
                % {
                    "party_organization": a.submission.party_organization,
                    "inspection_deadline": when_text(cycle.inspection_deadline),
                }
            ),
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
                        title=lambda: _("自评将于%(days)s天内截止") % {"days": days},  # noqa: B023 (notify() calls it at once)
                        body=lambda: (
                            _("%(party_organization)s的%(year)s年度自评截止时间为 %(deadline)s，尚未提交。")
                            % {
                                "party_organization": sub.party_organization,  # noqa: B023 (notify() calls it at once)
                                "year": sub.cycle.year,  # noqa: B023 (notify() calls it at once)
                                "deadline": when_text(sub.deadline),  # noqa: B023 (notify() calls it at once)
                            }
                        ),
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
                        title=lambda: _("实地验收将于%(days)s天内截止") % {"days": days},  # noqa: B023 (notify() calls it at once)
                        body=lambda: (
                            _("%(party_organization)s的实地验收截止时间为 %(deadline)s，您尚未签字确认。")
                            % {
                                "party_organization": a.submission.party_organization,  # noqa: B023 (notify() calls it at once)
                                "deadline": when_text(deadline),  # noqa: B023 (notify() calls it at once)
                            }
                        ),
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
        names = "\n".join(
            _("· %(party_organization)s（截止 %(deadline)s）")
            % {"party_organization": s.party_organization, "deadline": when_text(s.deadline)}
            for s in overdue
        )
        sent += len(
            notify(
                recipients=staff_of(cycle.committee_id),
                kind=Kind.SUBMISSIONS_OVERDUE,
                key=f"overdue:{cycle.pk}:{today:%Y%m%d}",
                title=lambda: (
                    _("%(year)s年度评星：%(overdue)s 个党组织逾期未提交")
                    % {"year": cycle.year, "overdue": len(overdue)}  # noqa: B023 (notify() calls it at once)
                ),
                body=lambda: _("以下党组织已过自评截止时间仍未提交：\n%(names)s") % {"names": names},  # noqa: B023 (notify() calls it at once)
                url=reverse("ratings:queue", args=[cycle.pk]) + "?overdue=1",
            )
        )
    return sent
