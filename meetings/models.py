"""Organisational life (三会一课 and other meetings): types with their minimum frequencies,
meeting records with attendance and attachments.

Writes go through meetings.services; compliance is computed in meetings.compliance.
"""

import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Committee, Member, PartyOrganization
from core.dates import short_date, validate_date_in_range
from core.limits import MINUTES, bounded
from core.storage import get_private_storage


class Frequency(models.TextChoices):
    NONE = "none", _("不作要求")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class Category(models.TextChoices):
    SANHUI_YIKE = "sanhui_yike", _("三会一课")
    ORG_LIFE = "org_life", _("组织生活")
    GOVERNANCE = "governance", _("参与治理")
    JOINT = "joint", _("联建共建")


class AttendeeScope(models.TextChoices):
    ALL_MEMBERS = "all_members", _("全体党员")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会成员")


class MeetingType(models.Model):
    """A kind of meeting and the committee's minimum frequency for it (a committee setting)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.CASCADE, related_name="meeting_types"
    )
    code = models.CharField(
        _("代码"),
        max_length=40,
        validators=[
            RegexValidator(r"^[a-z][a-z0-9_]*$", _("代码只能用小写字母、数字和下划线，以字母开头。"))
        ],
        help_text=_("评星指标按代码关联会议类型，请勿随意修改。"),
    )
    name = models.CharField(_("名称"), max_length=50)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.ORG_LIFE)
    frequency = models.CharField(
        _("最低频次周期"), max_length=10, choices=Frequency.choices, default=Frequency.NONE
    )
    min_count = models.PositiveSmallIntegerField(
        _("每周期最少次数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    counts_for_compliance = models.BooleanField(
        _("计入落实情况"), default=True, help_text=_("关闭后该类会议照常记录，但不检查最低频次。")
    )
    requires_quorum = models.BooleanField(
        _("须过半数到会"),
        default=False,
        help_text=_("应到会的正式党员（支委会为支部委员）须过半数出席，否则记录保存但不计入落实情况。"),
    )
    attendee_scope = models.CharField(
        _("应到人员"), max_length=20, choices=AttendeeScope.choices, default=AttendeeScope.ALL_MEMBERS
    )
    is_lecture = models.BooleanField(_("党课（须填授课人和题目）"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会议类型")
        verbose_name_plural = _("会议类型")
        ordering = ["committee", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "code"], name="meeting_type_unique_code"),
            models.UniqueConstraint(fields=["committee", "name"], name="meeting_type_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def has_minimum(self) -> bool:
        return self.counts_for_compliance and self.is_active and self.frequency != Frequency.NONE

    @property
    def requirement_label(self) -> str:
        if self.frequency == Frequency.NONE:
            return str(_("不作要求"))
        return _("%(period)s至少%(n)d次") % {"period": self.get_frequency_display(), "n": self.min_count}


class MeetingSettings(models.Model):
    """Per-committee settings for meeting records (one row per committee)."""

    committee = models.OneToOneField(
        Committee, verbose_name=_("综合党委"), on_delete=models.CASCADE, related_name="meeting_settings"
    )
    edit_window_days = models.PositiveSmallIntegerField(
        _("修改期限（天）"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text=_("会议记录登记超过这么多天后再修改，须填写原因并留痕。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会议记录设置")
        verbose_name_plural = _("会议记录设置")

    def __str__(self):
        return str(self.committee)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("计划召开")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    """One meeting of a party organisation. A joint branch's meeting covers all its organisations.

    A joint activity (联建共建, e.g. of a 牵手 pair) is recorded once, by the branch that holds it,
    with the other branch as `partner_organization`: it counts for both branches' organisational
    life (meetings.compliance) and is one row in every committee total."""

    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    partner_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("共建党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="joint_meetings",
        help_text=_("联合活动的另一方：这次活动同样计入其组织生活。"),
    )
    meeting_type = models.ForeignKey(
        MeetingType, verbose_name=_("会议类型"), on_delete=models.PROTECT, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("开始时间"), validators=[validate_date_in_range])
    place = models.CharField(_("地点"), max_length=200)
    topic = models.CharField(_("主题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.HELD
    )
    host = models.ForeignKey(
        Member, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_taker = models.ForeignKey(
        Member, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer = models.CharField(_("授课人"), max_length=100, blank=True)
    lecture_topic = models.CharField(_("党课题目"), max_length=200, blank=True)
    guests = models.CharField(
        _("列席人员"), max_length=300, blank=True, help_text=_("非本支部党员的列席人员。")
    )
    minutes = models.TextField(_("会议记录"), blank=True, **bounded(MINUTES))
    # Quorum as it stood when attendance was recorded; membership may change later, the record does not.
    entitled_count = models.PositiveSmallIntegerField(_("应到（有表决权）"), default=0)
    present_count = models.PositiveSmallIntegerField(_("实到（有表决权）"), default=0)
    quorum_ok = models.BooleanField(
        _("达到法定人数"), null=True, blank=True, help_text=_("空：该类会议不要求。")
    )
    created_by = models.ForeignKey(
        "branches.User", verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        "branches.User", verbose_name=_("最后修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            # the newest first across a committee: the meeting list and the admin read 50 rows of it
            models.Index(fields=["-starts_at", "-id"], name="meeting_start"),
            models.Index(fields=["party_organization", "starts_at"], name="meeting_po_start"),
            models.Index(
                fields=["party_organization", "meeting_type", "starts_at"], name="meeting_po_type_start"
            ),
            models.Index(fields=["partner_organization", "starts_at"], name="meeting_partner_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(partner_organization=models.F("party_organization")),
                name="meeting_partner_is_another_branch",
                violation_error_message=_("共建党组织不能是本党组织。"),
            ),
        ]

    def __str__(self):
        if not self.starts_at:
            return self.topic
        return f"{short_date(timezone.localtime(self.starts_at).date())} {self.meeting_type} · {self.topic}"

    @property
    def counts_for_compliance(self) -> bool:
        return self.status == MeetingStatus.HELD and self.quorum_ok is not False

    def branch_ids(self) -> set[int]:
        """The party organisations whose organisational life this meeting is part of."""
        return {self.party_organization_id} | ({self.partner_organization_id} - {None})

    @property
    def below_quorum(self) -> bool:
        return self.status == MeetingStatus.HELD and self.quorum_ok is False

    def edit_deadline(self, window_days: int) -> dt.datetime:
        return self.created_at + dt.timedelta(days=window_days)

    def is_backfilled(self, window_days: int) -> bool:
        """Recorded more than the edit window after it took place (补录)."""
        return bool(self.starts_at and self.created_at - self.starts_at > dt.timedelta(days=window_days))


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    EXCUSED = "excused", _("请假")


class Attendance(models.Model):
    """Whether one member attended one meeting. The name is kept in case the member record goes."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="meeting_attendance",
    )
    member_name = models.CharField(_("姓名"), max_length=50)
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="attendance_one_row_per_member",
                violation_error_message=_("同一党员在一次会议中只能有一条出席记录。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="excused") | ~Q(reason=""),
                name="attendance_excused_needs_reason",
                violation_error_message=_("请假须填写原因。"),
            ),
        ]

    def __str__(self):
        return f"{self.member_name} {self.get_status_display()}"


