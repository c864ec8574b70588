"""Records of work done on the register: the append-only audit log and organisation imports."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import short_datetime
from core.limits import AUDIT_NOTE, GENERATED, bounded
from core.storage import get_private_storage

from .accounts import User
from .register import Committee


class AuditEntry(models.Model):
    """Append-only record of who changed what. Nothing in the app or admin edits or deletes it."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=60)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象编号"), max_length=40)
    target_repr = models.CharField(_("对象"), max_length=300)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True, **bounded(AUDIT_NOTE))

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="audit_target")]

    def __str__(self):
        return f"{short_datetime(self.at)} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("审计记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("审计记录不可删除。"))


class ImportBatch(models.Model):
    """An uploaded organisation list: checked in a dry run, written only when confirmed and clean.

    The dry run and the write are tasks; `progress_done`/`progress_total` say how far they are."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("预检中")
        CHECKED = "checked", _("已预检")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        FAILED = "failed", _("失败")

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", storage=get_private_storage)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    progress_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    progress_total = models.PositiveIntegerField(_("总行数"), default=0, help_text=_("0：尚不知道。"))
    message = models.TextField(_("说明"), blank=True, **bounded(GENERATED))
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)


class ImportRows(models.Model):
    """The rows the dry run read from a batch's file, with their errors, kept so that showing and
    importing the batch never read the file again. Derived from the file, which is kept as
    uploaded: no row history of its own."""

    batch = models.OneToOneField(
        ImportBatch,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="parsed",
        verbose_name=_("导入批次"),
    )
    missing_headers = models.JSONField(_("缺少的表头"), default=list)
    rows = models.JSONField(_("数据行"), default=list, help_text=_("[行号, 各栏的值, 错误]"))

    class Meta:
        verbose_name = _("导入预检结果")
        verbose_name_plural = _("导入预检结果")

    def __str__(self):
        return str(self.batch)
