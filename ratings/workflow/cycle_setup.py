"""Cycle services: prepare a yearly cycle, choose who takes part, open it."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from branches import access
from branches.models import PartyOrganization, User
from branches.services import audit_record
from core import outbox

from ..models import Cycle, CycleExclusion, Status, Submission
from ..rubric.services import rubric_check
from . import cycle_edges, tasks
from .edges import TransitionNotAllowed


@transaction.atomic
def cycle_open(*, cycle: Cycle, by: User, exclusions: dict[int, str] | None = None) -> Cycle:
    """Start a cycle: freeze its rubric and create a draft submission for every active party
    organisation of the committee that is not excluded (with a reason)."""
    cycle = cycle_edges.lock_cycle(cycle)
    access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
    if cycle.status != Cycle.Status.DRAFT:
        raise TransitionNotAllowed(_("评星周期已启动，不能重复启动。"))
    new_status = cycle_edges.require_cycle_transition(cycle, "open")
    problems = rubric_check(cycle.rubric)
    if problems:
        raise ValidationError(problems)
    exclusions = exclusions or {}
    for po_id, reason in exclusions.items():
        if not (reason or "").strip():
            raise ValidationError(_("不参评的党组织必须说明原因。"))
        CycleExclusion.objects.update_or_create(
            cycle=cycle, party_organization_id=po_id, defaults={"reason": reason.strip()}
        )
    excluded = set(cycle.exclusions.values_list("party_organization_id", flat=True))
    pos = PartyOrganization.objects.filter(committee_id=cycle.committee_id, is_active=True).exclude(
        pk__in=excluded
    )
    # The cycle row is locked, so no other request adds submissions meanwhile.
    pos = pos.exclude(pk__in=cycle.submissions.values("party_organization_id"))
    bulk_create_with_history(
        [Submission(cycle=cycle, party_organization=po) for po in pos], Submission, default_user=by
    )
    rubric = cycle.rubric
    if rubric.frozen_at is None:
        rubric.frozen_at = timezone.now()
        rubric._history_user = by
        rubric.save(update_fields=["frozen_at"])
    cycle.status = new_status
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    audit_record(
        actor=by,
        action="cycle.open",
        target=cycle,
        after={"submissions": cycle.submissions.count(), "excluded": sorted(excluded)},
    )
    outbox.send(tasks.notify_cycle_opened, cycle.pk)
    return cycle


def cycle_create(*, cycle: Cycle, by: User) -> Cycle:
    """Staff prepare a yearly cycle on a rubric of their committee; it stays in 筹备 until opened.
    A second cycle for the same year is a ValidationError on `year`, also when two requests race."""
    if cycle.pk:
        raise ValidationError(_("该评星周期已经创建。"))
    access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
    cycle.status = Cycle.Status.DRAFT
    if Cycle.objects.filter(committee_id=cycle.committee_id, year=cycle.year).exists():
        raise duplicate_year(cycle)
    cycle.full_clean()
    try:
        with transaction.atomic():
            cycle.save()
            cycle_created(cycle, by)
    except IntegrityError as exc:
        cycle.pk = None
        if Cycle.objects.filter(committee_id=cycle.committee_id, year=cycle.year).exists():
            raise duplicate_year(cycle) from exc
        raise
    return cycle


def duplicate_year(cycle: Cycle) -> ValidationError:
    return ValidationError(
        {"year": _("%(year)s 年度的评星周期已经存在。") % {"year": cycle.year}}, code="unique"
    )


def cycle_created(cycle: Cycle, by: User) -> None:
    audit_record(
        actor=by, action="cycle.create", target=cycle, after={"year": cycle.year, "rubric": cycle.rubric_id}
    )


def cycle_exclusion_set(
    *, cycle: Cycle, party_organization: PartyOrganization, reason: str, by: User
) -> CycleExclusion:
    """Leave a party organisation out of a cycle before it opens, with the reason."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
        if cycle.status == Cycle.Status.OPEN:
            # After opening, only a branch that never submitted (or was returned and did not submit
            # again) can be left out, so that 公示 can go ahead without it.
            unsubmitted = cycle.submissions.filter(
                party_organization=party_organization, status__in=[Status.DRAFT, Status.RETURNED]
            )
            if not unsubmitted.exists():
                raise TransitionNotAllowed(_("只有未提交申报的党组织可以在评星启动后列为不参评。"))
        elif cycle.status != Cycle.Status.DRAFT:
            raise TransitionNotAllowed(_("评星周期已启动，不能再调整参评党组织。"))
        if party_organization.committee_id != cycle.committee_id:
            raise ValidationError(_("该党组织不属于本综合党委。"))
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(_("不参评的党组织必须说明原因。"))
        exclusion, _created = CycleExclusion.objects.update_or_create(
            cycle=cycle, party_organization=party_organization, defaults={"reason": reason[:300]}
        )
        audit_record(
            actor=by,
            action="cycle.exclude",
            target=cycle,
            after={"party_organization": party_organization.pk, "reason": reason[:300]},
            note=str(party_organization),
        )
    return exclusion


def cycle_exclusion_remove(*, exclusion: CycleExclusion, by: User) -> None:
    """Take a party organisation back into a cycle that has not opened yet."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=exclusion.cycle_id)
        access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
        if cycle.status != Cycle.Status.DRAFT:
            raise TransitionNotAllowed(_("评星周期已启动，不能再调整参评党组织。"))
        audit_record(
            actor=by,
            action="cycle.include",
            target=cycle,
            before={"party_organization": exclusion.party_organization_id, "reason": exclusion.reason},
            note=str(exclusion.party_organization),
        )
        exclusion.delete()
