"""Preliminary check by committee staff: return, accept, extend the deadline."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from branches import access
from branches.models import User
from core import outbox
from core.dates import short_datetime, validate_date_in_range

from ..models import ReturnReason, Status, Submission
from . import tasks
from .edges import (
    EDITABLE_BY_BRANCH,
    TransitionNotAllowed,
    audit,
    audit_value,
    indicator_of,
    lock_submission,
    require_transition,
    submission_target,
)


def submission_return(
    *, submission: Submission, by: User, reasons: list[tuple[int | None, str]]
) -> Submission:
    """Staff send the self-assessment back to the branch with reasons (per indicator or general)."""
    reasons = [(ind, (text or "").strip()) for ind, text in reasons if (text or "").strip()]
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        target = require_transition(submission, "return")
        if not reasons:
            raise ValidationError(_("退回时至少要写明一条原因。"))
        last_round = submission.return_reasons.order_by("-round").values_list("round", flat=True).first() or 0
        rows = []
        for indicator_id, text in reasons:
            indicator = indicator_of(submission, indicator_id) if indicator_id else None
            rows.append(
                ReturnReason(
                    submission=submission,
                    indicator=indicator,
                    reason=text[:2000],
                    round=last_round + 1,
                    created_by=by,
                )
            )
        bulk_create_with_history(rows, ReturnReason, default_user=by)
        submission.status = target
        submission.save(update_fields=["status"])
        audit(
            by,
            "submission.return",
            submission,
            before={"status": Status.SUBMITTED},
            after={"status": target},
            note="；".join(t for _i, t in reasons),
        )
        outbox.send(tasks.notify_submission_returned, submission.pk, last_round + 1)
    return submission


def submission_accept(*, submission: Submission, by: User) -> Submission:
    """Staff accept the self-assessment for on-site inspection."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        target = require_transition(submission, "accept")
        submission.status = target
        submission.accepted_at = timezone.now()
        submission.save(update_fields=["status", "accepted_at"])
        audit(
            by, "submission.accept", submission, before={"status": Status.SUBMITTED}, after={"status": target}
        )
    return submission


def submission_extend_deadline(
    *, submission: Submission, until: dt.datetime, reason: str, by: User
) -> Submission:
    """Staff give one branch more time to submit."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(_("只有尚未提交的申报可以延期。"))
        if not (reason or "").strip():
            raise ValidationError(_("延期必须说明原因。"))
        if until <= timezone.now():
            raise ValidationError(_("延期后的截止时间必须晚于现在。"))
        if until <= submission.deadline:
            raise ValidationError(
                {
                    "until": _("延期后的截止时间必须晚于当前截止时间 %(deadline)s。")
                    % {"deadline": short_datetime(submission.deadline)}
                }
            )
        validate_date_in_range(until)
        before = submission.deadline_extended_to
        submission.deadline_extended_to = until
        submission.save(update_fields=["deadline_extended_to"])
        audit(
            by,
            "submission.extend",
            submission,
            before={"deadline": audit_value(before)},
            after={"deadline": audit_value(until)},
            note=reason.strip(),
        )
    return submission
