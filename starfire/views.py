"""Pages of the project as a whole: the home page of every role.

They compose the apps (the register, the rating), so they live above them; the apps' own pages
never link upwards except through URL names.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from branches import access, selectors
from branches.models import Role
from ratings.models import Status
from ratings.selectors import assignments_of


@login_required
def home(request):
    user = request.user
    if user.role == Role.SECRETARY and user.party_organization_id:
        return redirect("branches:party-organization-detail", pk=user.party_organization_id)
    context = {}
    if user.role == Role.STAFF or user.is_superuser:
        committee_id = access.acting_committee_id(request)
        if committee_id:
            context["coverage"] = selectors.coverage_report(committee_id).overall
    if user.role == Role.INSPECTOR:
        context["open_assignments"] = list(
            assignments_of(user)
            .filter(signed_off_at__isnull=True, submission__status=Status.ACCEPTED)
            .prefetch_related("submission__party_organization__organizations")
        )
    return render(request, "starfire/home.html", context)
