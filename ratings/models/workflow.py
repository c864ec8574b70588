"""The rating workflow: settings, cycles, submissions, self-assessment, inspection and review."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Committee, PartyOrganization, SocialOrganization
from core.dates import short_datetime, validate_date_in_range
from core.limits import GENERATED, REASON, bounded
from core.storage import get_private_storage

from .common import level_name, validate_half_step
from .rubric import Indicator, Rubric


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
        # The number printed on certificates follows the official format, so the default stays Chinese.
        default="{short}星〔{year}〕第{seq:03d}号",
        help_text=_(
            "可用 {short}（综合党委简称）、{year}（年度）、{seq}（本周期序号，可写 {seq:03d} 补零）。"
        ),
    )
    plaque_return_days = models.PositiveSmallIntegerField(
        _("撤销后牌匾退回期限（天）"), default=15, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    notice_min_working_days = models.PositiveSmallIntegerField(
        _("公示最少工作日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("公示期至少包含的工作日数（不计星期六、星期日）。"),
    )
    objections_per_ip_per_hour = models.PositiveSmallIntegerField(
        _("每个IP每小时最多异议数"), default=5, validators=[MinValueValidator(1)]
    )

    class AwardValidity(models.TextChoices):
        UNTIL_NEXT = "until_next", _("至下一周期命名之日")
        YEARS = "years", _("自命名之日起若干年")

    award_validity = models.CharField(
        _("星级命名有效期"),
        max_length=20,
        choices=AwardValidity.choices,
        default=AwardValidity.UNTIL_NEXT,
        help_text=_("命名自命名之日起有效；选“至下一周期命名之日”时，下一周期命名后上一周期的命名随之终止。"),
    )
    award_validity_years = models.PositiveSmallIntegerField(
        _("有效期年数"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("仅在有效期按年数计算时使用。"),
    )

    followup_share = models.PositiveSmallIntegerField(
        _("跟踪评估抽取比例（%）"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("有效期内从四星、五星命名中随机抽取跟踪评估的比例。"),
    )
    followup_overdue_days = models.PositiveSmallIntegerField(
        _("整改逾期启动核查（天）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("整改事项逾期超过此天数，自动对该党组织的有效命名启动核查评估。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评星设置")
        verbose_name_plural = _("评星设置")

    def __str__(self):
        return str(self.committee)

    @classmethod
    def for_committee(cls, committee_id):
        """The committee's settings, or the defaults (unsaved) when it has none: reading writes nothing."""
        return cls.objects.filter(committee_id=committee_id).first() or cls(committee_id=committee_id)


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
    self_assessment_deadline = models.DateTimeField(_("自评截止"), validators=[validate_date_in_range])
    inspection_deadline = models.DateTimeField(_("实地验收截止"), validators=[validate_date_in_range])
    review_deadline = models.DateTimeField(_("集中评审截止"), validators=[validate_date_in_range])
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=7, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    notice_starts_on = models.DateField(
        _("公示开始"), null=True, blank=True, validators=[validate_date_in_range]
    )
    notice_ends_on = models.DateField(
        _("公示结束"), null=True, blank=True, validators=[validate_date_in_range]
    )
    finalized_at = models.DateTimeField(_("结果确定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评星周期")
        verbose_name_plural = _("评星周期")
        ordering = ["committee", "-year"]
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="cycle_unique_year")]

    def __str__(self):
        return self.title or _("%(year)s年度星火党组织评星") % {"year": self.year}

    def clean(self):
        if self.rubric_id and self.committee_id and self.rubric.committee_id != self.committee_id:
            raise ValidationError({"rubric": _("测评标准必须属于同一综合党委。")})
        d1, d2, d3 = self.self_assessment_deadline, self.inspection_deadline, self.review_deadline
        if d1 and d2 and d3 and not (d1 <= d2 <= d3):
            raise ValidationError(_("截止时间应依次为：自评 ≤ 实地验收 ≤ 集中评审。"))
        if d1 and self.opened_at and d1 <= self.opened_at:
            raise ValidationError(
                {"self_assessment_deadline": _("自评截止时间应在评星启动（%(opened)s）之后。")},
                params={"opened": short_datetime(self.opened_at)},
            )


class CycleExclusion(models.Model):
    """A party organisation that does not take part in a cycle, with the reason."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("评星周期")
    )
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    reason = models.CharField(_("不参评原因"), max_length=300)

    history = HistoricalRecords()

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
    deadline_extended_to = models.DateTimeField(
        _("延期至"), null=True, blank=True, validators=[validate_date_in_range]
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_session = models.ForeignKey(
        "ratings.ReviewSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("集中评审会"),
    )
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
    level_explanation = models.TextField(_("星级依据"), blank=True, **bounded(GENERATED))
    final_level = models.PositiveSmallIntegerField(
        _("确定星级"), null=True, blank=True, help_text=_("公示期满、无未决异议后确定。")
    )
    finalized_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

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
    comment = models.TextField(_("自评说明"), blank=True, **bounded(REASON))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

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
    file = models.FileField(upload_to=evidence_path, max_length=300, blank=True, storage=get_private_storage)
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

    history = HistoricalRecords()

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
    reason = models.TextField(_("退回原因"), **bounded(REASON))
    round = models.PositiveSmallIntegerField(_("第几次退回"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

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

    history = HistoricalRecords()

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
    visit_at = models.DateTimeField(
        _("约定验收时间"),
        null=True,
        blank=True,
        validators=[validate_date_in_range],
        help_text=_("工作人员与党组织约定的实地验收时间。"),
    )
    signed_off_at = models.DateTimeField(_("签字确认时间"), null=True, blank=True)

    history = HistoricalRecords()

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
    finding = models.TextField(_("验收意见"), blank=True, **bounded(REASON))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    history = HistoricalRecords()

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
    file = models.FileField(upload_to=photo_path, max_length=300, storage=get_private_storage)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    taken_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("验收照片")
        verbose_name_plural = _("验收照片")
        ordering = ["taken_at", "pk"]