def attachment_path(instance, filename):
    ext = PurePosixPath(filename).suffix.lower()
    today = timezone.localdate()
    return f"meetings/{today:%Y/%m}/{uuid.uuid4().hex}{ext}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")


class MeetingAttachment(models.Model):
    """A document or photo of a meeting, in private storage; served only through an access-checked view."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200, storage=get_private_storage)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        "branches.User", verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting", "kind", "pk"]

    def __str__(self):
        return self.original_name


class ComplianceSnapshot(models.Model):
    """A committee's year of meeting compliance, computed by a task and stored whole.

    The figures (`summary`, small, for the dashboard; `branches`, one entry per party
    organisation, for the heat map) are replaced by one UPDATE, so readers see the old or the new
    figures, never a mix. Derived data: it keeps no row history; it can be recomputed at any time
    from the meeting records (meetings/snapshots.py says how and when)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    computed_at = models.DateTimeField(_("统计时间"), null=True, blank=True)
    evaluated_on = models.DateField(_("按此日期判断"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    summary = models.JSONField(_("汇总"), null=True, blank=True)
    branches = models.JSONField(_("各党组织"), null=True, blank=True)
    # A change after `computed_at` that the figures may not include yet, and when the refresh
    # already queued for it is due (the debounce: one refresh for many changes).
    changed_at = models.DateTimeField(_("最近变动"), null=True, blank=True)
    refresh_due_at = models.DateTimeField(_("计划更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织生活落实情况统计")
        verbose_name_plural = _("组织生活落实情况统计")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="compliance_snapshot_one_per_year"),
        ]

    def __str__(self):
        return f"{self.committee_id} · {self.year}"
