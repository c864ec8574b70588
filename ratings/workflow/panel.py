"""Central review by the panel: final scores, adjustments, vetoes, completing and reopening."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import User

from ..models import (
    AdjustmentItem,
    AppliedAdjustment,
    FinalScore,
    Indicator,
    Status,
    Submission,
    VetoDecision,
    VetoItem,
)
from .edges import (
    TransitionNotAllowed,
    audit,
    audit_value,
    indicator_of,
    lock_submission,
    require_transition,
    submission_target,
)
from .levels import cycle_recompute_levels, inspector_averages, recompute_on_commit
from .signals import results_changed


def require_reviewable(submission):
    if submission.status != Status.INSPECTED:
        raise TransitionNotAllowed(
            _("只有“已验收”的申报可以评审（当前：%(state)s）。") % {"state": Status(submission.status).label}
        )


def final_score_set(*, submission: Submission, indicator_id, score, reason: str, by: User) -> FinalScore:
    """The panel sets an indicator's final score; departing from the inspectors' average needs a reason."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        require_reviewable(submission)
        indicator = indicator_of(submission, indicator_id)
        try:
            score = Decimal(str(score))
        except ArithmeticError as exc:
            raise ValidationError(_("最终得分不是有效数字。")) from exc
        if not score.is_finite():
            raise ValidationError(_("最终得分不是有效数字。"))
        if score < 0 or score > indicator.max_score:
            raise ValidationError(
                _("指标 %(code)s 的最终得分应在 0 到 %(max_score)s 之间。")
                % {"code": indicator.code, "max_score": indicator.max_score}
            )
        avg = inspector_averages([submission.pk]).get((submission.pk, indicator.pk))
        reason = (reason or "").strip()
        if avg is not None and score != avg and not reason:
            raise ValidationError(
                _("指标 %(code)s 的最终得分 %(score)s 与验收平均分 %(avg)s 不同，须说明理由。")
                % {"code": indicator.code, "score": score, "avg": avg},
                code="reason_required",
            )
        row = FinalScore.objects.filter(submission=submission, indicator=indicator).first()
        before = (
            {"score": audit_value(row.score), "reason": row.reason} if row else {"score": None, "reason": ""}
        )
        row, _c = FinalScore.objects.update_or_create(
            submission=submission,
            indicator=indicator,
            defaults={"score": score, "reason": reason, "set_by": by},
        )
        audit(
            by,
            "review.final_score",
            submission,
            before=before,
            after={"score": audit_value(score), "reason": reason},
            note=indicator.code,
        )
    recompute_on_commit(submission.cycle_id)
    return row


