"""The 星火 rating: versioned rubrics, yearly cycles, submissions and their scores."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Committee, PartyOrganization, SocialOrganization

HALF = Decimal("0.5")
LEVEL_NAMES = {0: _("无星"), 1: _("一星"), 2: _("二星"), 3: _("三星"), 4: _("四星"), 5: _("五星")}


def level_name(level):
    if level is None:
        return _("不评星")
    return LEVEL_NAMES.get(level, str(level))


def validate_half_step(value):
    if value is not None and (Decimal(value) / HALF) % 1 != 0:
        raise ValidationError(_("分值只能精确到0.5分（例如 3 或 3.5），而不是 %(v)s。"), params={"v": value})


class RatingSettings(models.Model):
    """Per-committee settings of the rating procedure."""

    committee = models.OneToOneField(
        Committee, on_delete=models.CASCADE, related_name="rating_settings", verbose_name=_("综合党委")
    )
    min_inspectors = models.PositiveSmallIntegerField(
        _("每个申报最少验收人员"), default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    spread_threshold = models.DecimalField(
        _("评分差异提示阈值（分）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(0)],
    )
    certificate_pattern = models.CharField(
        _("证书编号格式"),
        max_length=100,
        default="{short}星〔{year}〕第{seq:03d}号",
        help_text=_(
            "可用 {short}（综合党委简称）、{year}（年度）、{seq}（本周期序号，可写 {seq:03d} 补零）。"
        ),
    )
    plaque_return_days = models.PositiveSmallIntegerField(
        _("撤销后牌匾退回期限（天）"), default=15, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    objections_per_ip_per_hour = models.PositiveSmallIntegerField(
        _("每个IP每小时最多异议数"), default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("评星设置")
        verbose_name_plural = _("评星设置")

    def __str__(self):
        return str(self.committee)

    @classmethod
    def for_committee(cls, committee_id):
        obj, _created = cls.objects.get_or_create(committee_id=committee_id)
        return obj


class Rubric(models.Model):
    """测评标准, one version. Frozen once a cycle uses it; changes then make a new version."""

    class TieRule(models.TextChoices):
        EXCLUDE = "exclude", _("名额边界同分者一并降档（名额不超）")
        INCLUDE = "include", _("名额边界同分者一并保留（可超名额）")

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="+", verbose_name=_("综合党委")
    )
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

    class Meta:
        verbose_name = _("测评标准")
        verbose_name_plural = _("测评标准")
        ordering = ["committee", "-version"]
        constraints = [models.UniqueConstraint(fields=["committee", "version"], name="rubric_unique_version")]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"

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
    evidence_description = models.TextField(_("佐证材料要求"), blank=True)
    max_score = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1, validators=[MinValueValidator(HALF), validate_half_step]
    )
    evidence_required = models.BooleanField(_("须上传佐证"), default=True)
    guidance = models.TextField(_("验收要点"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    meeting_types = models.ManyToManyField(
        "meetings.MeetingType",
        blank=True,
        related_name="indicators",
        verbose_name=_("关联会议类型"),
        help_text=_("如“三会一课按规定频次落实”：自评、验收和评审时显示这些会议的落实情况。"),
    )

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

    class Meta:
        verbose_name = _("星级分数线")
        verbose_name_plural = _("星级分数线")
        ordering = ["rubric", "-level"]
        constraints = [models.UniqueConstraint(fields=["rubric", "level"], name="band_unique_level")]

    def __str__(self):
        return f"{level_name(self.level)} ≥ {self.min_total}"


class Cycle(models.Model):
    """年度评星: one per committee and year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备")
        OPEN = "open", _("进行中")
        PUBLISHED = "published", _("公示中")
        FINAL = "final", _("已完成")

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="+", verbose_name=_("综合党委")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("名称"), max_length=100, blank=True)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("测评标准")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    self_assessment_deadline = models.DateTimeField(_("自评截止"))
    inspection_deadline = models.DateTimeField(_("实地验收截止"))
    review_deadline = models.DateTimeField(_("集中评审截止"))
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=7, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    notice_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("结果确定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评星周期")
        verbose_name_plural = _("评星周期")
        ordering = ["committee", "-year"]
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="cycle_unique_year")]

    def __str__(self):
        return self.title or f"{self.year}年度星火党组织评星"

    def clean(self):
        if self.rubric_id and self.committee_id and self.rubric.committee_id != self.committee_id:
            raise ValidationError({"rubric": _("测评标准必须属于同一综合党委。")})
        d1, d2, d3 = self.self_assessment_deadline, self.inspection_deadline, self.review_deadline
        if d1 and d2 and d3 and not (d1 <= d2 <= d3):
            raise ValidationError(_("截止时间应依次为：自评 ≤ 实地验收 ≤ 集中评审。"))


