"""Whole-cycle downloads built in the background: the results and tally workbooks, the annual
report PDF and the ZIP of every certificate.

A request creates an `ExportJob` and queues `ratings.tasks.build_export`; a second request for the
same file of the same cycle while one is queued or running joins that job (a partial unique
constraint makes it so across processes). The task writes the file to a temporary file with
bounded memory (streamed querysets, write-only workbooks, one certificate at a time), records its
progress on the job, saves the file to private storage and tells the requester. A failure is
recorded on the job with a clear message. The file is kept for `KEEP` and then deleted by the
task `ratings.tasks.expire_exports` (nightly, before the sweep of orphaned files).
"""

import datetime as dt
import logging
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branches import access
from branches.models import Committee
from branches.services import audit_record
from core import outbox
from core.errors import error_text
from core.storage import private_storage
from notifications.models import Kind as NoticeKind
from notifications.services import notify

from ..models import Award, Cycle, ExportJob, Submission, TallySnapshot
from ..outcomes.certificates import write_certificates_zip
from . import xlsx
from .charts import tally_charts

logger = logging.getLogger(__name__)

KEEP = dt.timedelta(days=7)  # how long a finished file stays downloadable
STALE = dt.timedelta(hours=6)  # a job at work this long was lost (a killed worker): a new request replaces it
Kind = ExportJob.Kind
State = ExportJob.State

FILENAMES = {
    Kind.RESULTS_XLSX: "starfire-results-{year}.xlsx",
    Kind.TALLY_XLSX: "starfire-tally-{year}.xlsx",
    Kind.REPORT_PDF: "starfire-tally-report-{year}.pdf",
    Kind.CERTIFICATES_ZIP: "starfire-certificates-{year}.zip",
}
CONTENT_TYPES = {
    Kind.RESULTS_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.TALLY_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.REPORT_PDF: "application/pdf",
    Kind.CERTIFICATES_ZIP: "application/zip",
}


def jobs_visible_to(user):
    """The export jobs `user` may see and download: those of their committee (a superuser: all)."""
    return access.scoped(ExportJob.objects.all(), user, "rating.export", access.Paths(committee="committee"))


def _check_ready(kind: str, cycle: Cycle) -> None:
    """Refuse, in words, an export that has nothing to put in its file yet."""
    if kind in (Kind.TALLY_XLSX, Kind.REPORT_PDF) and not TallySnapshot.objects.filter(cycle=cycle).exists():
        raise ValidationError(_("该周期还没有统计结果，请先在统计页面计算。"))
    if kind == Kind.CERTIFICATES_ZIP and not Award.objects.filter(cycle=cycle).exists():
        raise ValidationError(_("本周期还没有星级命名，没有可下载的证书。"))


def export_request(*, kind: str, cycle: Cycle, by) -> tuple[ExportJob, bool]:
    """Start building a whole-cycle download in the background, or join the one already at work.

    Returns (job, created)."""
    from . import tasks

    access.require(by, "rating.export", cycle)
    if kind not in Kind.values:
        raise ValidationError(_("没有这种导出。"))
    _check_ready(kind, cycle)
    _fail_stale(ExportJob.objects.filter(kind=kind, cycle=cycle))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(
                    kind=kind,
                    cycle=cycle,
                    committee_id=cycle.committee_id,
                    requested_by=by,
                    filename=FILENAMES[kind].format(year=cycle.year),
                )
                audit_record(
                    actor=by,
                    action="export.request",
                    target=job,
                    after={"kind": kind, "cycle": cycle.pk},
                    committee_id=cycle.committee_id,
                )
                # with the job's row: a broker that is away delays the build, never loses it
                outbox.send(tasks.build_export, job.pk)
            break
        except IntegrityError:  # one is queued or running already: join it
            active = ExportJob.objects.filter(kind=kind, cycle=cycle, state__in=ExportJob.ACTIVE).first()
            if active is not None:
                return active, False
            # it finished between the two statements: try again
    else:
        raise ValidationError(_("同一文件正在生成，请稍后再试。"))
    return job, True


