"""The submission's transition table and what every workflow edge shares: the row lock, the
transition check, the audit entry, score bounds and stored file names."""

import contextlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import access
from branches.services import audit_record

from ..models import Indicator, Status, Submission, validate_half_step


class TransitionNotAllowed(ValidationError):
    """The action does not apply to the submission in its current state."""


ACTION_LABELS = {
    "submit": gettext_lazy("提交"),
    "return": gettext_lazy("退回"),
    "accept": gettext_lazy("初核通过"),
    "sign_off": gettext_lazy("验收签字"),
    "review": gettext_lazy("完成评审"),
    "reopen": gettext_lazy("重新打开"),
}


# Where each action may start, and where it leads. Reopen steps back one stage.
TRANSITIONS = {
    "submit": {Status.DRAFT: Status.SUBMITTED, Status.RETURNED: Status.SUBMITTED},
    "return": {Status.SUBMITTED: Status.RETURNED},
    "accept": {Status.SUBMITTED: Status.ACCEPTED},
    "sign_off": {Status.ACCEPTED: Status.ACCEPTED},  # to INSPECTED once every inspector has signed
    "review": {Status.INSPECTED: Status.REVIEWED},
    "reopen": {
        Status.REVIEWED: Status.INSPECTED,
        Status.INSPECTED: Status.ACCEPTED,
        Status.ACCEPTED: Status.SUBMITTED,
    },
}


EDITABLE_BY_BRANCH = {Status.DRAFT, Status.RETURNED}


def lock_submission(submission: Submission) -> Submission:
    # of=self: lock the submission only; locking the joined cycle row would make every write in a
    # cycle wait for every other (and deadlock against cycle_recompute_levels, which locks the cycle first).
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cycle", "party_organization")
        .get(pk=submission.pk)
    )


def require_transition(submission: Submission, action: str) -> Status:
    allowed = TRANSITIONS[action]
    if submission.status not in allowed:
        raise TransitionNotAllowed(
            _("当前状态为“%(state)s”，不能%(action)s。")
            % {"state": Status(submission.status).label, "action": ACTION_LABELS[action]},
            code="transition_not_allowed",
        )
    return allowed[submission.status]


def audit(by, action, target, *, submission=None, before=None, after=None, note=""):
    sub = submission or target
    return audit_record(
        actor=by,
        action=action,
        target=target,
        before=before,
        after=after,
        note=note,
        committee_id=sub.cycle.committee_id,
    )


def score_bounds(score, indicator: Indicator, label=None):
    if score is None:
        return None
    label = label or _("得分")
    try:
        score = Decimal(str(score))
    except ArithmeticError as exc:
        raise ValidationError(_("%(label)s不是有效数字。") % {"label": label}) from exc
    if not score.is_finite():  # NaN would raise InvalidOperation in the comparisons below
        raise ValidationError(_("%(label)s不是有效数字。") % {"label": label})
    if score < 0 or score > indicator.max_score:
        raise ValidationError(
            _("指标 %(code)s 的%(label)s应在 0 到 %(max)s 之间，而不是 %(v)s。")
            % {"code": indicator.code, "label": label, "max": indicator.max_score, "v": score}
        )
    validate_half_step(score)
    return score


def indicator_of(submission: Submission, indicator_id) -> Indicator:
    try:
        return Indicator.objects.select_related("category").get(
            pk=indicator_id, category__rubric_id=submission.cycle.rubric_id
        )
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError(_("该指标不属于本周期的测评标准。")) from exc


def audit_value(value):
    if isinstance(value, Decimal):  # 30.0 read back from the database and 30 typed are the same score
        return format(value.normalize(), "f")
    return None if value is None else str(value)


def stored_name(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return f"{timezone.now():%Y%m%d%H%M%S%f}.{ext}"


@contextlib.contextmanager
def stored_file(row, upload):
    """Write the upload of `row` (an evidence or photo) and save the row; when anything fails before
    the block ends (the row, the audit entry), the written file is removed again, so a failure
    half-way leaves no orphan file."""
    row.file.save(stored_name(upload.name), upload, save=False)
    try:
        row.save()
        yield row
    except BaseException:
        row.file.storage.delete(row.file.name)
        raise


def submission_target(submission: Submission) -> access.Target:
    """What the access policy needs to know of a submission: its committee and party organisation."""
    return access.Target(
        committee_id=submission.cycle.committee_id, party_organization_id=submission.party_organization_id
    )
