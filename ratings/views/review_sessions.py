"""集中评审会 pages: the cycle's panel sessions (list and record a new one) and one session's record,
which prints as the panel's minutes with every decision it took."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from branches.access import staff_required
from core.dates import RangeDateField
from core.errors import attempt

from ..models import ReviewSession, Status
from ..workflow import review_sessions
from ..workflow.selectors import cycles_visible_to
from .outcome_access import cycle_for


class ReviewSessionForm(forms.Form):
    held_on = RangeDateField(label=_("评审日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    chair = forms.CharField(label=_("评审组组长"), max_length=50)
    members = forms.CharField(
        label=_("评审组成员"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一人，可写明单位或职务；组长也列入。"),
    )
    minutes = forms.CharField(
        label=_("会议纪要"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )


def _save(request, cycle, form, session=None):
    with attempt(form=form) as outcome:
        session = review_sessions.review_session_save(
            cycle=cycle, by=request.user, session=session, **form.cleaned_data
        )
    return session if outcome.ok else None


@staff_required
@require_http_methods(["GET", "POST"])
def review_session_list(request, pk):
    cycle = cycle_for(request, pk)
    form = ReviewSessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        session = _save(request, cycle, form)
        if session:
            messages.success(request, _("已登记评审会。"))
            return redirect("ratings:review-session", pk=session.pk)
    sessions = ReviewSession.objects.filter(cycle=cycle).order_by("-held_on", "-pk")
    return render(
        request,
        "ratings/review/sessions.html",
        {"cycle": cycle, "sessions": sessions, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def review_session_detail(request, pk):
    session = get_object_or_404(
        ReviewSession.objects.select_related("cycle").filter(cycle__in=cycles_visible_to(request.user)), pk=pk
    )
    initial = {f: getattr(session, f) for f in ("held_on", "place", "chair", "members", "minutes")}
    form = ReviewSessionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, session.cycle, form, session):
        messages.success(request, _("评审会记录已保存。"))
        return redirect("ratings:review-session", pk=session.pk)
    decisions = (
        session.decisions.filter(status=Status.REVIEWED)
        .select_related("party_organization")
        .order_by("party_organization__name")
    )
    return render(
        request,
        "ratings/review/session_detail.html",
        {"session": session, "cycle": session.cycle, "decisions": decisions, "form": form},
        status=400 if form.errors else 200,
    )