def adjustment_set(
    *, submission: Submission, item_id, times: int, note: str, by: User
) -> AppliedAdjustment | None:
    """Apply (times ≥ 1) or remove (times = 0) a bonus/deduction item."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        require_reviewable(submission)
        item = AdjustmentItem.objects.filter(pk=item_id, rubric_id=submission.cycle.rubric_id).first()
        if item is None:
            raise ValidationError(_("该加减分项不属于本周期的测评标准。"))
        if times < 0 or times > 99:
            raise ValidationError(_("次数应在 0 到 99 之间。"))
        existing = AppliedAdjustment.objects.filter(submission=submission, item=item).first()
        before = {"times": existing.times if existing else 0}
        if times == 0:
            if existing:
                existing.delete()
            result = None
        else:
            if not (note or "").strip():
                raise ValidationError(_("加减分须写明依据。"))
            result, _c = AppliedAdjustment.objects.update_or_create(
                submission=submission,
                item=item,
                defaults={"times": times, "note": note.strip()[:300], "set_by": by},
            )
        audit(by, "review.adjustment", submission, before=before, after={"times": times}, note=item.title)
    recompute_on_commit(submission.cycle_id)
    return result


def veto_raise(*, submission: Submission, item_id, note: str, by: User) -> VetoDecision:
    """Staff or an assigned inspector raise a veto item for the panel to decide."""
    with transaction.atomic():
        submission = lock_submission(submission)
        is_assigned = submission.assignments.filter(inspector=by).exists()
        if not is_assigned:
            access.require(by, "rating.manage", submission_target(submission))
        if submission.status not in (Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED):
            raise TransitionNotAllowed(_("当前状态不能提出一票否决。"))
        item = VetoItem.objects.filter(pk=item_id, rubric_id=submission.cycle.rubric_id).first()
        if item is None:
            raise ValidationError(_("该否决项不属于本周期的测评标准。"))
        veto, created = VetoDecision.objects.get_or_create(
            submission=submission,
            item=item,
            defaults={"raised_note": (note or "").strip()[:2000], "raised_by": by},
        )
        if not created and veto.state != VetoDecision.State.OPEN:
            veto.state, veto.reason, veto.decided_by, veto.decided_at = (
                VetoDecision.State.OPEN,
                "",
                None,
                None,
            )
            veto.raised_note = (note or "").strip()[:2000]
            veto.save()
        audit(by, "veto.raise", submission, after={"item": item.title}, note=note or "")
    return veto


def veto_decide(*, veto: VetoDecision, confirmed: bool, reason: str, by: User) -> VetoDecision:
    """The panel confirms (no star) or clears a veto item, always with a reason."""
    with transaction.atomic():
        submission = lock_submission(veto.submission)
        access.require(by, "rating.manage", submission_target(submission))
        require_reviewable(submission)
        veto = VetoDecision.objects.select_for_update().select_related("item").get(pk=veto.pk)
        if not (reason or "").strip():
            raise ValidationError(_("认定或排除一票否决都必须写明理由。"))
        before = {"state": veto.state}
        veto.state = VetoDecision.State.CONFIRMED if confirmed else VetoDecision.State.CLEARED
        veto.reason, veto.decided_by, veto.decided_at = reason.strip()[:2000], by, timezone.now()
        veto.save()
        audit(by, "veto.decide", submission, before=before, after={"state": veto.state}, note=reason.strip())
    recompute_on_commit(submission.cycle_id)
    return veto


def submission_review(*, submission: Submission, by: User, session=None) -> Submission:
    """The panel completes the review: final scores default to the inspectors' average. `session`
    (a ReviewSession of the cycle) records which panel decided."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        target = require_transition(submission, "review")
        if session is not None and session.cycle_id != submission.cycle_id:
            raise ValidationError(_("评审会不属于该申报的评星周期。"))
        if submission.vetoes.filter(state=VetoDecision.State.OPEN).exists():
            raise ValidationError(_("还有待认定的一票否决事项，请先认定或排除。"))
        averages = inspector_averages([submission.pk])
        have = set(submission.final_scores.values_list("indicator_id", flat=True))
        for ind in Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).exclude(
            pk__in=have
        ):
            avg = averages.get((submission.pk, ind.pk))
            if avg is None:
                raise ValidationError(_("指标 %(code)s 没有验收分，请先设定最终得分。") % {"code": ind.code})
            FinalScore.objects.create(submission=submission, indicator=ind, score=avg, set_by=by)
        submission.status = target
        submission.reviewed_at = timezone.now()
        submission.review_session = session
        submission.save(update_fields=["status", "reviewed_at", "review_session"])
        audit(
            by,
            "submission.review",
            submission,
            before={"status": Status.INSPECTED},
            after={"status": target, "review_session": session.pk if session else None},
            note=str(session) if session else "",
        )
        results_changed.send(sender=Submission, cycle=submission.cycle, by=by)
    cycle_recompute_levels(cycle_id=submission.cycle_id)
    submission.refresh_from_db()
    return submission


def submission_reopen(*, submission: Submission, by: User, reason: str) -> Submission:
    """Staff step a submission back one stage, with a reason (re-review, re-inspection, re-check)."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        target = require_transition(submission, "reopen")
        if not (reason or "").strip():
            raise ValidationError(_("重新打开必须说明原因。"))
        before = submission.status
        if target in (Status.ACCEPTED, Status.SUBMITTED):
            # Inspectors sign again for what is checked again; a sign-off given before the
            # submission went back to 初核 would otherwise count for the new acceptance.
            for assignment in submission.assignments.exclude(signed_off_at=None):
                assignment.signed_off_at = None
                assignment._history_user = by
                assignment.save(update_fields=["signed_off_at"])
        submission.status = target
        if before == Status.REVIEWED:  # the next review names its own panel session
            submission.review_session = None
        submission.save(update_fields=["status", "review_session"])
        audit(
            by,
            "submission.reopen",
            submission,
            before={"status": before},
            after={"status": target},
            note=reason.strip(),
        )
        if before == Status.REVIEWED:
            results_changed.send(sender=Submission, cycle=submission.cycle, by=by)
    recompute_on_commit(submission.cycle_id)
    return submission
