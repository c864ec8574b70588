"""公示 and 确定结果 (staff): where a cycle's results stand, publishing them, making them final."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.access import staff_required
from core.errors import attempt

from ..models import Award, Cycle, Objection, Status, Submission, level_name
from ..outcomes import publication
from ..workflow.selectors import cycles_visible_to
from .forms_results import PublishForm
from .outcome_access import cycle_for


@staff_required
@require_GET
def results_index(request):
    """The committee's cycles that have started, with where their results stand."""
    cycles = (
        cycles_visible_to(request.user)
        .exclude(status=Cycle.Status.DRAFT)
        .annotate(
            # distinct: the join with the awards repeats each submission once per award
            n_reviewed=Count("submissions", filter=Q(submissions__status=Status.REVIEWED), distinct=True),
            n_awards=Count("awards", distinct=True),
        )
        .order_by("-year", "pk")
    )
    open_objections = dict(
        Objection.objects.filter(
            submission__cycle__in=cycles.values("pk"),
            state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING],
        )
        .values_list("submission__cycle_id")
        .annotate(n=Count("pk"))
    )
    rows = list(cycles)
    for c in rows:
        c.open_objections = open_objections.get(c.pk, 0)
    return render(request, "ratings/results/index.html", {"cycles": rows})


def _render_results(request, cycle, *, publish_form=None, status=200):
    open_states = [Objection.State.OPEN, Objection.State.INVESTIGATING]
    reviewed = (
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED)
        .select_related("party_organization", "award")
        .annotate(
            n_objections=Count("objections", distinct=True),
            n_open=Count("objections", filter=Q(objections__state__in=open_states), distinct=True),
        )
        .order_by("-proposed_level", "party_organization__name", "pk")
    )
    counts = dict(
        Submission.objects.filter(cycle=cycle).values_list("status").annotate(n=Count("pk")).order_by()
    )
    in_progress = sum(counts.get(s, 0) for s in (Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED))
    waiting = (
        list(reviewed.filter(finalized_at__isnull=True, n_open__gt=0))
        if cycle.status == Cycle.Status.PUBLISHED
        else []
    )
    today = timezone.localdate()
    page = Paginator(reviewed, 100).get_page(request.GET.get("page"))
    for sub in page:
        sub.final_level_name = level_name(sub.final_level)
    return render(
        request,
        "ratings/results/cycle.html",
        {
            "cycle": cycle,
            "page": page,
            "n_reviewed": counts.get(Status.REVIEWED, 0),
            "n_unfinished": sum(counts.get(s, 0) for s in (Status.DRAFT, Status.RETURNED)),
            "n_in_progress": in_progress,
            "n_listed": publication.listed_results(cycle).count()
            if cycle.status != Cycle.Status.DRAFT
            else 0,
            "n_finalized": Submission.objects.filter(cycle=cycle, finalized_at__isnull=False).count(),
            "n_awards": Award.objects.filter(cycle=cycle).count(),
            "n_open_objections": Objection.objects.filter(
                submission__cycle=cycle, state__in=open_states
            ).count(),
            "waiting": waiting,
            "publish_form": publish_form or PublishForm(initial={"starts_on": today}),
            "can_publish": cycle.status == Cycle.Status.OPEN,
            "can_finalize": cycle.status == Cycle.Status.PUBLISHED,
            "period_over": cycle.notice_ends_on is not None and today > cycle.notice_ends_on,
            "notice_state": _notice_state(cycle, today),
        },
        status=status,
    )


def _notice_state(cycle, today):
    from .public import notice_state

    if cycle.status not in (Cycle.Status.PUBLISHED, Cycle.Status.FINAL):
        return ""
    return notice_state(cycle, today)


@staff_required
@require_GET
def cycle_results(request, pk):
    return _render_results(request, cycle_for(request, pk))


@staff_required
@require_POST
def cycle_publish(request, pk):
    """发布公示: the reviewed results go on the public page for the cycle's notice days."""
    cycle = cycle_for(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        with attempt(form=form) as outcome:
            cycle = publication.cycle_publish(
                cycle=cycle, by=request.user, starts_on=form.cleaned_data["starts_on"]
            )
        if outcome.ok:
            messages.success(
                request,
                _("已发布公示，公示期 %(start)s 至 %(end)s。")
                % {"start": cycle.notice_starts_on, "end": cycle.notice_ends_on},
            )
            return redirect("ratings:cycle-results", pk=cycle.pk)
    return _render_results(request, cycle, publish_form=form)


@staff_required
@require_POST
def results_finalize(request, pk):
    """确定结果: the same service as the daily job; results with an open objection wait."""
    cycle = cycle_for(request, pk)
    with attempt() as outcome:
        done = publication.results_finalize(cycle=cycle, by=request.user)
    if outcome.ok:
        text = _("已确定 %(finalized)d 个结果，授予 %(awards)d 个星级命名。") % done
        if done["waiting"]:
            text += _("%(waiting)d 个结果有未处理完毕的异议，处理后再次“确定结果”。") % done
        elif not done["finalized"]:
            text = _("没有需要确定的结果，本周期结果已全部确定。")
        messages.success(request, text)
    else:
        messages.error(request, _("不能确定结果：") + outcome.text)
    return redirect("ratings:cycle-results", pk=cycle.pk)
