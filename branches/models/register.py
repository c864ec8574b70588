"""The register: committees (the tenant), divisions, social organisations, party organisations,
members and instructors."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import validate_past_date

from .. import uscc as uscc_rules


class Committee(models.Model):
    """综合党委: the tenant. Everything below belongs to exactly one committee."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    max_orgs_per_joint_branch = models.PositiveSmallIntegerField(
        _("联合党支部最多覆盖组织数"), default=5, validators=[MinValueValidator(2), MaxValueValidator(50)]
    )
    min_full_members_per_branch = models.PositiveSmallIntegerField(
        _("党支部最少正式党员数"), default=3, validators=[MinValueValidator(1)]
    )
    office_name = models.CharField(
        _("受理部门"), max_length=100, blank=True, help_text=_("公示期间受理异议的部门，如“党建工作办公室”。")
    )
    office_address = models.CharField(_("办公地址"), max_length=200, blank=True)
    office_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    office_email = models.EmailField(_("电子邮箱"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("综合党委")
        verbose_name_plural = _("综合党委")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Division(models.Model):
    """行政区划 (GB/T 2260): six-digit code and name; a lookup table, shared by all committees."""

    code = models.CharField(
        _("区划代码"),
        max_length=6,
        primary_key=True,
        validators=[RegexValidator(r"^\d{6}$", _("区划代码应为6位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=50)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class OrgType(models.TextChoices):
    ASSOCIATION = "association", _("社会团体")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位（社会服务机构）")
    FOUNDATION = "foundation", _("基金会")
    OTHER = "other", _("其他")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    ABNORMAL = "abnormal", _("列入活动异常名录")
    DEREGISTERED = "deregistered", _("已注销/撤销")


class SocialOrganizationQuerySet(models.QuerySet):
    def counted(self):
        """Organisations that count for coverage: everything not deregistered."""
        return self.exclude(status=OrgStatus.DEREGISTERED)

    def with_coverage(self):
        party = PartyOrganization.organizations.through.objects.filter(
            socialorganization=models.OuterRef("pk"), partyorganization__is_active=True
        )
        instructed = Instructor.organizations.through.objects.filter(
            socialorganization=models.OuterRef("pk"), instructor__is_active=True
        )
        return self.annotate(has_party_org=models.Exists(party), has_instructor=models.Exists(instructed))


class SocialOrganization(models.Model):
    """社会组织, identified by its 统一社会信用代码."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[uscc_rules.validate_uscc]
    )
    org_type = models.CharField(
        _("组织类型"),
        max_length=30,
        choices=OrgType.choices,
        help_text=_("代码第1位为5（民政）时由第2位决定，不能另选。"),
    )
    is_trade_association = models.BooleanField(_("行业协会商会"), default=False)
    division_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("区划代码应为6位数字。"))],
        help_text=_("默认取自统一社会信用代码第3–8位。"),
    )
    address = models.CharField(_("住所"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    # Governance facts the committee tracks beside the two coverage rates (两个覆盖).
    charter_includes_party_building = models.BooleanField(_("党建入章"), default=False)
    leader_attends_board = models.BooleanField(_("党组织负责人列席理事会"), default=False)
    has_joint_decision_mechanism = models.BooleanField(_("议事机制"), default=False)
    has_duty_list = models.BooleanField(_("责任清单"), default=False)
    candidates_vetted = models.BooleanField(
        _("负责人人选审核"), null=True, blank=True, help_text=_("仅行业协会商会填写。")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SocialOrganizationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["committee", "name"], name="org_committee_name"),
            models.Index(fields=["committee", "org_type"], name="org_committee_type"),
            models.Index(fields=["committee", "division_code"], name="org_committee_division"),
            models.Index(fields=["committee", "status"], name="org_committee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_trade_association=True) | Q(candidates_vetted__isnull=True),
                name="org_vetting_only_for_trade_associations",
                violation_error_message=_("只有行业协会商会填写“负责人人选审核”。"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def type_fixed_by_uscc(self) -> bool:
        return uscc_rules.org_type_from_uscc(self.uscc or "") is not None

    def apply_uscc_defaults(self):
        """Fill what the code determines: the type (civil affairs codes) and, if empty, the division."""
        self.uscc = uscc_rules.normalize(self.uscc)
        derived = uscc_rules.org_type_from_uscc(self.uscc)
        if derived:
            self.org_type = derived
        if not self.division_code:
            self.division_code = uscc_rules.division_from_uscc(self.uscc)

    def clean_fields(self, exclude=None):
        # full_clean() checks fields before clean(): fill in what the code determines first, so a
        # code typed in lower case, a blank division or a type fixed by the code pass validation.
        division_was_blank = not self.division_code
        self.apply_uscc_defaults()
        if exclude and division_was_blank:
            exclude = set(exclude) - {"division_code"}  # a derived division is checked like a typed one
        super().clean_fields(exclude=exclude)

    def clean(self):
        self.apply_uscc_defaults()
        errors = {}
        if not self.org_type:
            errors["org_type"] = _("请选择组织类型（统一社会信用代码不由民政登记时需手工选择）。")
        if not self.is_trade_association:
            self.candidates_vetted = None
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.apply_uscc_defaults()
        super().save(*args, **kwargs)


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")


class PartyOrganization(models.Model):
    """党组织 in (one or several) social organisations."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("类别"), max_length=20, choices=PartyOrgKind.choices, default=PartyOrgKind.BRANCH
    )
    name = models.CharField(_("名称"), max_length=200)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True, validators=[validate_past_date])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    organizations = models.ManyToManyField(
        SocialOrganization, verbose_name=_("覆盖的社会组织"), related_name="party_organizations", blank=True
    )
    is_active = models.BooleanField(_("正常运行"), default=True, help_text=_("已撤销的党组织不再计入覆盖。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["committee", "name"], name="po_committee_name")]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="po_unique_name_per_committee"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("上级党组织不能是它自己。")})
            if self.committee_id and self.parent.committee_id != self.committee_id:
                raise ValidationError({"parent": _("上级党组织必须属于同一综合党委。")})
            ancestor, seen = self.parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                if self.pk and ancestor.pk == self.pk:
                    raise ValidationError({"parent": _("上级党组织不能形成循环。")})
                seen.add(ancestor.pk)
                ancestor = ancestor.parent

    def validate_coverage(self, organizations) -> None:
        """How many organisations this kind may cover; raises with a message that says why."""
        validate_coverage(self.kind, list(organizations), self.committee)

    @property
    def secretary(self):
        return next((m for m in self.members.all() if m.role == MemberRole.SECRETARY), None)


def validate_coverage(kind, organizations, committee) -> None:
    n = len(organizations)
    foreign = [o for o in organizations if o.committee_id != committee.pk]
    if foreign:
        raise ValidationError(_("所选社会组织不属于本综合党委。"))
    if kind == PartyOrgKind.BRANCH and n != 1:
        raise ValidationError(
            _("党支部覆盖且只覆盖1个社会组织（当前选择了%(n)d个）；多个组织请建联合党支部。") % {"n": n}
        )
    if kind == PartyOrgKind.JOINT_BRANCH:
        limit = committee.max_orgs_per_joint_branch
        if n < 2:
            raise ValidationError(_("联合党支部至少覆盖2个社会组织（当前%(n)d个）。") % {"n": n})
        if n > limit:
            raise ValidationError(
                _("联合党支部最多覆盖%(limit)d个社会组织（综合党委设置），当前选择了%(n)d个。")
                % {"limit": limit, "n": n}
            )
    if kind in (PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH) and n < 1:
        raise ValidationError(_("请选择该党组织所在的社会组织。"))


class Membership(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    COMMITTEE_MEMBER = "committee_member", _("支委委员")
    MEMBER = "member", _("党员")


class Member(models.Model):
    """A party member in a party organisation. No national ID numbers are stored."""

    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    membership = models.CharField(
        _("党员类别"), max_length=20, choices=Membership.choices, default=Membership.FULL
    )
    role = models.CharField(_("职务"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True, validators=[validate_past_date])
    user = models.ForeignKey(
        "User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        help_text=_("该党员在本系统的账号（如有）；用于验收回避等判断。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["party_organization", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_organization"],
                condition=Q(role="secretary"),
                name="member_one_secretary_per_party_org",
                violation_error_message=_("一个党组织只能有一名书记。"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.joined_on and self.joined_on > timezone.localdate():
            raise ValidationError({"joined_on": _("入党日期不能晚于今天。")})


class InstructorKind(models.TextChoices):
    INSTRUCTOR = "instructor", _("党建工作指导员")
    LIAISON = "liaison", _("党建工作联络员")


class Instructor(models.Model):
    """党建工作指导员/联络员, assigned to organisations that have no party organisation."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("综合党委"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(
        _("类别"), max_length=20, choices=InstructorKind.choices, default=InstructorKind.INSTRUCTOR
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    organizations = models.ManyToManyField(
        SocialOrganization, verbose_name=_("联系的社会组织"), related_name="instructors", blank=True
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党建工作指导员/联络员")
        verbose_name_plural = _("党建工作指导员/联络员")
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"