def _record(job: ExportJob, **fields) -> None:
    """Record a job's state and progress (with its row history)."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


class Progress:
    """What a builder tells its job: the total once known, then how far it is (every call is one
    UPDATE, so builders call it every chunk, not every row)."""

    def __init__(self, job: ExportJob):
        self.job = job

    def total(self, n: int) -> None:
        _record(self.job, progress_total=n, progress_done=0)

    def __call__(self, done: int) -> None:
        if done != self.job.progress_done:
            _record(self.job, progress_done=done)


def _build_results(job: ExportJob, out, progress: Progress) -> None:
    progress.total(Submission.objects.filter(cycle_id=job.cycle_id).count())
    xlsx.write_results_xlsx(job.cycle, out, progress=progress)


def _snapshot(cycle: Cycle) -> TallySnapshot:
    snap = TallySnapshot.objects.filter(cycle=cycle).first()
    if snap is None:
        raise ValidationError(_("该周期还没有统计结果，请先在统计页面计算。"))
    return snap


def _build_tally(job: ExportJob, out, progress: Progress) -> None:
    progress.total(1)
    xlsx.write_tally_xlsx(_snapshot(job.cycle).data, out)
    progress(1)


def _build_report(job: ExportJob, out, progress: Progress) -> None:
    cycle = job.cycle
    progress.total(1)
    snap = _snapshot(cycle)
    prev_cycle = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    prev = TallySnapshot.objects.filter(cycle=prev_cycle).first() if prev_cycle else None
    with translation.override("zh-hans"):  # the report is an official document: Chinese throughout
        charts = tally_charts(snap.data, prev.data if prev else None)
    xlsx.tally_pdf(
        snap.data, committee=Committee.objects.get(pk=cycle.committee_id), charts=charts, target=out
    )
    progress(1)


def _build_certificates(job: ExportJob, out, progress: Progress) -> None:
    progress.total(Award.objects.filter(cycle_id=job.cycle_id).count())
    if not job.progress_total:
        raise ValidationError(_("本周期还没有星级命名，没有可下载的证书。"))
    write_certificates_zip(job.cycle, out, site_url=settings.SITE_URL, progress=progress)


BUILDERS: dict[str, Callable] = {
    Kind.RESULTS_XLSX: _build_results,
    Kind.TALLY_XLSX: _build_tally,
    Kind.REPORT_PDF: _build_report,
    Kind.CERTIFICATES_ZIP: _build_certificates,
}


def export_build(*, job_id: int) -> str:
    """Build a job's file and keep it; returns the job's state. A job no longer queued or running
    (done, failed, expired: a task delivered twice) is left alone; a running one is built again
    from the start (the worker that ran it was lost)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in ExportJob.ACTIVE:
            return job.state if job else "missing"
        _record(job, state=State.RUNNING, started_at=timezone.now(), progress_done=0, error="")
    job = ExportJob.objects.select_related("cycle").get(pk=job_id)
    stored = ""
    try:
        with tempfile.TemporaryFile(prefix="starfire-export-") as tmp:
            BUILDERS[job.kind](job, tmp, Progress(job))
            tmp.seek(0)
            stored = private_storage.save(job.file.field.generate_filename(job, job.filename), File(tmp))
        _finish(job_id, stored)
    except ValidationError as exc:
        _fail(job_id, error_text(exc), stored)
    except Exception:
        logger.exception("export job %s failed", job_id)
        _fail(
            job_id, _("生成文件时出错，未生成任何文件。请稍后重新发起；如仍失败，请联系系统管理员。"), stored
        )
    return ExportJob.objects.values_list("state", flat=True).get(pk=job_id)


def _finish(job_id: int, stored: str) -> None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.state != State.RUNNING:  # failed or replaced meanwhile: keep nothing
            transaction.on_commit(lambda: private_storage.delete(stored))
            return
        now = timezone.now()
        _record(
            job,
            state=State.DONE,
            file=stored,
            finished_at=now,
            expires_at=now + KEEP,
            progress_done=max(job.progress_done, job.progress_total),
        )
        transaction.on_commit(lambda: _tell_requester(job_id), robust=True)


def _fail(job_id: int, message: str, stored: str = "") -> None:
    if stored:
        private_storage.delete(stored)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.state not in ExportJob.ACTIVE:
            return
        _record(job, state=State.FAILED, error=message[:1000], finished_at=timezone.now())
        transaction.on_commit(lambda: _tell_requester(job_id), robust=True)


def _fail_stale(jobs) -> None:
    """Mark jobs at work for longer than `STALE` as failed: their worker was lost."""
    for job_id in jobs.filter(state__in=ExportJob.ACTIVE, created_at__lt=timezone.now() - STALE).values_list(
        "pk", flat=True
    ):
        _fail(job_id, _("导出中断（超过 6 小时未完成），请重新发起。"))


def _tell_requester(job_id: int) -> None:
    """One notice (and e-mail, where wanted) to whoever asked for the file: ready, or failed."""
    job = ExportJob.objects.select_related("cycle", "requested_by").get(pk=job_id)
    if job.requested_by is None:
        return
    done = job.state == State.DONE

    def title() -> str:  # in the requester's language
        what = {"what": job.get_kind_display(), "year": job.cycle.year}
        return (
            _("%(year)s年度%(what)s已生成，可以下载") if done else _("%(year)s年度%(what)s生成失败")
        ) % what

    def body() -> str:
        if not done:
            return job.error
        return _("文件保留到 %(until)s，之后需要重新导出。") % {
            "until": timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M")
        }

    notify(
        recipients=[job.requested_by],
        kind=NoticeKind.EXPORT_READY,
        key=f"export:{job.pk}",
        title=title,
        body=body,
        url=reverse("ratings:export-job", args=[job.pk]),
    )


def exports_expire(*, now=None) -> int:
    """Delete the files of jobs past their `expires_at` (the rows stay, marked expired) and give up
    on jobs lost at work; returns how many files were deleted."""
    now = now or timezone.now()
    _fail_stale(ExportJob.objects.all())
    expired = 0
    for job_id in ExportJob.objects.filter(state=State.DONE, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=job_id)
            if job.state != State.DONE:
                continue
            name = job.file.name
            _record(job, state=State.EXPIRED, file="")
            if name:
                transaction.on_commit(lambda name=name: private_storage.delete(name))
            expired += 1
    return expired
