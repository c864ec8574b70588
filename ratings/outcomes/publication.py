"""公示: publishing reviewed results, and making them final once the notice period is over.

Each service locks what it changes, checks the state, writes, records an audit entry, and leaves
notices to the commit."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import User
from branches.services import audit_record

from ..models import Cycle, Objection, Status, Submission, VetoDecision
from ..workflow.edges import TransitionNotAllowed
from . import tasks
from .awards import award_issue


def listed_results(cycle: Cycle):
    """What the public notice lists: reviewed, not vetoed, at one star or more."""
    return (
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED, vetoed=False, proposed_level__gte=1)
        .select_related("party_organization")
        .prefetch_related("party_organization__organizations")
        .order_by("-proposed_level", "party_organization__name")
    )


def notice_is_open(cycle: Cycle, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        cycle.status == Cycle.Status.PUBLISHED
        and cycle.notice_starts_on is not None
        and cycle.notice_starts_on <= today <= cycle.notice_ends_on
    )


@transaction.atomic
def cycle_publish(*, cycle: Cycle, by: User, starts_on: dt.date | None = None) -> Cycle:
    """Staff publish the reviewed results for the notice period (公示)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
    if cycle.status != Cycle.Status.OPEN:
        raise TransitionNotAllowed(
            _("只有进行中的评星周期可以发布公示（当前：%(status)s）。")
            % {"status": cycle.get_status_display()}
        )
    in_progress = list(
        cycle.submissions.filter(
            status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED]
        ).values_list("party_organization__name", flat=True)
    )
    if in_progress:
        raise ValidationError(
            _("以下党组织的申报尚未完成评审，不能公示：%(in_progress)s。")
            % {"in_progress": "、".join(in_progress[:20])}
        )
    if not cycle.submissions.filter(status=Status.REVIEWED).exists():
        raise ValidationError(_("还没有完成评审的申报，无可公示的结果。"))
    starts_on = starts_on or timezone.localdate()
    cycle.status = Cycle.Status.PUBLISHED
    cycle.notice_starts_on = starts_on
    cycle.notice_ends_on = starts_on + dt.timedelta(days=cycle.notice_days - 1)
    cycle.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    audit_record(
        actor=by,
        action="cycle.publish",
        target=cycle,
        after={"from": str(cycle.notice_starts_on), "to": str(cycle.notice_ends_on)},
    )
    transaction.on_commit(lambda: tasks.notify_results_published.delay(cycle.pk), robust=True)
    return cycle


def results_finalize(*, cycle: Cycle, by: User | None = None, today: dt.date | None = None) -> dict:
    """After the notice period: every listed result without an open objection becomes final, and
    plaque-level results get their award. Results with an open objection wait. Called by the daily
    beat job and by staff; running it again changes nothing more."""
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().select_related("rubric").get(pk=cycle.pk)
        if by is not None:
            access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
        if cycle.status == Cycle.Status.FINAL:
            return {"finalized": 0, "waiting": 0, "awards": 0}
        if cycle.status != Cycle.Status.PUBLISHED:
            raise TransitionNotAllowed(_("只有公示中的评星周期可以确定结果。"))
        if today <= cycle.notice_ends_on:
            raise TransitionNotAllowed(
                _("公示期至 %(notice_ends_on)s 结束，期满后才能确定结果。")
                % {"notice_ends_on": cycle.notice_ends_on}
            )
        waiting = set(
            Objection.objects.filter(
                submission__cycle=cycle, state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING]
            ).values_list("submission_id", flat=True)
        )
        todo = (
            Submission.objects.select_for_update()
            .filter(cycle=cycle, status=Status.REVIEWED, finalized_at__isnull=True)
            .exclude(pk__in=waiting)
            .select_related("party_organization")
            .order_by("-total", "pk")
        )
        now = timezone.now()
        finalized = awards = 0
        for sub in todo:
            sub.final_level = None if sub.vetoed else sub.proposed_level
            sub.finalized_at = now
            sub.save(update_fields=["final_level", "finalized_at"])
            finalized += 1
            if sub.final_level and sub.final_level >= cycle.rubric.plaque_min_level:
                award_issue(submission=sub, cycle=cycle, by=by)
                awards += 1
        if not waiting:
            cycle.status = Cycle.Status.FINAL
            cycle.finalized_at = now
            cycle.save(update_fields=["status", "finalized_at"])
        if finalized or not waiting:  # a daily run that only finds results still waiting records nothing
            audit_record(
                actor=by,
                action="cycle.finalize",
                target=cycle,
                after={"finalized": finalized, "awards": awards, "waiting": len(waiting)},
            )
    return {"finalized": finalized, "waiting": len(waiting), "awards": awards}


def open_vetoes(submission: Submission) -> bool:
    return submission.vetoes.filter(state=VetoDecision.State.OPEN).exists()
