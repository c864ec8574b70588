"""The central review's own rows: the panel sessions, final scores, applied bonus/deduction items, veto
decisions."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import short_date, validate_date_in_range
from core.limits import MINUTES, REASON, bounded

from .rubric import AdjustmentItem, Indicator, VetoItem
from .workflow import Cycle, Submission

MIN_PANEL_MEMBERS = 3


class ReviewSession(models.Model):
    """集中评审会: the panel that decided, when it sat, and its minutes. Every completed review names
    the session that decided it, so each decision lists who took part."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="review_sessions", verbose_name=_("评星周期")
    )
    held_on = models.DateField(_("评审日期"), validators=[validate_date_in_range])
    place = models.CharField(_("地点"), max_length=100, blank=True)
    chair = models.CharField(_("评审组组长"), max_length=50)
    members = models.TextField(
        _("评审组成员"), help_text=_("每行一人，可写明单位或职务；组长也列入。"), **bounded(REASON)
    )
    minutes = models.TextField(_("会议纪要"), blank=True, **bounded(MINUTES))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("集中评审会")
        verbose_name_plural = _("集中评审会")
        ordering = ["cycle", "held_on", "pk"]

    def __str__(self):
        return f"{self.cycle} · {short_date(self.held_on)}"

    @property
    def member_list(self) -> list[str]:
        return [line.strip() for line in (self.members or "").splitlines() if line.strip()]


class FinalScore(models.Model):
    """The panel's final score for an indicator; a departure from the inspectors' average needs a reason."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="final_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("最终得分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.TextField(_("调整理由"), blank=True, **bounded(REASON))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("最终得分")
        verbose_name_plural = _("最终得分")
        constraints = [models.UniqueConstraint(fields=["submission", "indicator"], name="final_score_unique")]


class AppliedAdjustment(models.Model):
    """A bonus or deduction item applied to a submission by the panel."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="adjustments")
    item = models.ForeignKey(AdjustmentItem, on_delete=models.PROTECT, related_name="+")
    times = models.PositiveSmallIntegerField(_("次数"), default=1, validators=[MinValueValidator(1)])
    note = models.CharField(_("依据"), max_length=300)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("加减分")
        verbose_name_plural = _("加减分")
        constraints = [models.UniqueConstraint(fields=["submission", "item"], name="adjustment_unique")]

    @property
    def points(self):
        pts = self.item.points * self.times
        if self.item.max_points is not None:
            pts = min(pts, self.item.max_points)
        return pts


class VetoDecision(models.Model):
    """A veto item raised against a submission, confirmed or cleared with a reason."""

    class State(models.TextChoices):
        OPEN = "open", _("待认定")
        CONFIRMED = "confirmed", _("已认定")
        CLEARED = "cleared", _("已排除")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="vetoes")
    item = models.ForeignKey(VetoItem, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    raised_note = models.TextField(_("线索"), blank=True, **bounded(REASON))
    reason = models.TextField(_("认定理由"), blank=True, **bounded(REASON))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一票否决认定")
        verbose_name_plural = _("一票否决认定")
        constraints = [models.UniqueConstraint(fields=["submission", "item"], name="veto_unique")]
