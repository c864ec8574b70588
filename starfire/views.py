"""Pages of the project as a whole: the home page of every role and the committee switcher.

They compose the apps (the register, the rating), so they live above them; the apps' own pages
never link upwards except through URL names.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.i18n import set_language as django_set_language

from branches import access, selectors
from branches.models import Committee
from core import outbox
from programme.cases import cases_for_branch
from ratings.models import Cycle
from ratings.views.public import notice_state

from . import health, worklists
from .forms import CommitteeChoiceForm


def home(request):
    """Signed-in users get the home page of their role; anyone else the public front door."""
    if not request.user.is_authenticated:
        return public_home(request)
    return _user_home(request)


def public_home(request):
    """The committees' current 公示 notices (with the office that takes objections) and the
    certificate check: what the public comes for. Nothing here needs a login."""
    cycles = list(
        Cycle.objects.filter(status=Cycle.Status.PUBLISHED)
        .select_related("committee")
        .order_by("-notice_starts_on", "committee__name")
    )
    for cycle in cycles:
        cycle.notice_state = notice_state(cycle)
    return render(request, "starfire/public_home.html", {"cycles": cycles})


def _user_home(request):
    """The work page: what waits for this person, each item a link to where it is done."""
    user = request.user
    kind = access.actor_kind(user)
    context = {"kind": kind}
    if kind == access.SECRETARY:
        po_id = user.party_organization_id
        context["party_organization"] = user.party_organization
        context["tasks"] = worklists.secretary_tasks(po_id)
        context["result"] = worklists.secretary_result(po_id)
        context["cases"] = cases_for_branch(po_id, user.party_organization.committee_id)
    elif kind in (access.STAFF, access.SUPERUSER):
        context["delivery"] = delivery_status()
        committee_id = access.acting_committee_id(request)
        if kind == access.SUPERUSER:
            context["committees"] = worklists.committees_side_by_side()
        if committee_id:
            context["committee"] = Committee.objects.get(pk=committee_id)
            context["coverage"] = selectors.coverage_report(committee_id).overall
            context["tasks"] = worklists.staff_tasks(committee_id)
    elif kind == access.INSPECTOR:
        context["visits"] = worklists.inspector_visits(user)
    return render(request, "starfire/home.html", context)


def delivery_status() -> dict:
    """Whether notices and follow-up work can reach the workers now, and how many wait (core.outbox)."""
    broker = health.broker_status()
    counts = outbox.counts()
    broker_down = bool(broker) and broker != "ok"
    return {**counts, "broker_down": broker_down, "shown": broker_down or counts["failed"] > 0}


def safe_next(request, candidate: str | None) -> str | None:
    """`candidate` if it is a path on this site (no other host, no other scheme), else None."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@login_required
def committee_switch(request):
    """A superuser picks the committee whose pages they work in (staff and inspectors have theirs)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    current = access.acting_committee_id(request)
    if request.method == "POST":
        form = CommitteeChoiceForm(request.POST)
        if form.is_valid():
            committee = form.cleaned_data["committee"]
            access.set_acting_committee(request, committee.pk)
            messages.success(request, _("现在查看的是%(name)s。") % {"name": committee.name})
            return redirect(next_url or "home")
    else:
        form = CommitteeChoiceForm(initial={"committee": current})
    return render(
        request,
        "starfire/committee_switch.html",
        {
            "form": form,
            "next": next_url or "",
            "current": current,
            "committees": Committee.objects.order_by("name"),
        },
    )


class LoginView(auth_views.LoginView):
    """Log in, and open the interface in the language the user last chose (kept on the account
    by the language switch), also on a device that never saw it."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out, and tell the browser to drop what this site kept on the device (an inspector's
    offline queue, kept pages and service worker); the login page it leads to wipes them too, for
    browsers that ignore the header."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


def set_language(request):
    """Django's language switch, and for a logged-in user the choice kept on the account: the
    notices and e-mails written for them follow it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and request.user.language != language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
