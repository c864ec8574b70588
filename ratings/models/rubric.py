"""The rubric stage: versioned 测评标准 with categories, indicators, star bands, adjustments and vetoes."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Committee
from core.limits import RUBRIC_TEXT, bounded

from .common import HALF, level_name, validate_half_step


class Rubric(models.Model):
    """测评标准, one version. Frozen once a cycle uses it; changes then make a new version."""

    class TieRule(models.TextChoices):
        EXCLUDE = "exclude", _("名额边界同分者一并降档（名额不超）")
        INCLUDE = "include", _("名额边界同分者一并保留（可超名额）")

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="+", verbose_name=_("综合党委")
    )
    # The default name is stored in the database (and printed on documents), so it stays Chinese.
    name = models.CharField(_("名称"), max_length=100, default="星火党组织星级评定测评标准")
    version = models.PositiveIntegerField(_("版本"))
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("复制自")
    )
    bonus_cap = models.DecimalField(
        _("加分上限"), max_digits=5, decimal_places=1, default=Decimal("5"), validators=[MinValueValidator(0)]
    )
    deduction_cap = models.DecimalField(
        _("减分上限"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("10"),
        validators=[MinValueValidator(0)],
    )
    promotion_limit = models.BooleanField(_("逐级晋升（每周期最多升一级）"), default=True)
    plaque_min_level = models.PositiveSmallIntegerField(
        _("授牌最低星级"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    quota_tie_rule = models.CharField(
        _("名额同分规则"), max_length=10, choices=TieRule.choices, default=TieRule.EXCLUDE
    )
    frozen_at = models.DateTimeField(
        _("冻结时间"), null=True, blank=True, help_text=_("被评星周期使用后冻结，修改需另建新版本。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("测评标准")
        verbose_name_plural = _("测评标准")
        ordering = ["committee", "-version"]
        constraints = [models.UniqueConstraint(fields=["committee", "version"], name="rubric_unique_version")]

    def __str__(self):
        return _("%(name)s（第%(version)s版）") % {"name": self.name, "version": self.version}

    @property
    def is_frozen(self):
        return self.frozen_at is not None

    def indicators(self):
        return Indicator.objects.filter(category__rubric=self).order_by("category__order", "order", "pk")

    def max_total(self):
        return self.indicators().aggregate(t=models.Sum("max_score"))["t"] or Decimal(0)


class RubricCategory(models.Model):
    """一级指标."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="categories", verbose_name=_("测评标准")
    )
    code = models.CharField(_("编号"), max_length=10)
    title = models.CharField(_("一级指标"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一级指标")
        verbose_name_plural = _("一级指标")
        ordering = ["rubric", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="category_unique_code")]

    def __str__(self):
        return f"{self.code} {self.title}"


class Indicator(models.Model):
    """二级指标: what is scored, up to its maximum."""

    category = models.ForeignKey(
        RubricCategory, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("一级指标")
    )
    code = models.CharField(_("编号"), max_length=10)
    title = models.CharField(_("二级指标"), max_length=300)
    evidence_description = models.TextField(_("佐证材料要求"), blank=True, **bounded(RUBRIC_TEXT))
    max_score = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1, validators=[MinValueValidator(HALF), validate_half_step]
    )
    evidence_required = models.BooleanField(_("须上传佐证"), default=True)
    guidance = models.TextField(_("验收要点"), blank=True, **bounded(RUBRIC_TEXT))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    meeting_types = models.ManyToManyField(
        "meetings.MeetingType",
        blank=True,
        related_name="indicators",
        verbose_name=_("关联会议类型"),
        help_text=_("如“三会一课按规定频次落实”：自评、验收和评审时显示这些会议的落实情况。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("二级指标")
        verbose_name_plural = _("二级指标")
        ordering = ["category__order", "order", "pk"]

    def __str__(self):
        return f"{self.code} {self.title}"


class AdjustmentItem(models.Model):
    """加分 / 减分 item; totals are capped by the rubric."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("加分")
        DEDUCTION = "deduction", _("减分")

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("测评标准")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("编号"), max_length=10)
    title = models.CharField(_("事项"), max_length=300)
    points = models.DecimalField(
        _("每次分值"), max_digits=5, decimal_places=1, validators=[MinValueValidator(HALF)]
    )
    max_points = models.DecimalField(
        _("本项上限"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("如“每人减1分，最多减3分”；留空为不单独设限。"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("加减分项")
        verbose_name_plural = _("加减分项")
        ordering = ["rubric", "kind", "order", "pk"]

    def __str__(self):
        sign = "+" if self.kind == self.Kind.BONUS else "−"
        return f"{self.title}（{sign}{self.points}）"


class VetoItem(models.Model):
    """一票否决 item: any one confirmed means no star this cycle."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="vetoes", verbose_name=_("测评标准")
    )
    code = models.CharField(_("编号"), max_length=10)
    title = models.CharField(_("否决事项"), max_length=300)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一票否决项")
        verbose_name_plural = _("一票否决项")
        ordering = ["rubric", "order", "pk"]

    def __str__(self):
        return self.title


class StarBand(models.Model):
    """Minimum total for a star level, and an optional quota (share of rated branches)."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="bands", verbose_name=_("测评标准")
    )
    level = models.PositiveSmallIntegerField(
        _("星级"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_total = models.DecimalField(
        _("最低总分"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    quota_percent = models.DecimalField(
        _("名额比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("留空为不限名额；例如五星不超过参评党组织的10%。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("星级分数线")
        verbose_name_plural = _("星级分数线")
        ordering = ["rubric", "-level"]
        constraints = [models.UniqueConstraint(fields=["rubric", "level"], name="band_unique_level")]

    def __str__(self):
        return f"{level_name(self.level)} ≥ {self.min_total}"
