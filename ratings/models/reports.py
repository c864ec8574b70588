"""Reports: the stored yearly tally of a cycle and the runs that recompute it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import short_datetime
from core.limits import GENERATED, bounded

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
