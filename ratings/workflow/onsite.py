"""On-site inspection: assigning inspectors (with conflicts of interest), their scores, photos and
signatures."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import User
from core import outbox
from core.dates import short_datetime
from core.uploads import IMAGES, sniff

from ..models import (
    Indicator,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    Status,
    Submission,
)
from . import tasks
from .edges import (
    TransitionNotAllowed,
    audit,
    audit_value,
    indicator_of,
    lock_submission,
    require_transition,
    score_bounds,
    stored_file,
    submission_target,
)
from .levels import recompute_on_commit
from .versions import inspection_score_version, require_version

# A visit the inspector still works on: not signed off, and its submission accepted (a submission
# sent back or moved on has ended the visit). The list, the page and the offline copy use this.
OPEN_VISIT = Q(signed_off_at__isnull=True, submission__status=Status.ACCEPTED)


def visit_is_open(assignment: InspectionAssignment) -> bool:
    """OPEN_VISIT for one assignment already read."""
    return assignment.signed_off_at is None and assignment.submission.status == Status.ACCEPTED


def conflict_reason(inspector: User, submission: Submission) -> str | None:
    """Why this inspector may not inspect this submission (回避), or None."""
    orgs = list(submission.party_organization.organizations.values_list("pk", flat=True))
    conflict = (
        InspectorConflict.objects.filter(inspector=inspector, organization_id__in=orgs)
        .select_related("organization")
        .first()
    )
    if conflict:
        return _("%(inspector)s与%(organization)s存在关联（%(kind)s%(note)s），须回避。") % {
            "inspector": inspector,
            "organization": conflict.organization,
            "kind": conflict.get_kind_display(),
            "note": "：" + conflict.note if conflict.note else "",
        }
    if inspector.memberships.filter(party_organization_id=submission.party_organization_id).exists():
        return _("%(inspector)s是%(party_organization)s的党员，须回避。") % {
            "inspector": inspector,
            "party_organization": submission.party_organization,
        }
    return None


def inspector_assign(
    *, submission: Submission, inspector: User, by: User, visit_at=None
) -> InspectionAssignment:
    """Assign an inspector to a submission accepted for inspection, refusing conflicts of interest;
    `visit_at`, the visit agreed with the branch, lies between now and the inspection deadline."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", submission_target(submission))
        if submission.status != Status.ACCEPTED:
            raise TransitionNotAllowed(_("只能为“待实地验收”的申报分配验收人员。"))
        if visit_at is not None and not (
            timezone.now() - dt.timedelta(hours=1) <= visit_at <= submission.cycle.inspection_deadline
        ):
            raise ValidationError(
                {
                    "visit_at": _("约定验收时间应在现在与验收截止（%(deadline)s）之间。")
                    % {"deadline": short_datetime(submission.cycle.inspection_deadline)}
                }
            )
        if (
            access.actor_kind(inspector) != access.INSPECTOR
            or inspector.committee_id != submission.cycle.committee_id
        ):
            raise ValidationError(_("%(inspector)s不是本综合党委的验收人员。") % {"inspector": inspector})
        reason = conflict_reason(inspector, submission)
        if reason:
            raise ValidationError(reason, code="conflict_of_interest")
        assignment, created = InspectionAssignment.objects.get_or_create(
            submission=submission, inspector=inspector, defaults={"assigned_by": by, "visit_at": visit_at}
        )
        if not created:
            raise ValidationError(_("%(inspector)s已经分配给该申报。") % {"inspector": inspector})
        audit(by, "inspection.assign", submission, after={"inspector": inspector.pk}, note=str(inspector))
        outbox.send(tasks.notify_inspection_assigned, assignment.pk)
    return assignment


def inspector_unassign(*, assignment: InspectionAssignment, by: User) -> None:
    with transaction.atomic():
        submission = lock_submission(assignment.submission)
        access.require(by, "rating.manage", submission_target(submission))
        if submission.status != Status.ACCEPTED or assignment.signed_off_at:
            raise TransitionNotAllowed(_("已签字或验收已完成，不能撤销分配。"))
        audit(
            by,
            "inspection.unassign",
            submission,
            before={"inspector": assignment.inspector_id},
            note=str(assignment.inspector),
        )
        assignment.delete()
        complete_inspection_if_signed(submission, by)


def _lock_assignment(assignment: InspectionAssignment, by: User) -> InspectionAssignment:
    assignment = (
        InspectionAssignment.objects.select_for_update(of=("self",))
        .select_related("submission__cycle", "submission__party_organization", "inspector")
        .get(pk=assignment.pk)
    )
    if assignment.inspector_id != by.pk:
        raise PermissionDenied(_("只能填写分配给自己的验收。"))
    if assignment.submission.status != Status.ACCEPTED:
        raise TransitionNotAllowed(_("验收已结束，不能再修改。"))
    if assignment.signed_off_at:
        raise TransitionNotAllowed(_("您已签字确认，不能再修改。"))
    return assignment


