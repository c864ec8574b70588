import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
    task_success,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "starfire.settings")

app = Celery("starfire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs):
    """Workers and beat log like the web processes (settings.LOGGING: JSON lines with the request
    id) instead of Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# The request id travels with the task (a message header) and is logged by the worker; the
# outbox sets it from the row, so a message sent long after its request still names it.
@before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    from core import requestid

    if headers is not None and not headers.get("request_id") and requestid.get():
        headers["request_id"] = requestid.get()


@task_prerun.connect
def _take_request_id(task=None, **kwargs):
    from core import requestid

    sent = getattr(task.request, "request_id", None) if task is not None else None
    if sent and not task.request.is_eager:
        task.request.starfire_token = requestid.set(sent)


@task_postrun.connect
def _forget_request_id(task=None, **kwargs):
    from core import requestid

    token = getattr(task.request, "starfire_token", None) if task is not None else None
    if token is not None:
        requestid.reset(token)


@task_success.connect
def _count_success(sender=None, **kwargs):
    from core import metrics

    metrics.count("tasks", task=sender.name, result="succeeded")


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    from core import metrics

    metrics.count("tasks", task=sender.name, result="failed")


# The beat schedule lives here, in code. Times are Asia/Shanghai (CELERY_TIMEZONE).
# Every scheduled task is idempotent: a second run the same day creates and sends nothing more.
app.conf.beat_schedule = {
    "deadline-reminders": {
        "task": "ratings.tasks.send_deadline_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "overdue-submissions": {
        "task": "ratings.tasks.report_overdue_submissions",
        "schedule": crontab(hour=8, minute=10),
    },
    "finalize-results": {
        "task": "ratings.tasks.finalize_due_results",
        "schedule": crontab(hour=0, minute=30),
    },
    "followup-checks": {
        "task": "ratings.tasks.open_followup_checks",
        "schedule": crontab(hour=1, minute=15),
    },
    "rectification-reminders": {
        "task": "ratings.tasks.send_rectification_reminders",
        "schedule": crontab(hour=8, minute=20),
    },
    "meeting-gap-reminders": {
        "task": "meetings.tasks.send_meeting_gap_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "nightly-meeting-compliance": {
        "task": "meetings.tasks.refresh_compliance_snapshots",
        "schedule": crontab(hour=0, minute=10),
    },
    "purge-form-tokens": {"task": "core.tasks.purge_form_tokens", "schedule": crontab(hour=3, minute=30)},
    "expire-exports": {"task": "ratings.tasks.expire_exports", "schedule": crontab(hour=3, minute=40)},
    "sweep-orphaned-files": {
        "task": "core.tasks.sweep_orphaned_files",
        "schedule": crontab(hour=3, minute=45),
    },
    "nightly-tallies": {"task": "ratings.tasks.recompute_all_tallies", "schedule": crontab(hour=2, minute=0)},
    "improvement-plans": {
        "task": "programme.tasks.generate_improvement_plans",
        "schedule": crontab(hour=1, minute=0),
    },
    "plan-reminders": {"task": "programme.tasks.send_plan_reminders", "schedule": crontab(hour=8, minute=40)},
    # Outbox messages the broker did not take (it was down, or lost them): published again.
    "outbox-sweep": {"task": "core.tasks.sweep_outbox", "schedule": 30.0},
    "weekly-digest": {
        "task": "ratings.tasks.send_weekly_digest",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
    },
}
