"""公示 and 确定结果 (staff): where a cycle's results stand, publishing them, making them final."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branches.access import staff_required
from core.errors import attempt

from ..models import Award, Cycle, Objection, RatingSettings, Status, Submission, level_name
from ..outcomes import publication
from ..workflow import cycle_edges
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


def _confirmed(request):
    return request.method == "POST" and request.POST.get("confirm") == "1"


@staff_required
@require_http_methods(["GET", "POST"])
def cycle_publish(request, pk):
    """发布公示: the reviewed results go on the public page for the cycle's notice days. A GET, or a
    POST without the confirm field, shows what publishing will do and asks to confirm."""
    cycle = cycle_for(request, pk)
    form = PublishForm(request.POST if request.method == "POST" else request.GET)
    if form.is_valid():
        if not _confirmed(request):
            starts_on = form.cleaned_data["starts_on"] or timezone.localdate()
            min_days = RatingSettings.for_committee(cycle.committee_id).notice_min_working_days
            return render(
                request,
                "ratings/results/confirm.html",
                {
                    "cycle": cycle,
                    "action_url": reverse("ratings:cycle-publish", args=[cycle.pk]),
                    "title": _("确认发布公示"),
                    "fields": {"starts_on": starts_on.isoformat()},
                    "consequences": [
                        _("%(n)d 个党组织的评审结果将在公示页面向社会公开，其中 %(listed)d 个列入星级名单。")
                        % {
                            "n": cycle.submissions.filter(status=Status.REVIEWED).count(),
                            "listed": publication.listed_results(cycle).count(),
                        },
                        _("公示期 %(start)s 至 %(end)s（至少 %(days)d 个工作日），期间任何人可以提出异议。")
                        % {
                            "start": starts_on,
                            "end": cycle_edges.notice_ends_on(starts_on, cycle.notice_days, min_days),
                            "days": min_days,
                        },
                        _("发布后不能撤回。"),
                    ],
                    "button": _("确认发布公示"),
                },
            )
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
@require_http_methods(["GET", "POST"])
def results_finalize(request, pk):
    """确定结果: the same service as the daily job; results with an open objection wait. A GET, or a
    POST without the confirm field, lists the results and certificate numbers it will issue."""
    cycle = cycle_for(request, pk)
    if not _confirmed(request):
        preview = publication.finalize_preview(cycle)
        return render(
            request,
            "ratings/results/confirm.html",
            {
                "cycle": cycle,
                "action_url": reverse("ratings:results-finalize", args=[cycle.pk]),
                "title": _("确认确定结果"),
                "fields": {},
                "consequences": [
                    _("%(finalized)d 个结果将成为最终结果，授予 %(n)d 个星级命名并编发证书。")
                    % {"finalized": preview["finalized"], "n": len(preview["awards"])},
                    _("%(waiting)d 个结果有未处理完毕的异议，将继续等待。") % preview,
                    _("确定后不能撤回；此后只能通过降级或撤销改变星级。"),
                ],
                "items": [
                    _("%(number)s：%(name)s（%(level)s）")
                    % {"number": number, "name": name, "level": level_name(level)}
                    for name, level, number in preview["awards"]
                ],
                "button": _("确认确定结果"),
            },
        )
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
