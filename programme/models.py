"""The programme around the score (docs/domain.md): the committee's target level, 牵手 pairs,
查找不足 improvement plans and the 典型经验 case library.

Writes go through the service modules (programme.pairing, .plans, .cases); every model keeps row
history."""

import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.access import Target
from branches.models import Committee, PartyOrganization
from core.dates import validate_date_in_range
from core.limits import MINUTES, REASON, bounded
from core.storage import get_private_storage


class ProgrammeSettings(models.Model):
    """Per-committee settings of the programme (one row per committee, made when first needed)."""

    committee = models.OneToOneField(
        Committee, verbose_name=_("综合党委"), on_delete=models.CASCADE, related_name="programme_settings"
    )
    target_level = models.PositiveSmallIntegerField(
        _("目标星级"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("低于此星级（含未评星）的党组织在周期结束后获得提升计划，并可作为牵手帮扶对象。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评星之外设置")
        verbose_name_plural = _("评星之外设置")

    def __str__(self):
        return str(self.committee)

    @classmethod
    def for_committee(cls, committee_id: int) -> "ProgrammeSettings":
        return cls.objects.get_or_create(committee_id=committee_id)[0]


class Pairing(models.Model):
    """牵手: a starred branch leads a weak or unrated one for a period, from the results of a cycle.

    active → ended: staff may end a pair early (`ended_on`, `end_reason`); an ended pair keeps its
    page and its result. A pair whose period ran out without that stays active, and reads as over."""

    class State(models.TextChoices):
        ACTIVE = "active", _("进行中")
        ENDED = "ended", _("已提前结束")

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    cycle = models.ForeignKey(
        "ratings.Cycle",
        verbose_name=_("结对依据的评星周期"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    strong = models.ForeignKey(
        PartyOrganization, verbose_name=_("带动方"), on_delete=models.PROTECT, related_name="pairings_leading"
    )
    weak = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("帮扶对象"),
        on_delete=models.PROTECT,
        related_name="pairings_helped",
    )
    starts_on = models.DateField(_("开始日期"), validators=[validate_date_in_range])
    ends_on = models.DateField(_("结束日期"), validators=[validate_date_in_range])
    goals = models.TextField(_("结对目标"), **bounded(REASON))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.ACTIVE)
    ended_on = models.DateField(_("提前结束日期"), null=True, blank=True, validators=[validate_date_in_range])
    end_reason = models.TextField(_("结束原因"), blank=True, **bounded(REASON))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("牵手结对")
        verbose_name_plural = _("牵手结对")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(strong=F("weak")),
                name="pairing_two_branches",
                violation_error_message=_("带动方和帮扶对象不能是同一个党组织。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="pairing_ends_after_it_starts",
                violation_error_message=_("结束日期须晚于开始日期。"),
            ),
            models.CheckConstraint(
                condition=(Q(state="active") & Q(ended_on__isnull=True))
                | (Q(state="ended") & Q(ended_on__gte=F("starts_on")) & Q(ended_on__lte=F("ends_on"))),
                name="pairing_ended_within_its_period",
                violation_error_message=_("提前结束日期须在结对期内。"),
            ),
            models.UniqueConstraint(
                fields=["cycle", "weak"],
                name="pairing_one_per_weak_branch_and_cycle",
                violation_error_message=_("该党组织在这一周期已有牵手结对。"),
            ),
        ]

    def __str__(self):
        return f"{self.strong} → {self.weak}"

    def access_target(self) -> Target:
        return Target(self.committee_id, party_organization_ids=frozenset({self.strong_id, self.weak_id}))

    @property
    def is_ended(self) -> bool:
        return self.state == self.State.ENDED

    @property
    def last_day(self) -> "dt.date":
        """The pair's last day: the day it was ended early, or the end of its period."""
        return self.ended_on if self.is_ended and self.ended_on else self.ends_on

    def partner_of(self, party_organization_id: int) -> int | None:
        """The other branch of the pair, for one of its branches (None for anyone else)."""
        return {self.strong_id: self.weak_id, self.weak_id: self.strong_id}.get(party_organization_id)


class ImprovementPlan(models.Model):
    """查找不足: a branch below the committee's target after a final cycle gets a plan generated
    from its own scores (`findings`, `meeting_gaps`); its secretary commits actions (PlanAction).

    generated → committed (actions with owners and due dates) → in progress (an action done) →
    done (every action done); overdue is read from the actions' due dates, never stored."""

    class State(models.TextChoices):
        GENERATED = "generated", _("已生成")
        COMMITTED = "committed", _("已承诺")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    cycle = models.ForeignKey(
        "ratings.Cycle", verbose_name=_("评星周期"), on_delete=models.PROTECT, related_name="+"
    )
    party_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="improvement_plans",
    )
    level = models.PositiveSmallIntegerField(_("本周期星级"), default=0, help_text=_("0：未评星。"))
    target_level = models.PositiveSmallIntegerField(_("目标星级"))
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    next_level = models.PositiveSmallIntegerField(_("下一星级"), null=True, blank=True)
    points_to_next = models.DecimalField(
        _("距下一星级差分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # What the system found, kept as it was generated (the rubric and the records may change later).
    findings = models.JSONField(_("失分指标"), default=list, blank=True)
    meeting_gaps = models.JSONField(_("组织生活差距"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.GENERATED)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    committed_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承诺人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("提升计划")
        verbose_name_plural = _("提升计划")
        ordering = ["-cycle__year", "party_organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "party_organization"], name="improvement_plan_one_per_branch_and_cycle"
            ),
        ]

    def __str__(self):
        return f"{self.party_organization} · {self.cycle}"


class PlanAction(models.Model):
    """One action a branch commits to in its plan: what, who, by when; done with a note."""

    plan = models.ForeignKey(
        ImprovementPlan, verbose_name=_("提升计划"), on_delete=models.CASCADE, related_name="actions"
    )
    indicator_code = models.CharField(_("指标编号"), max_length=10, blank=True)
    indicator_title = models.CharField(_("指标"), max_length=300, blank=True)
    text = models.TextField(_("措施"), **bounded(REASON))
    owner = models.CharField(_("责任人"), max_length=50)
    due_on = models.DateField(_("完成期限"), validators=[validate_date_in_range])
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True, **bounded(REASON))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("提升措施")
        verbose_name_plural = _("提升措施")
        ordering = ["plan", "due_on", "pk"]

    def __str__(self):
        return self.text[:50]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def access_target(self) -> Target:
        plan = self.plan
        return Target(plan.committee_id, plan.party_organization_id)

    def is_overdue(self, today=None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())


def case_photo_path(instance, filename):
    ext = PurePosixPath(filename).suffix.lower()
    return f"cases/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class Case(models.Model):
    """典型经验: a good-practice case of a branch, drafted by staff, reviewed, then published on
    the public case library. draft → in review → published → withdrawn; in review → draft."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_REVIEW = "in_review", _("审核中")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), **bounded(MINUTES))
    indicators = models.ManyToManyField(
        "ratings.Indicator", verbose_name=_("体现的指标"), related_name="+", blank=True
    )
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("撰写人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("典型经验")
        verbose_name_plural = _("典型经验")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title


class CasePhoto(models.Model):
    """A photo of a case, checked and re-encoded on upload; shown publicly once the case is."""

    case = models.ForeignKey(
        Case, verbose_name=_("典型经验"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to=case_photo_path, max_length=200, storage=get_private_storage)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("典型经验照片")
        verbose_name_plural = _("典型经验照片")
        ordering = ["case", "pk"]

    def __str__(self):
        return self.original_name

    def access_target(self) -> Target:
        return Target(self.case.committee_id, self.case.party_organization_id)
