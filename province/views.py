"""The province's 两新工委: committees side by side (read only), and a superuser's assignment of
committees to province users."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from branches import access
from branches.models import Role, User
from core.errors import attempt
from ratings.outcomes.publication import listed_results

from . import selectors
from .forms import ProvinceCommitteesForm
from .services import province_committees_set

PAGE_SIZE = 50


def _require(request, action: str) -> None:
    if not access.has_role_for(request.user, action):
        raise PermissionDenied(access.DEFAULT_DENIED)


def _year(request) -> int | None:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return None


@login_required
def overview(request):
    """Every assigned committee, year on year; regions of the chosen year."""
    _require(request, "province.view")
    data = selectors.overview(request.user, year=_year(request))
    return render(request, "province/overview.html", data)


@login_required
def committee(request, pk):
    """One committee's published figures and cycles (404 outside the assigned committees)."""
    _require(request, "province.view")
    committee = get_object_or_404(selectors.committees_for(request.user), pk=pk)
    data = selectors.overview(request.user, year=_year(request), committee_id=committee.pk)
    cycles = [c for c in selectors.published_cycles(request.user) if c.committee_id == committee.pk]
    return render(request, "province/committee.html", {**data, "committee": committee, "cycles": cycles})


@login_required
def cycle_results(request, pk):
    """The results of a published cycle as the public notice lists them, with the stored tally."""
    _require(request, "province.view")
    cycle = selectors.published_cycle(request.user, pk)
    if cycle is None:
        raise Http404
    page = Paginator(listed_results(cycle), PAGE_SIZE).get_page(request.GET.get("page"))
    tally = getattr(cycle, "tally", None)
    return render(
        request,
        "province/cycle.html",
        {"cycle": cycle, "page": page, "d": tally.data if tally else None, "snap": tally},
    )


@login_required
def users(request):
    """A superuser's list of the province users and the committees each reads."""
    _require(request, "province.assign")
    rows = (
        User.objects.filter(role=Role.PROVINCE).prefetch_related("province_committees").order_by("username")
    )
    return render(request, "province/users.html", {"users": rows})


@login_required
def user_committees(request, pk):
    """A superuser assigns committees to one province user."""
    _require(request, "province.assign")
    target = get_object_or_404(User, pk=pk, role=Role.PROVINCE)
    form = ProvinceCommitteesForm(
        request.POST if request.method == "POST" else None,
        initial={"committees": list(target.province_committees.all())},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(request, form=form) as outcome:
                province_committees_set(
                    user=target, committees=list(form.cleaned_data["committees"]), by=request.user
                )
            if outcome.ok:
                messages.success(request, _("已保存 %(name)s 可查看的综合党委。") % {"name": target})
                return redirect("province:users")
    return render(request, "province/user_committees.html", {"target": target, "form": form}, status=status)
