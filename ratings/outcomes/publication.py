"""公示: publishing reviewed results, and making them final once the notice period is over.

Each service locks what it changes, checks the state, writes, records an audit entry, and leaves
notices to the commit."""

import datetime as dt
import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from branches import access
from branches.models import Committee, User
from branches.services import audit_record
from core import outbox

from ..models import Cycle, RatingSettings, Status, Submission, VetoDecision
from ..workflow import cycle_edges
from ..workflow.signals import results_changed
from . import tasks
from .awards import award_issue, certificate_number


def listed_results(cycle: Cycle):
    """What the public notice lists: reviewed, not vetoed, at one star or more."""
    return (
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED, vetoed=False, proposed_level__gte=1)
        .select_related("party_organization")
        .prefetch_related("party_organization__organizations")
        .order_by("-proposed_level", "party_organization__name")
    )


# --- the public page's cache ---------------------------------------------------------------------
#
# The public 公示 list is cached per cycle, the latest change to its submissions (their row
# history), notice state, language, page and search. Clearing a
# cycle gives it a new generation, so every key of the old one is left to expire. It is cleared
# when the cycle is published or made final, on every objection outcome and whenever a result
# changes (results_changed); at once, and again after the commit, so that a request between the
# two cannot keep the old list.

NOTICE_CACHE_SECONDS = 600


def _generation_key(cycle_id: int) -> str:
    return f"public-notice:{cycle_id}:generation"


def public_notice_cache_key(cycle_id: int, *parts) -> str:
    generation = cache.get_or_set(_generation_key(cycle_id), lambda: uuid.uuid4().hex, None)
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:24]
    return f"public-notice:{cycle_id}:{generation}:{digest}"


def public_notice_cache_clear(cycle_id: int) -> None:
    def clear():
        cache.set(_generation_key(cycle_id), uuid.uuid4().hex, None)

    clear()
    transaction.on_commit(clear, robust=True)


@receiver(results_changed, dispatch_uid="ratings.public_notice_cache")
def clear_public_notice_when_results_change(sender, *, cycle, **kwargs) -> None:
    public_notice_cache_clear(cycle.pk)


def notice_is_open(cycle: Cycle, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        cycle.status == Cycle.Status.PUBLISHED
        and cycle.notice_starts_on is not None
        and cycle.notice_starts_on <= today <= cycle.notice_ends_on
    )


@transaction.atomic
def cycle_publish(
    *, cycle: Cycle, by: User, starts_on: dt.date | None = None, today: dt.date | None = None
) -> Cycle:
    """Staff publish the reviewed results for the notice period (公示): the edge 进行中 → 公示中 of
    the cycle's transition table, with its rules in `cycle_edges.check_publish`."""
    today = today or timezone.localdate()
    cycle = cycle_edges.lock_cycle(cycle)
    access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
    before = cycle.status
    cycle.status = cycle_edges.require_cycle_transition(cycle, "publish")
    starts_on = starts_on or today
    min_days = RatingSettings.for_committee(cycle.committee_id).notice_min_working_days
    ends_on = cycle_edges.check_publish(cycle, starts_on=starts_on, today=today, min_working_days=min_days)
    cycle.notice_starts_on = starts_on
    cycle.notice_ends_on = ends_on
    cycle.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    audit_record(
        actor=by,
        action="cycle.publish",
        target=cycle,
        before={"status": before},
        after={"status": cycle.status, "from": str(starts_on), "to": str(ends_on)},
    )
    public_notice_cache_clear(cycle.pk)
    outbox.send(tasks.notify_results_published, cycle.pk)
    return cycle


def results_finalize(*, cycle: Cycle, by: User | None = None, today: dt.date | None = None) -> dict:
    """After the notice period: every listed result without an open objection becomes final, and
    plaque-level results get their award. Results with an open objection wait. Called by the daily
    beat job and by staff; running it again changes nothing more."""
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = cycle_edges.lock_cycle(cycle)
        if by is not None:
            access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
        if cycle.status == Cycle.Status.FINAL:
            return {"finalized": 0, "waiting": 0, "awards": 0}
        cycle_edges.require_cycle_transition(cycle, "finalize")
        cycle_edges.check_finalize(cycle, today=today)
        # Results under an open objection wait; the cycle becomes final once every objection is closed.
        waiting = set(cycle_edges.open_objections(cycle).values_list("submission_id", flat=True))
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
            cycle.status = cycle_edges.CYCLE_TRANSITIONS["finalize"][Cycle.Status.PUBLISHED]
            cycle.finalized_at = now
            cycle.save(update_fields=["status", "finalized_at"])
        if finalized or not waiting:
            public_notice_cache_clear(cycle.pk)
        if finalized or not waiting:  # a daily run that only finds results still waiting records nothing
            audit_record(
                actor=by,
                action="cycle.finalize",
                target=cycle,
                after={"finalized": finalized, "awards": awards, "waiting": len(waiting)},
            )
    return {"finalized": finalized, "waiting": len(waiting), "awards": awards}


def finalize_preview(cycle: Cycle) -> dict:
    """What `results_finalize` would do now, for the confirmation page: the results it makes final,
    the awards and the certificate numbers it issues, and the results that wait for an objection."""
    waiting = set(cycle_edges.open_objections(cycle).values_list("submission_id", flat=True))
    todo = list(
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED, finalized_at__isnull=True)
        .exclude(pk__in=waiting)
        .select_related("party_organization")
        .order_by("-total", "pk")
    )
    committee = Committee.objects.get(pk=cycle.committee_id)
    pattern = RatingSettings.for_committee(cycle.committee_id).certificate_pattern
    seq = cycle.awards.count()
    awards = []
    for sub in todo:
        level = None if sub.vetoed else sub.proposed_level
        if level and level >= cycle.rubric.plaque_min_level:
            seq += 1
            number = certificate_number(pattern, committee=committee, year=cycle.year, seq=seq)
            awards.append((sub.party_organization.name, level, number))
    return {"finalized": len(todo), "awards": awards, "waiting": len(waiting)}


def open_vetoes(submission: Submission) -> bool:
    return submission.vetoes.filter(state=VetoDecision.State.OPEN).exists()