def inspection_score_save(
    *,
    assignment: InspectionAssignment,
    indicator_id,
    score,
    finding: str,
    by: User,
    if_version: str | None = None,
) -> InspectionScore:
    """One inspector records a score and finding for one indicator (time recorded).
    `if_version`: the version the change was based on (the API); another one is a Conflict."""
    with transaction.atomic():
        assignment = _lock_assignment(assignment, by)
        submission = assignment.submission
        indicator = indicator_of(submission, indicator_id)
        score = score_bounds(score, indicator, _("验收分"))
        finding = (finding or "").strip()[:2000]
        row, _created = InspectionScore.objects.select_for_update().get_or_create(
            assignment=assignment, indicator=indicator
        )
        before = {"score": audit_value(row.score), "finding": row.finding}
        require_version(if_version, inspection_score_version(row), {"indicator": indicator.pk, **before})
        row.score, row.finding, row.recorded_at = score, finding, timezone.now()
        row.save()
        after = {"score": audit_value(score), "finding": finding}
        if before != after:
            audit(by, "inspection.score", submission, before=before, after=after, note=indicator.code)
    return row


def inspection_photo_add(
    *, assignment: InspectionAssignment, indicator_id, upload, by: User
) -> InspectionPhoto:
    with transaction.atomic():
        assignment = _lock_assignment(assignment, by)
        indicator = indicator_of(assignment.submission, indicator_id)
        mime = sniff(upload, IMAGES)
        photo = InspectionPhoto(
            assignment=assignment,
            indicator=indicator,
            original_name=upload.name[:200],
            content_type=mime,
            size=upload.size,
        )
        with stored_file(photo, upload):
            audit(
                by,
                "inspection.photo",
                assignment.submission,
                after={"file": photo.original_name},
                note=indicator.code,
            )
    return photo


def inspection_photo_remove(*, photo: InspectionPhoto, by: User) -> None:
    """The inspector removes a wrong photo of their own assignment before signing; the file goes
    once the removal is committed."""
    with transaction.atomic():
        assignment = _lock_assignment(photo.assignment, by)
        photo = InspectionPhoto.objects.select_related("indicator").get(pk=photo.pk, assignment=assignment)
        audit(
            by,
            "inspection.photo_remove",
            assignment.submission,
            before={"file": photo.original_name},
            note=photo.indicator.code,
        )
        stored, storage = photo.file.name, photo.file.storage
        photo.delete()
        transaction.on_commit(lambda: storage.delete(stored))


def inspection_sign_off(*, assignment: InspectionAssignment, by: User) -> InspectionAssignment:
    """An inspector signs off their scores; the last required signature completes the inspection."""
    with transaction.atomic():
        submission = lock_submission(assignment.submission)
        assignment = _lock_assignment(assignment, by)
        require_transition(submission, "sign_off")
        indicators = set(
            Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).values_list(
                "pk", flat=True
            )
        )
        scored = set(assignment.scores.filter(score__isnull=False).values_list("indicator_id", flat=True))
        if indicators - scored:
            codes = (
                Indicator.objects.filter(pk__in=indicators - scored)
                .order_by("category__order", "order")
                .values_list("code", flat=True)
            )
            raise ValidationError(
                _("还有指标未评分：%(codes)s。") % {"codes": "、".join(codes)}, code="incomplete"
            )
        assignment.signed_off_at = timezone.now()
        assignment.save(update_fields=["signed_off_at"])
        audit(by, "inspection.sign_off", submission, note=str(by))
        complete_inspection_if_signed(submission, by)
    return assignment


def complete_inspection_if_signed(submission: Submission, by: User) -> None:
    """ACCEPTED → INSPECTED once enough inspectors are assigned and all of them have signed
    (after a signature, or after the last one yet to sign is unassigned). Caller holds the lock."""
    required = RatingSettings.for_committee(submission.cycle.committee_id).min_inspectors
    assignments = list(submission.assignments.all())
    if len(assignments) >= required and all(a.signed_off_at for a in assignments):
        submission.status = Status.INSPECTED
        submission.inspected_at = timezone.now()
        submission.save(update_fields=["status", "inspected_at"])
        audit(
            by,
            "submission.inspected",
            submission,
            before={"status": Status.ACCEPTED},
            after={"status": Status.INSPECTED},
        )
        recompute_on_commit(submission.cycle_id)
