"""What the pages after the review share: who may see which outcome (the access policy's
"outcome.view" scope), the lookups that 404 outside it, and the role gates."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import get_object_or_404

from branches import access
from branches.access import role_required
from branches.models import Role

from ..models import Award, Cycle, Objection, Rectification
from ..workflow.selectors import cycles_visible_to

staff_or_secretary = role_required(Role.STAFF, Role.SECRETARY)
secretary_required = role_required(Role.SECRETARY)
PAGE_SIZE = 50


def outcomes_scoped(qs, user, *, committee_path, party_org_path=None):
    """Outcomes a user may see: staff their committee, a secretary their own party organisation."""
    paths = access.Paths(committee=committee_path, party_organization=party_org_path)
    return access.scoped(qs, user, "outcome.view", paths)


def is_committee_staff(user) -> bool:
    """Staff of a committee (or a superuser): the pages show them the committee's controls."""
    return access.has_role_for(user, "rating.manage")


def cycle_for(request, pk) -> Cycle:
    return get_object_or_404(cycles_visible_to(request.user).select_related("rubric", "committee"), pk=pk)


def objection_for(request, pk) -> Objection:
    qs = Objection.objects.select_related(
        "submission__cycle__rubric", "submission__party_organization", "handled_by"
    )
    return get_object_or_404(
        outcomes_scoped(qs, request.user, committee_path="submission__cycle__committee"), pk=pk
    )


def award_for(request, pk, *, secretary_too=False) -> Award:
    qs = Award.objects.select_related("cycle__committee", "party_organization", "plaque", "submission")
    return get_object_or_404(
        outcomes_scoped(
            qs,
            request.user,
            committee_path="cycle__committee",
            party_org_path="party_organization" if secretary_too else None,
        ),
        pk=pk,
    )


def rectification_for(request, pk) -> Rectification:
    qs = Rectification.objects.select_related(
        "submission__cycle", "submission__party_organization", "indicator", "created_by"
    )
    return get_object_or_404(
        outcomes_scoped(
            qs,
            request.user,
            committee_path="submission__cycle__committee",
            party_org_path="submission__party_organization",
        ),
        pk=pk,
    )


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
