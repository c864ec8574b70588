"""动态管理 pages: a cycle's follow-up samples and checks; one check's visit, scores and end."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from branches import access
from branches.access import role_required, staff_required
from branches.models import Role
from core.errors import attempt

from ..models import FollowUpCheck, FollowUpSample, RatingSettings
from ..outcomes import followup
from .forms_followup import (
    FollowUpConcludeForm,
    FollowUpReportForm,
    FollowUpSampleForm,
    FollowUpScheduleForm,
    FollowUpScoreForm,
)
from .outcome_access import award_for, cycle_for, outcomes_scoped

PAGE_CHECKS = 200


@staff_required
def followup_list(request, pk):
    """The cycle's samples (with their seeds) and checks; POST draws a new sample."""
    cycle = cycle_for(request, pk)
    settings_row = RatingSettings.for_committee(cycle.committee_id)
    form = FollowUpSampleForm(
        request.POST if request.method == "POST" else None, initial={"share": settings_row.followup_share}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form=form) as outcome:
                sample = followup.followup_sample_draw(cycle=cycle, by=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(
                    request,
                    _("已抽取 %(n)d 个命名进行跟踪评估（随机种子 %(seed)d）。")
                    % {"n": sample.checks.count(), "seed": sample.seed},
                )
                return redirect("ratings:followup", pk=cycle.pk)
    checks = (
        FollowUpCheck.objects.filter(award__cycle=cycle)
        .select_related("award__party_organization", "sample", "inspector")
        .order_by("state", "-opened_at")[:PAGE_CHECKS]
    )
    return render(
        request,
        "ratings/followup/list.html",
        {
            "cycle": cycle,
            "form": form,
            "samples": FollowUpSample.objects.filter(cycle=cycle).select_related("drawn_by"),
            "checks": checks,
            "eligible": followup.valid_high_awards(cycle).count(),
        },
        status=status,
    )


def _check_for(request, pk) -> FollowUpCheck:
    qs = FollowUpCheck.objects.select_related(
        "award__cycle__committee", "award__party_organization", "sample", "inspector", "closed_by"
    )
    return get_object_or_404(
        outcomes_scoped(qs, request.user, committee_path="award__cycle__committee"), pk=pk
    )


STEPS = {"schedule", "score", "conclude"}


@staff_required
def followup_check(request, pk):
    """One check: schedule the visit, score the chosen indicators, end it (POST `step`)."""
    check = _check_for(request, pk)
    post = request.POST if request.method == "POST" else None
    step = post.get("step") if post else None
    forms = {
        "schedule": FollowUpScheduleForm(
            post if step == "schedule" else None,
            check=check,
            initial={
                "visit_on": check.visit_on,
                "inspector": check.inspector_id,
                "indicators": list(check.indicators.all()),
            },
        ),
        "score": FollowUpScoreForm(post if step == "score" else None, check=check),
        "conclude": FollowUpConcludeForm(post if step == "conclude" else None),
    }
    status = 200
    if post is not None:
        status = 400
        form = forms.get(step)
        if form is None:
            messages.error(request, _("请选择要进行的操作。"))
        elif form.is_valid():
            with attempt(form=form) as outcome:
                if step == "schedule":
                    followup.followup_schedule(check=check, by=request.user, **form.cleaned_data)
                elif step == "score":
                    followup.followup_score(check=check, by=request.user, **form.cleaned_data)
                else:
                    followup.followup_conclude(check=check, by=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("已保存。"))
                return redirect("ratings:followup-check", pk=check.pk)
    return render(
        request,
        "ratings/followup/check.html",
        {
            "check": check,
            "award": check.award,
            "scores": check.scores.select_related("indicator", "scored_by").order_by("indicator_id"),
            "schedule_form": forms["schedule"],
            "score_form": forms["score"],
            "conclude_form": forms["conclude"],
        },
        status=status,
    )


# --- the assigned inspector's visit -------------------------------------------------------------------

INSPECTOR_PATHS = access.Paths(committee="award__cycle__committee", inspector="inspector")


def inspector_followups(user):
    """The follow-up checks `user` is assigned to, open first (one query, whatever their number)."""
    return (
        access.scoped(FollowUpCheck.objects.all(), user, "followup.score", INSPECTOR_PATHS)
        .select_related("award__party_organization", "award__cycle")
        .order_by("state", "visit_on", "pk")
    )


@role_required(Role.INSPECTOR)
def followup_visit(request, pk):
    """The assigned inspector scores the chosen indicators of a follow-up visit, a finding each;
    read-only once the check has ended. Other inspectors get 404."""
    check = get_object_or_404(inspector_followups(request.user).select_related("inspector"), pk=pk)
    is_open = check.state == FollowUpCheck.State.OPEN
    form = FollowUpScoreForm(request.POST if request.method == "POST" else None, check=check)
    status = 200
    if request.method == "POST":
        status = 400
        if not is_open:
            messages.error(request, _("该核查已结束。"))
        elif form.is_valid():
            with attempt(form=form) as outcome:
                followup.followup_score(check=check, by=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("已保存。"))
                return redirect("ratings:followup-visit", pk=check.pk)
    scores = {s.indicator_id: s for s in check.scores.all()}
    rows = [(indicator, scores.get(indicator.pk)) for indicator in check.indicators.order_by("pk")]
    return render(
        request,
        "ratings/followup/visit.html",
        {"check": check, "award": check.award, "rows": rows, "form": form if is_open else None},
        status=status,
    )


@staff_required
def followup_report(request, pk):
    """Report an event that may affect an award's level during its validity: opens a 核查评估."""
    award = award_for(request, pk)
    form = FollowUpReportForm(request.POST if request.method == "POST" else None, award=award)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form=form) as outcome:
                check = followup.followup_event_report(award=award, by=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("已开启核查评估，请安排核查。"))
                return redirect("ratings:followup-check", pk=check.pk)
    return render(request, "ratings/followup/report.html", {"award": award, "form": form}, status=status)