class CycleExclusion(models.Model):
    """A party organisation that does not take part in a cycle, with the reason."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("评星周期")
    )
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    reason = models.CharField(_("不参评原因"), max_length=300)

    class Meta:
        verbose_name = _("不参评党组织")
        verbose_name_plural = _("不参评党组织")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "party_organization"], name="exclusion_unique")
        ]

    def __str__(self):
        return f"{self.party_organization}：{self.reason}"


class Status(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("待实地验收")
    INSPECTED = "inspected", _("已验收")
    REVIEWED = "reviewed", _("已评审")


class Submission(models.Model):
    """One party organisation's self-assessment in a cycle, and where it stands in the procedure."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("评星周期")
    )
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("党组织")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    deadline_extended_to = models.DateTimeField(_("延期至"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("初核通过时间"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("验收完成时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("评审完成时间"), null=True, blank=True)
    # Results of the central review (kept up to date by ratings.services.cycle_recompute_levels).
    indicator_total = models.DecimalField(
        _("指标得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    bonus_total = models.DecimalField(_("加分"), max_digits=5, decimal_places=1, null=True, blank=True)
    deduction_total = models.DecimalField(_("减分"), max_digits=5, decimal_places=1, null=True, blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    previous_level = models.PositiveSmallIntegerField(_("上一周期星级"), null=True, blank=True)
    proposed_level = models.PositiveSmallIntegerField(_("建议星级"), null=True, blank=True)
    level_explanation = models.TextField(_("星级依据"), blank=True)
    final_level = models.PositiveSmallIntegerField(
        _("确定星级"), null=True, blank=True, help_text=_("公示期满、无未决异议后确定。")
    )
    finalized_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评星申报")
        verbose_name_plural = _("评星申报")
        ordering = ["cycle", "party_organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "party_organization"], name="submission_unique_per_cycle"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"], name="submission_cycle_status")]

    def __str__(self):
        return f"{self.party_organization} · {self.cycle}"

    @property
    def deadline(self):
        return self.deadline_extended_to or self.cycle.self_assessment_deadline

    @property
    def deadline_passed(self):
        return timezone.now() > self.deadline

    @property
    def proposed_level_name(self):
        return level_name(self.proposed_level)


class IndicatorScore(models.Model):
    """The branch's self score and comment for one indicator."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("自评分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_half_step],
    )
    comment = models.TextField(_("自评说明"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("自评分")
        verbose_name_plural = _("自评分")
        constraints = [
            models.UniqueConstraint(fields=["submission", "indicator"], name="self_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0) | Q(score__isnull=True), name="self_score_non_negative"
            ),
        ]


def evidence_path(instance, filename):
    return f"evidence/{instance.submission.cycle_id}/{instance.submission_id}/{filename}"


class Evidence(models.Model):
    """A file proving an indicator. Private: served only through an access-checking view."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=evidence_path, max_length=300, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("会议记录"),
        help_text=_("以会议记录作为佐证时填写，此时没有上传文件。"),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["indicator", "uploaded_at"]

    def __str__(self):
        return self.original_name


class ReturnReason(models.Model):
    """Why staff returned a submission, per indicator (or in general)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="return_reasons")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("退回原因"), max_length=2000)
    round = models.PositiveSmallIntegerField(_("第几次退回"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("退回原因")
        verbose_name_plural = _("退回原因")
        ordering = ["-round", "indicator__category__order", "indicator__order", "pk"]


class InspectorConflict(models.Model):
    """回避 register: an inspector linked to an organisation may not inspect it."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("本组织成员或工作人员")
        RELATIVE = "relative", _("近亲属在该组织任职")
        BUSINESS = "business", _("经济往来或利益关系")
        OTHER = "other", _("其他关联")

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("验收人员"),
    )
    organization = models.ForeignKey(
        SocialOrganization, on_delete=models.CASCADE, related_name="+", verbose_name=_("社会组织")
    )
    kind = models.CharField(_("关联类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("回避登记")
        verbose_name_plural = _("回避登记")
        constraints = [models.UniqueConstraint(fields=["inspector", "organization"], name="conflict_unique")]

    def __str__(self):
        return f"{self.inspector} ↔ {self.organization}（{self.get_kind_display()}）"


class InspectionAssignment(models.Model):
    """An inspector assigned to a submission; scores independently and signs off."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("验收人员"),
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    signed_off_at = models.DateTimeField(_("签字确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验收分工")
        verbose_name_plural = _("验收分工")
        ordering = ["submission", "assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["submission", "inspector"], name="assignment_unique")]

    def __str__(self):
        return f"{self.inspector} → {self.submission}"


class InspectionScore(models.Model):
    """One inspector's on-site score and finding for one indicator."""

    assignment = models.ForeignKey(InspectionAssignment, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("验收分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_half_step],
    )
    finding = models.TextField(_("验收意见"), blank=True, max_length=2000)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验收评分")
        verbose_name_plural = _("验收评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="inspection_score_unique")
        ]


def photo_path(instance, filename):
    return f"inspection/{instance.assignment.submission_id}/{instance.assignment_id}/{filename}"


class InspectionPhoto(models.Model):
    assignment = models.ForeignKey(InspectionAssignment, on_delete=models.CASCADE, related_name="photos")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=photo_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    taken_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验收照片")
        verbose_name_plural = _("验收照片")
        ordering = ["taken_at", "pk"]


class FinalScore(models.Model):
    """The panel's final score for an indicator; a departure from the inspectors' average needs a reason."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="final_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("最终得分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.TextField(_("调整理由"), blank=True, max_length=2000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

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
    raised_note = models.TextField(_("线索"), blank=True, max_length=2000)
    reason = models.TextField(_("认定理由"), blank=True, max_length=2000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一票否决认定")
        verbose_name_plural = _("一票否决认定")
        constraints = [models.UniqueConstraint(fields=["submission", "item"], name="veto_unique")]


class TallySnapshot(models.Model):
    """年度星级统计 of a cycle, stored whole: replaced in one statement, never half-written."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.CASCADE, related_name="tally", verbose_name=_("评星周期")
    )
    computed_at = models.DateTimeField(_("统计时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    data = models.JSONField(_("统计数据"))

    class Meta:
        verbose_name = _("年度星级统计")
        verbose_name_plural = _("年度星级统计")

    def __str__(self):
        return f"{self.cycle} · {self.computed_at:%Y-%m-%d %H:%M}"


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
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("统计任务")
        verbose_name_plural = _("统计任务")
        ordering = ["-created_at", "-pk"]


# --- 公示, objections, awards, rectification (domain.md steps 5–7) -------------------------------


class Objection(models.Model):
    """异议 filed by anyone against one published result during the notice period."""

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        INVESTIGATING = "investigating", _("核查中")
        REJECTED = "rejected", _("不予采纳")
        UPHELD = "upheld", _("已采纳并改正")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示结果")
    )
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    reason = models.TextField(_("异议理由"), max_length=2000)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    outcome = models.TextField(_("复核结论"), blank=True, max_length=2000)
    filed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    objector_notified_at = models.DateTimeField(_("告知异议人时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["-filed_at", "-pk"]

    def __str__(self):
        return f"{self.reference} · {self.submission.party_organization}"

    @property
    def is_open(self):
        return self.state in (self.State.OPEN, self.State.INVESTIGATING)


def objection_path(instance, filename):
    return f"objections/{instance.objection_id}/{filename}"


class ObjectionAttachment(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=objection_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("异议附件")
        verbose_name_plural = _("异议附件")


class Award(models.Model):
    """命名/授牌: a final result at a plaque level, with its certificate."""

    class State(models.TextChoices):
        VALID = "valid", _("有效")
        DOWNGRADED = "downgraded", _("已降级")
        REVOKED = "revoked", _("已撤销")

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="award")
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="awards", verbose_name=_("评星周期")
    )
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="awards", verbose_name=_("党组织")
    )
    level = models.PositiveSmallIntegerField(_("当前星级"))
    awarded_level = models.PositiveSmallIntegerField(_("授予星级"))
    seq = models.PositiveIntegerField(_("序号"))
    certificate_no = models.CharField(_("证书编号"), max_length=100, unique=True)
    token = models.CharField(_("核验码"), max_length=32, unique=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.VALID)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    awarded_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("星级命名")
        verbose_name_plural = _("星级命名")
        ordering = ["cycle", "seq"]
        constraints = [models.UniqueConstraint(fields=["cycle", "seq"], name="award_seq_unique_per_cycle")]

    def __str__(self):
        return self.certificate_no

    @property
    def public_state(self):
        """What the verification page shows: valid / downgraded / revoked / expired."""
        if self.state == self.State.VALID and self.valid_until < timezone.localdate():
            return "expired"
        return self.state

    @property
    def public_state_label(self):
        return {
            "valid": _("有效"),
            "downgraded": _("已降级"),
            "revoked": _("已撤销"),
            "expired": _("已过期"),
        }[self.public_state]


def award_event_path(instance, filename):
    return f"awards/{instance.award_id}/{filename}"


class AwardEvent(models.Model):
    """History of an award: issued, downgraded, revoked. Kept for ever."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("授予")
        DOWNGRADED = "downgraded", _("降级")
        REVOKED = "revoked", _("撤销")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    from_level = models.PositiveSmallIntegerField(_("原星级"), null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(_("新星级"), null=True, blank=True)
    grounds = models.CharField(_("事由"), max_length=30, blank=True)
    reason = models.TextField(_("理由"), blank=True, max_length=2000)
    evidence = models.FileField(_("依据材料"), upload_to=award_event_path, blank=True, max_length=300)
    evidence_name = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("命名变动")
        verbose_name_plural = _("命名变动")
        ordering = ["at", "pk"]


class Plaque(models.Model):
    """牌匾 register: made, delivered, and for revocations returned."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="plaque")
    made_on = models.DateField(_("制作日期"), null=True, blank=True)
    delivered_on = models.DateField(_("授牌日期"), null=True, blank=True)
    delivered_by = models.CharField(_("授牌人"), max_length=50, blank=True)
    received_by = models.CharField(_("接收人"), max_length=50, blank=True)
    return_due_on = models.DateField(_("应退回日期"), null=True, blank=True)
    returned_on = models.DateField(_("实际退回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("牌匾")
        verbose_name_plural = _("牌匾")

    @property
    def return_overdue(self):
        return bool(self.return_due_on and not self.returned_on and self.return_due_on < timezone.localdate())


class Rectification(models.Model):
    """整改 item for a branch, tracked to closure."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已报送整改情况")
        SENT_BACK = "sent_back", _("退回重改")
        VERIFIED = "verified", _("已验证销号")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="rectifications")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )
    problem = models.TextField(_("存在问题"), max_length=2000)
    requirement = models.TextField(_("整改要求"), max_length=2000)
    due_on = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    answer = models.TextField(_("整改情况"), blank=True, max_length=4000)
    answered_at = models.DateTimeField(null=True, blank=True)
    staff_note = models.TextField(_("核查意见"), blank=True, max_length=2000)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return f"{self.submission.party_organization}：{self.problem[:30]}"

    @property
    def overdue(self):
        return self.state != self.State.VERIFIED and self.due_on < timezone.localdate()


def rectification_path(instance, filename):
    return f"rectification/{instance.rectification_id}/{filename}"


class RectificationEvidence(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=rectification_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
