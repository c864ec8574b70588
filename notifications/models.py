"""In-app notices and their e-mails. One notice per recipient and event key, whatever retries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.limits import GENERATED, NOTICE_BODY, bounded


class Kind(models.TextChoices):
    # to committee staff
    TALLY_READY = "tally_ready", _("年度星级统计已完成")
    SUBMISSIONS_OVERDUE = "submissions_overdue", _("申报逾期")
    OBJECTION_FILED = "objection_filed", _("收到公示异议")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("整改逾期")
    PLAQUE_RETURN_OVERDUE = "plaque_return_overdue", _("牌匾逾期未退回")
    WEEKLY_DIGEST = "weekly_digest", _("每周工作摘要")
    EXPORT_READY = "export_ready", _("导出文件已生成")
    # to branch secretaries
    CYCLE_OPENED = "cycle_opened", _("评星启动")
    DEADLINE_NEAR = "deadline_near", _("自评截止提醒")
    SUBMISSION_RETURNED = "submission_returned", _("申报被退回")
    RESULTS_PUBLISHED = "results_published", _("评星结果公示")
    AWARD = "award", _("授星/降级/撤销")
    RECTIFICATION_DUE = "rectification_due", _("整改到期提醒")
    RECTIFICATION_ISSUED = "rectification_issued", _("整改事项下达")
    RECTIFICATION_SENT_BACK = "rectification_sent_back", _("整改退回重改")
    RECTIFICATION_BRANCH_OVERDUE = "rectification_branch_overdue", _("本支部整改逾期")
    MEETING_GAP = "meeting_gap", _("组织生活频次提醒")
    # to inspectors
    INSPECTION_ASSIGNED = "inspection_assigned", _("验收任务分配")
    INSPECTION_DEADLINE = "inspection_deadline", _("验收截止提醒")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件人"),
    )
    kind = models.CharField(_("类别"), max_length=40, choices=Kind.choices)
    key = models.CharField(_("事件键"), max_length=200, help_text=_("同一收件人同一事件只通知一次。"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), **bounded(NOTICE_BODY))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_wanted = models.BooleanField(_("需发邮件"), default=False)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("邮件尝试次数"), default=0)
    email_error = models.TextField(_("邮件失败原因"), blank=True, **bounded(GENERATED))

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


class EmailPreference(models.Model):
    """A user's choice to receive e-mail for one kind of notice (no row: yes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(_("类别"), max_length=40, choices=Kind.choices)
    send_email = models.BooleanField(_("发送邮件"), default=True)

    class Meta:
        verbose_name = _("邮件偏好")
        verbose_name_plural = _("邮件偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_preference_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}: {'✓' if self.send_email else '✗'}"
