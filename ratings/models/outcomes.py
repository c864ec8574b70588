"""Outcomes: 公示 objections, awards and their events, plaques and rectification."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import PartyOrganization
from core.dates import validate_date_in_range
from core.limits import ANSWER, REASON, bounded
from core.storage import get_private_storage

from .rubric import Indicator
from .workflow import Cycle, Submission

# --- 公示, objections, awards, rectification (the steps after the review) -------------------------------


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
    reason = models.TextField(_("异议理由"), **bounded(REASON))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    outcome = models.TextField(_("复核结论"), blank=True, **bounded(REASON))
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

    history = HistoricalRecords()

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
    file = models.FileField(upload_to=objection_path, max_length=300, storage=get_private_storage)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("异议附件")
        verbose_name_plural = _("异议附件")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity_end(named_on: dt.date, *, years: int | None) -> dt.date | None:
    """Last day of an award named on ``named_on``: the day before the same date ``years`` later,
    or None (open) for an award valid until the next cycle's awards are named."""
    if years is None:
        return None
    return max(named_on, add_years(named_on, years) - dt.timedelta(days=1))


def ended_by_naming(valid_from: dt.date, next_named_on: dt.date) -> dt.date:
    """Last day of an award that the next cycle's naming on ``next_named_on`` ends: the day
    before, but never before the award started."""
    return max(valid_from, next_named_on - dt.timedelta(days=1))


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
    valid_from = models.DateField(_("有效期起"), validators=[validate_date_in_range])
    valid_until = models.DateField(
        _("有效期至"),
        null=True,
        blank=True,
        validators=[validate_date_in_range],
        help_text=_("空表示有效至下一周期命名之日。"),
    )
    awarded_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("星级命名")
        verbose_name_plural = _("星级命名")
        ordering = ["cycle", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "seq"], name="award_seq_unique_per_cycle"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="award_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return self.certificate_no

    def has_lapsed(self, today: dt.date | None = None) -> bool:
        """Whether the validity has ended, from today's date (never stored)."""
        today = today or timezone.localdate()
        return self.valid_until is not None and self.valid_until < today

    @property
    def public_state(self):
        """The one state every page, the certificate and the export show:
        valid / downgraded / revoked / expired."""
        if self.state == self.State.VALID and self.has_lapsed():
            return "expired"
        return self.state

    @classmethod
    def in_force_q(cls, today: dt.date) -> Q:
        """has_lapsed() as a query: awards whose validity has not ended on ``today``."""
        return Q(valid_until__isnull=True) | Q(valid_until__gte=today)

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
        CONFIRMED = "confirmed", _("核查后维持")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    from_level = models.PositiveSmallIntegerField(_("原星级"), null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(_("新星级"), null=True, blank=True)
    grounds = models.CharField(_("事由"), max_length=30, blank=True)
    reason = models.TextField(_("理由"), blank=True, **bounded(REASON))
    evidence = models.FileField(
        _("依据材料"), upload_to=award_event_path, blank=True, max_length=300, storage=get_private_storage
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("命名变动")
        verbose_name_plural = _("命名变动")
        ordering = ["at", "pk"]


class Plaque(models.Model):
    """牌匾 register: made, delivered, and for revocations returned."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="plaque")
    made_on = models.DateField(_("制作日期"), null=True, blank=True, validators=[validate_date_in_range])
    delivered_on = models.DateField(_("授牌日期"), null=True, blank=True, validators=[validate_date_in_range])
    delivered_by = models.CharField(_("授牌人"), max_length=50, blank=True)
    received_by = models.CharField(_("接收人"), max_length=50, blank=True)
    return_due_on = models.DateField(
        _("应退回日期"), null=True, blank=True, validators=[validate_date_in_range]
    )
    returned_on = models.DateField(
        _("实际退回日期"), null=True, blank=True, validators=[validate_date_in_range]
    )

    history = HistoricalRecords()

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
    problem = models.TextField(_("存在问题"), **bounded(REASON))
    requirement = models.TextField(_("整改要求"), **bounded(REASON))
    due_on = models.DateField(_("整改期限"), validators=[validate_date_in_range])
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    answer = models.TextField(_("整改情况"), blank=True, **bounded(ANSWER))
    answered_at = models.DateTimeField(null=True, blank=True)
    staff_note = models.TextField(_("核查意见"), blank=True, **bounded(REASON))
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

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
    file = models.FileField(upload_to=rectification_path, max_length=300, storage=get_private_storage)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
