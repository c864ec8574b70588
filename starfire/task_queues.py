"""Which Celery queue runs each task, and its hard time limit in seconds (settings.TASK_QUEUES).

Queues by kind, each with workers of its own (docker-compose: worker-fast, worker-heavy), so a
long recompute never holds up a notice. "fast": notices and e-mail, seconds each; "heavy":
recomputes, snapshots, imports, tallies, the file sweep, minutes each. Every task is named here
(tests/test_task_routes.py fails for one that is not) with its hard time limit in seconds (the
soft limit, which lets the task clean up, comes 10% earlier). acks_late (in settings): a task is
acknowledged when it ends, so one whose worker died runs again on another; each is idempotent
(notices are de-duplicated by recipient and event key, e-mails by the sent mark on their row,
tallies, snapshots and import batches by their state or an upsert).
"""

TASK_QUEUES = {
    "fast": {
        "notifications.tasks.send_notification_email": 120,
        "ratings.tasks.notify_cycle_opened": 300,
        "ratings.tasks.notify_submission_returned": 120,
        "ratings.tasks.notify_inspection_assigned": 120,
        "ratings.tasks.notify_results_published": 300,
        "ratings.tasks.notify_objection_filed": 120,
        "ratings.tasks.tell_objector": 120,
        "ratings.tasks.notify_award_change": 120,
        "ratings.tasks.notify_rectification_issued": 120,
        "ratings.tasks.notify_rectification_sent_back": 120,
        "ratings.tasks.send_deadline_reminders": 600,
        "ratings.tasks.report_overdue_submissions": 600,
        "ratings.tasks.send_rectification_reminders": 600,
        "ratings.tasks.send_weekly_digest": 600,
        "meetings.tasks.send_meeting_gap_reminders": 600,
        "core.tasks.purge_form_tokens": 300,
        "core.tasks.sweep_outbox": 120,
        # runs each message on the queue and with the limits of the task it carries (core.outbox)
        "core.tasks.deliver_outbox": 3600,
        "programme.tasks.send_plan_reminders": 600,
    },
    "heavy": {
        "ratings.tasks.recompute_tally": 1800,
        "ratings.tasks.recompute_all_tallies": 3600,
        "ratings.tasks.finalize_due_results": 1800,
        "meetings.tasks.refresh_compliance_snapshot": 1800,
        "meetings.tasks.refresh_compliance_snapshots": 3600,
        "branches.tasks.check_import_batch": 1800,
        "branches.tasks.write_import_batch": 1800,
        "branches.tasks.coverage_figures": 600,
        "core.tasks.sweep_orphaned_files": 3600,
        "ratings.tasks.build_export": 3600,
        "ratings.tasks.expire_exports": 600,
        "ratings.tasks.open_followup_checks": 1800,
        "programme.tasks.generate_improvement_plans": 1800,
    },
}
