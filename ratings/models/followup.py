"""动态管理 during an award's validity: sampled follow-up visits of high levels (跟踪评估) and checks
opened by events that may affect a level (核查评估). Each ends as confirmed, downgraded or revoked
(ratings.outcomes.followup)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import validate_date_in_range
from core.limits import REASON, bounded

from .outcomes import Award
from .rubric import Indicator
from .workflow import Cycle


class FollowUpSample(models.Model):
    """A reproducible random draw of valid 4★/5★ awards of a cycle: the seed is kept and shown."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="followup_samples")
    seed = models.PositiveBigIntegerField(_("随机种子"))
    share = models.PositiveSmallIntegerField(_("抽取比例（%）"))
    eligible = models.PositiveIntegerField(_("可抽取的命名数"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("跟踪评估抽样")
        verbose_name_plural = _("跟踪评估抽样")
        ordering = ["-drawn_at", "-pk"]


class FollowUpCheck(models.Model):
    """One follow-up of one award: why it was opened, the visit, the scores, and how it ended."""

    class Trigger(models.TextChoices):
        SAMPLE = "sample", _("抽样跟踪评估")
        ABNORMAL = "abnormal", _("社会组织列入活动异常名录")
        DEREGISTERED = "deregistered", _("社会组织已注销/撤销")
        VETO = "veto", _("报告一票否决事项")
        RECTIFICATION_OVERDUE = "rectification_overdue", _("整改逾期")

    class State(models.TextChoices):
        OPEN = "open", _("待核查")
        CONFIRMED = "confirmed", _("维持星级")
        DOWNGRADED = "downgraded", _("降级")
        REVOKED = "revoked", _("撤销")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="followups")
    sample = models.ForeignKey(
        FollowUpSample, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )
    trigger = models.CharField(_("启动原因"), max_length=30, choices=Trigger.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.OPEN)
    visit_on = models.DateField(_("核查日期"), null=True, blank=True, validators=[validate_date_in_range])
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followup_checks",
        verbose_name=_("验收人员"),
    )
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("核查指标"))
    conclusion = models.TextField(_("结论"), blank=True, **bounded(REASON))
    opened_at = models.DateTimeField(_("启动时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("跟踪核查")
        verbose_name_plural = _("跟踪核查")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "trigger"],
                condition=models.Q(state="open"),
                name="followup_one_open_check_per_trigger",
            )
        ]

    def __str__(self):
        return f"{self.award} · {self.get_trigger_display()}"

    def access_target(self):
        from branches.access import Target

        inspectors = frozenset({self.inspector_id}) if self.inspector_id else frozenset()
        return Target(committee_id=self.award.cycle.committee_id, inspector_ids=inspectors)


class FollowUpScore(models.Model):
    """The score found on the follow-up visit for one chosen indicator."""

    check_row = models.ForeignKey(FollowUpCheck, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("核查分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    finding = models.TextField(_("发现的问题"), blank=True, **bounded(REASON))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评分人"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("跟踪核查评分")
        verbose_name_plural = _("跟踪核查评分")
        constraints = [models.UniqueConstraint(fields=["check_row", "indicator"], name="followup_score_once")]


__all__ = ["FollowUpCheck", "FollowUpSample", "FollowUpScore"]
