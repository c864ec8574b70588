"""Reads of the rating procedure scoped to a user."""

from django.db.models import Q, QuerySet

from branches import access
from branches.models import User

from ..models import Cycle, InspectionAssignment, Rubric, Status, Submission
from .edges import EDITABLE_BY_BRANCH

SUBMISSION_PATHS = access.Paths(
    committee="cycle__committee", party_organization="party_organization", inspector="assignments__inspector"
)


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """Staff: their committee; secretary: their own party organisation; inspector: assigned only."""
    return access.scoped(Submission.objects.all(), user, "rating.view", SUBMISSION_PATHS)


CYCLE_PATHS = access.Paths(committee="committee")


def cycles_visible_to(user: User) -> QuerySet[Cycle]:
    """The cycles whose rating `user` manages: staff their committee's, a superuser every one."""
    return access.scoped(Cycle.objects.all(), user, "rating.manage", CYCLE_PATHS)


# A branch sees its own result once reviewed and its cycle's results published (公示, then final);
# staff see it once reviewed. The 星级历史 page and the API read this one rule.
BRANCH_RESULT_CYCLE_STATES = (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)
BRANCH_RESULT_SHOWN = Q(status=Status.REVIEWED, cycle__status__in=BRANCH_RESULT_CYCLE_STATES)
OUTCOME_PATHS = access.Paths(committee="cycle__committee", party_organization="party_organization")


def results_shown_to_branch(user: User) -> QuerySet[Submission]:
    """The submissions whose published result `user` reads as their branch's (a secretary: their
    own branch's, published only; staff and superusers: their committee's, published only)."""
    return access.scoped(Submission.objects.filter(BRANCH_RESULT_SHOWN), user, "outcome.view", OUTCOME_PATHS)


# A cycle reaches a branch and an inspector through its submissions (one per branch and cycle).
CYCLE_WORK_PATHS = access.Paths(
    committee="committee",
    party_organization="submissions__party_organization",
    inspector="submissions__assignments__inspector",
)


def cycles_worked_in_by(user: User) -> QuerySet[Cycle]:
    """The cycles `user` works in, as the pages show them: staff their committee's, a superuser every
    one, a secretary those their own branch has a submission in, an inspector those of the
    submissions assigned to them. (`cycles_visible_to` stays the committee's work: managing.)"""
    return Cycle.objects.filter(
        pk__in=access.scoped(Cycle.objects.all(), user, "rating.view", CYCLE_WORK_PATHS).values("pk")
    )


def rubrics_worked_with_by(user: User) -> QuerySet[Rubric]:
    """The rubric versions `user` reads: staff (a superuser) every one of their committee, drafts
    too; a secretary or an inspector the rubrics of the cycles they work in."""
    managed = access.scoped(Rubric.objects.all(), user, "rating.manage", access.Paths(committee="committee"))
    return Rubric.objects.filter(
        Q(pk__in=managed.values("pk")) | Q(pk__in=cycles_worked_in_by(user).values("rubric"))
    )


def last_return_reasons(submission: Submission) -> list:
    """The reasons of the latest return (general ones first, then in the rubric's order), or an empty
    list."""
    reasons = list(submission.return_reasons.select_related("indicator", "created_by"))
    if not reasons:
        return []
    last = max(r.round for r in reasons)
    latest = [r for r in reasons if r.round == last]
    return sorted(latest, key=lambda r: r.indicator_id is not None)


def assignments_of(user: User) -> QuerySet[InspectionAssignment]:
    if access.actor_kind(user) != access.INSPECTOR:
        return InspectionAssignment.objects.none()
    return (
        InspectionAssignment.objects.filter(inspector=user)
        .select_related("submission__cycle", "submission__party_organization")
        .order_by("signed_off_at", "-submission__cycle__year", "submission__party_organization__name")
    )


def party_organization_ids_assigned_to(user: User):
    """Party organisations an inspector may see because a submission of theirs is assigned."""
    return InspectionAssignment.objects.filter(inspector=user).values("submission__party_organization_id")


def queue(user: User, *, cycle: Cycle, status: str = "", search: str = "") -> QuerySet[Submission]:
    qs = submissions_visible_to(user).filter(cycle=cycle).select_related("party_organization")
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(party_organization__name__icontains=search.strip()))
    return qs.order_by("party_organization__name", "pk")


def overdue_q(now) -> Q:
    """Submissions not submitted although the (possibly extended) deadline has passed."""
    return Q(status__in=EDITABLE_BY_BRANCH) & (
        Q(deadline_extended_to__lt=now)
        | Q(deadline_extended_to__isnull=True, cycle__self_assessment_deadline__lt=now)
    )
