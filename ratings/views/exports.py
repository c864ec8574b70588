"""Whole-cycle downloads built in the background: start one, follow its progress, download the file,
list one's own (ratings.reports.exports)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.access import staff_required
from core.errors import attempt
from core.formtokens import once, replay_safe
from core.uploads import private_file_response

from ..models import Cycle, ExportJob
from ..reports import exports
from ..workflow.selectors import cycles_visible_to

JOBS_PER_PAGE = 50
BACK = {  # where each export is offered: a refused request goes back there
    ExportJob.Kind.RESULTS_XLSX: "dashboard",
    ExportJob.Kind.TALLY_XLSX: "dashboard",
    ExportJob.Kind.REPORT_PDF: "dashboard",
    ExportJob.Kind.CERTIFICATES_ZIP: "results",
}


def _job_for(request, pk) -> ExportJob:
    """A job of the user's committee (404 outside it: the policy's scope for `rating.export`)."""
    return get_object_or_404(exports.jobs_visible_to(request.user).select_related("cycle"), pk=pk)


def _back(kind: str, cycle) -> str:
    if BACK[kind] == "results":
        return reverse("ratings:cycle-results", args=[cycle.pk])
    return reverse("ratings:dashboard") + f"?cycle={cycle.pk}"


@staff_required
@require_POST
@replay_safe
def export_start(request, pk, kind):
    """Start a background export of a cycle (or join the one at work) and show its progress."""
    if kind not in ExportJob.Kind.values:
        raise Http404
    cycle = get_object_or_404(cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT), pk=pk)
    with attempt(request) as outcome, once(request, "ratings.export") as claim:
        job, created = exports.export_request(kind=kind, cycle=cycle, by=request.user)
        claim.done(reverse("ratings:export-job", args=[job.pk]))
    if not outcome.ok:
        return redirect(_back(kind, cycle))
    if not created:
        messages.info(request, _("同一文件正在生成，已为您打开它的进度。"))
    return redirect("ratings:export-job", pk=job.pk)


@staff_required
@require_GET
def export_job(request, pk):
    """A job's progress (refreshed by static/js/exports.js, or the refresh link), then its download."""
    job = _job_for(request, pk)
    return render(request, "ratings/exports/job.html", {"job": job, "back": _back(job.kind, job.cycle)})


@staff_required
@require_GET
def export_job_status(request, pk):
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "error": job.error,
            "download": reverse("ratings:export-download", args=[job.pk])
            if job.state == job.State.DONE
            else None,
        }
    )


@staff_required
@require_GET
def export_download(request, pk):
    """The finished file, to staff of the job's committee only (404 elsewhere, as if it did not exist)."""
    job = _job_for(request, pk)
    if job.state != ExportJob.State.DONE or not job.file or job.expires_at <= timezone.now():
        messages.error(request, _("该文件还没有生成或已过期，请重新导出。"))
        return redirect("ratings:export-job", pk=job.pk)
    return private_file_response(job.file, content_type=exports.CONTENT_TYPES[job.kind], name=job.filename)


@staff_required
@require_GET
def export_list(request):
    """The exports the user asked for, newest first."""
    jobs = (
        exports.jobs_visible_to(request.user)
        .filter(requested_by=request.user)
        .select_related("cycle")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ratings/exports/list.html", {"page": page, "jobs": page.object_list})
