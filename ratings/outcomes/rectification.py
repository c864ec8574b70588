"""整改: rectification items from the review, answered by the branch, verified by staff."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import access
from branches.models import User
from core import outbox
from core.uploads import DOCUMENTS, sniff

from ..models import Rectification, RectificationEvidence, Status, Submission
from ..workflow.edges import (
    TransitionNotAllowed,
    audit,
    indicator_of,
    lock_submission,
    stored_name,
    submission_target,
)
from . import tasks

TRANSITIONS = {
    "answer": {
        Rectification.State.OPEN: Rectification.State.ANSWERED,
        Rectification.State.SENT_BACK: Rectification.State.ANSWERED,
    },
    "verify": {Rectification.State.ANSWERED: Rectification.State.VERIFIED},
    "send_back": {Rectification.State.ANSWERED: Rectification.State.SENT_BACK},
}


LABELS = {
    "answer": gettext_lazy("报送整改情况"),
    "verify": gettext_lazy("验证销号"),
    "send_back": gettext_lazy("退回重改"),
}


def rectification_create(
    *, submission: Submission, by: User, problem: str, requirement: str, due_on, indicator_id=None
) -> Rectification:
    """Staff turn a weakness found in the review into an item with a due date."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.manage", access.Target(committee_id=submission.cycle.committee_id))
        if submission.status != Status.REVIEWED:
            raise TransitionNotAllowed(_("评审完成后才能下达整改事项。"))
        problem, requirement = (problem or "").strip(), (requirement or "").strip()
        if not problem or not requirement:
            raise ValidationError(_("请写明存在问题和整改要求。"))
        if due_on is None or due_on < timezone.localdate():
            raise ValidationError(_("整改期限不能早于今天。"))
        indicator = indicator_of(submission, indicator_id) if indicator_id else None
        item = Rectification.objects.create(
            submission=submission,
            indicator=indicator,
            problem=problem[:2000],
            requirement=requirement[:2000],
            due_on=due_on,
            created_by=by,
        )
        audit(
            by,
            "rectification.create",
            submission,
            after={"item": item.pk, "due_on": str(due_on)},
            note=problem[:200],
        )
        outbox.send(tasks.notify_rectification_issued, item.pk)
    return item


def _lock_item(item: Rectification, action: str) -> tuple[Rectification, str]:
    item = Rectification.objects.select_for_update().select_related("submission__cycle").get(pk=item.pk)
    allowed = TRANSITIONS[action]
    if item.state not in allowed:
        raise TransitionNotAllowed(
            _("整改事项当前为“%(state)s”，不能%(action)s。")
            % {"state": item.get_state_display(), "action": LABELS[action]}
        )
    return item, allowed[item.state]


def rectification_answer(*, item: Rectification, by: User, answer: str, files=()) -> Rectification:
    """The branch secretary reports what was done, with evidence."""
    answer = (answer or "").strip()
    with transaction.atomic():
        item, target = _lock_item(item, "answer")
        if not access.can(by, "outcome.respond", submission_target(item.submission)):
            raise PermissionDenied(_("只有本党组织的书记可以报送整改情况。"))
        if not answer:
            raise ValidationError(_("请写明整改情况。"))
        checked = [(f, sniff(f, DOCUMENTS)) for f in files]
        for f, mime in checked:
            ev = RectificationEvidence(
                rectification=item, original_name=f.name[:200], content_type=mime, size=f.size, uploaded_by=by
            )
            ev.file.save(stored_name(f.name), f, save=False)
            ev.save()
        before = item.state
        item.state, item.answer, item.answered_at = target, answer[:4000], timezone.now()
        item.save(update_fields=["state", "answer", "answered_at"])
        audit(by, "rectification.answer", item.submission, before={"state": before}, after={"state": target})
    return item


def rectification_verify(*, item: Rectification, by: User, note: str = "") -> Rectification:
    with transaction.atomic():
        item, target = _lock_item(item, "verify")
        access.require(by, "rating.manage", access.Target(committee_id=item.submission.cycle.committee_id))
        item.state, item.staff_note, item.verified_at = target, (note or "").strip()[:2000], timezone.now()
        item.save(update_fields=["state", "staff_note", "verified_at"])
        audit(
            by,
            "rectification.verify",
            item.submission,
            before={"state": Rectification.State.ANSWERED},
            after={"state": target},
        )
    return item


def rectification_send_back(*, item: Rectification, by: User, note: str) -> Rectification:
    note = (note or "").strip()
    with transaction.atomic():
        item, target = _lock_item(item, "send_back")
        access.require(by, "rating.manage", access.Target(committee_id=item.submission.cycle.committee_id))
        if not note:
            raise ValidationError(_("退回重改须写明原因。"))
        item.state, item.staff_note = target, note[:2000]
        item.save(update_fields=["state", "staff_note"])
        audit(
            by,
            "rectification.send_back",
            item.submission,
            before={"state": Rectification.State.ANSWERED},
            after={"state": target},
            note=note,
        )
        outbox.send(tasks.notify_rectification_sent_back, item.pk)
    return item
