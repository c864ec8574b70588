"""Every Celery task of the rating, registered under ``ratings.tasks.<name>``.

Celery autodiscovers this module; the beat schedule and the services name tasks this way. Each
stage defines its own tasks (with that explicit name) next to its services.
"""

from .outcomes.tasks import (
    finalize_due_results,
    notify_award_change,
    notify_objection_filed,
    notify_rectification_issued,
    notify_rectification_sent_back,
    notify_results_published,
    open_followup_checks,
    send_rectification_reminders,
    tell_objector,
)
from .reports.tasks import (
    build_export,
    expire_exports,
    recompute_all_tallies,
    recompute_tally,
    send_weekly_digest,
)
from .workflow.tasks import (
    notify_cycle_opened,
    notify_inspection_assigned,
    notify_submission_returned,
    report_overdue_submissions,
    send_deadline_reminders,
)

__all__ = [
    "build_export",
    "expire_exports",
    "finalize_due_results",
    "notify_award_change",
    "notify_cycle_opened",
    "notify_inspection_assigned",
    "notify_objection_filed",
    "notify_rectification_issued",
    "notify_rectification_sent_back",
    "notify_results_published",
    "notify_submission_returned",
    "recompute_all_tallies",
    "open_followup_checks",
    "recompute_tally",
    "report_overdue_submissions",
    "send_deadline_reminders",
    "send_rectification_reminders",
    "send_weekly_digest",
    "tell_objector",
]
