"""Reports: the stored yearly tally of a cycle and the runs that recompute it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import short_datetime
from core.limits import GENERATED, bounded
from core.storage import get_private_storage

from .workflow import Cycle


class TallySnapshot(models.Model):
    """年度星级统计 of a cycle, stored whole: replaced in one statement, never half-written."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.CASCADE, related_name="tally", verbose_name=_("评星周期")
    )
    computed_at = models.DateTimeField(_("统计时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    data = models.JSONField(_("统计数据"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度星级统计")
        verbose_name_plural = _("年度星级统计")

    def __str__(self):
        return f"{self.cycle} · {short_datetime(self.computed_at)}"


class TallyRun(models.Model):
    """One request to recompute a tally: what staff see as progress, result or error."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="tally_runs", verbose_name=_("评星周期")
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    reason = models.CharField(_("触发原因"), max_length=50, default="manual")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True, **bounded(GENERATED))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("统计任务")
        verbose_name_plural = _("统计任务")
        ordering = ["-created_at", "-pk"]


class ExportJob(models.Model):
    """A whole-cycle download built in the background: what staff see as progress, the file when
    it is ready, or the reason it failed. The file is kept in private storage until `expires_at`."""

    class Kind(models.TextChoices):
        RESULTS_XLSX = "results_xlsx", _("评星结果 .xlsx")
        TALLY_XLSX = "tally_xlsx", _("星级统计 .xlsx")
        REPORT_PDF = "report_pdf", _("年度统计报告 PDF")
        CERTIFICATES_ZIP = "certificates_zip", _("本周期证书 ZIP")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    ACTIVE = (State.QUEUED, State.RUNNING)

    kind = models.CharField(_("导出内容"), max_length=20, choices=Kind.choices)
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="export_jobs", verbose_name=_("评星周期")
    )
    committee = models.ForeignKey(
        "branches.Committee", on_delete=models.CASCADE, related_name="+", verbose_name=_("综合党委")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(_("已完成"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0, help_text=_("0：尚不知道。"))
    error = models.TextField(_("错误"), blank=True, **bounded(GENERATED))
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True, storage=get_private_storage)
    filename = models.CharField(_("下载文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # one job at work per export of a cycle: a second request joins it
            models.UniqueConstraint(
                fields=["kind", "cycle"],
                condition=models.Q(state__in=["queued", "running"]),
                name="ratings_exportjob_one_active_per_kind_cycle",
            )
        ]

    def __str__(self):
        return f"{self.cycle} · {self.get_kind_display()}"

    @property
    def busy(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
