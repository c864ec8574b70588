import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "starfire.settings")

app = Celery("starfire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
    "sweep-orphaned-files": {
        "task": "core.tasks.sweep_orphaned_files",
        "schedule": crontab(hour=3, minute=45),
    },
    "nightly-tallies": {"task": "ratings.tasks.recompute_all_tallies", "schedule": crontab(hour=2, minute=0)},
    # Outbox messages the broker did not take (it was down, or lost them): published again.
    "outbox-sweep": {"task": "core.tasks.sweep_outbox", "schedule": 30.0},
    "weekly-digest": {
        "task": "ratings.tasks.send_weekly_digest",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
    },
}
