"""Committee dashboard: tally, charts, submissions by state, downloads."""

from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.access import staff_required
from branches.selectors import coverage_report
from core.dates import short_datetime
from meetings.snapshots import committee_summary_snapshot

from ..models import Cycle, Status, Submission, TallyRun, TallySnapshot
from ..reports import tally
from ..reports import xlsx as reports
from ..reports.charts import tally_charts
from ..workflow.selectors import cycles_visible_to, overdue_q

OVERDUE_SHOWN = 20  # the rest are in the queue, filtered to overdue
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cycle(request, pk=None):
    cycles = cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT).order_by("-year")
    if pk is None:
        pk = request.GET.get("cycle")
    if pk:
        try:
            return get_object_or_404(cycles, pk=int(pk))
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
    cycle = cycles.first()
    if cycle is None:
        raise Http404(_("还没有已启动的评星周期。"))
    return cycle


def _snapshots(cycle):
    snap = TallySnapshot.objects.filter(cycle=cycle).first()
    prev_cycle = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    prev = TallySnapshot.objects.filter(cycle=prev_cycle).first() if prev_cycle else None
    return snap, prev


@staff_required
def dashboard(request):
    if (
        not request.GET.get("cycle")
        and not cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT).exists()
    ):
        return render(
            request,
            "ratings/dashboard/empty.html",
            {"coverage": coverage_report(request.user.committee_id)} if request.user.committee_id else {},
        )
    cycle = _cycle(request)
    snap, prev = _snapshots(cycle)
    by_state = dict(Submission.objects.filter(cycle=cycle).values_list("status").annotate(n=Count("pk")))
    overdue = (
        Submission.objects.filter(overdue_q(timezone.now()), cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("party_organization__name", "pk")
    )
    context = {
        "cycle": cycle,
        "cycles": cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT).order_by("-year"),
        "snap": snap,
        "d": snap.data if snap else None,
        "charts": tally_charts(snap.data, prev.data if prev else None) if snap else None,
        "states": [(s, s.label, by_state.get(s.value, 0)) for s in Status],
        "overdue_count": overdue.count(),
        "overdue": overdue[:OVERDUE_SHOWN],
        "last_run": TallyRun.objects.filter(cycle=cycle).first(),
        "coverage": coverage_report(cycle.committee_id),
        "compliance": _compliance_summary(cycle),
    }
    return render(request, "ratings/dashboard/dashboard.html", context)


def _compliance_summary(cycle):
    """Meeting compliance of the cycle's year, from the stored snapshot (computed once if none)."""
    return committee_summary_snapshot(cycle.committee_id, cycle.year)


@staff_required
@require_POST
def tally_recompute(request, pk):
    cycle = _cycle(request, pk)
    tally.tally_request(cycle=cycle, by=request.user)
    return redirect(f"{_dashboard_url()}?cycle={cycle.pk}#tally")


def _dashboard_url():
    from django.urls import reverse

    return reverse("ratings:dashboard")


@staff_required
def tally_run_status(request, pk):
    run = get_object_or_404(TallyRun.objects.filter(cycle__in=cycles_visible_to(request.user)), pk=pk)
    snap = TallySnapshot.objects.filter(cycle_id=run.cycle_id).first()
    return JsonResponse(
        {
            "state": run.state,
            "label": run.get_state_display(),
            "error": run.error,
            "computed_at": short_datetime(snap.computed_at) if snap else None,
        }
    )


def _download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@staff_required
def export_coverage(request):
    committee_id = request.user.committee_id or _cycle(request).committee_id
    return _download(reports.coverage_xlsx(coverage_report(committee_id)), "starfire-coverage.xlsx")
