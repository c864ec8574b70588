"""Logins: one role each; the role and committee (or party organisation) decide what a user sees."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .register import Committee, PartyOrganization


class Role(models.TextChoices):
    STAFF = "staff", _("综合党委工作人员")
    SECRETARY = "secretary", _("支部书记")
    INSPECTOR = "inspector", _("验收人员")
    PROVINCE = "province", _("省两新工委")


class User(AbstractUser):
    """A login. Its role and committee (and, for a secretary, party organisation) decide what it sees."""

    committee = models.ForeignKey(
        Committee,
        verbose_name=_("综合党委"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    party_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secretary_users",
        help_text=_("支部书记必填：只能看到并填报这个党组织。"),
    )
    display_name = models.CharField(_("显示名"), max_length=50, blank=True)
    # The language the user last chose for the interface; notices and their e-mails are written in it.
    language = models.CharField(
        _("界面语言"), max_length=10, blank=True, choices=settings.LANGUAGES, help_text=_("空：默认中文。")
    )
    # A province user (省两新工委) reads the published results of these committees, nothing else.
    province_committees = models.ManyToManyField(
        Committee,
        verbose_name=_("可查看的综合党委"),
        blank=True,
        related_name="province_users",
        help_text=_("仅对省两新工委用户有效：可查看这些综合党委已公示的结果。"),
    )

    objects = UserManager()

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="secretary", party_organization__isnull=False, committee__isnull=False)
                | Q(role__in=["staff", "inspector"], party_organization__isnull=True, committee__isnull=False)
                | Q(role="", party_organization__isnull=True)
                | Q(role="province", party_organization__isnull=True, committee__isnull=True),
                name="user_role_fits_scope",
                violation_error_message=_(
                    "角色与所属范围不符：书记须指定党组织，工作人员和验收人员须指定综合党委，省两新工委用户不属于任何综合党委。"
                ),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if (
            self.role == Role.SECRETARY
            and self.party_organization_id
            and self.committee_id
            and self.party_organization.committee_id != self.committee_id
        ):
            raise ValidationError({"party_organization": _("党组织不属于该用户的综合党委。")})

    @property
    def is_committee_staff(self) -> bool:
        return self.role == Role.STAFF and self.committee_id is not None

    @property
    def is_secretary(self) -> bool:
        return self.role == Role.SECRETARY and self.party_organization_id is not None

    @property
    def is_province(self) -> bool:
        return self.role == Role.PROVINCE

    @property
    def is_inspector(self) -> bool:
        return self.role == Role.INSPECTOR and self.committee_id is not None
