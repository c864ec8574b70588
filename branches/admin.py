"""Admin for committee staff, scoped to their committee everywhere: changelists, forms,
autocomplete and related-object lookups all go through get_queryset/formfield limits below."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import access, selectors, services
from .audited_admin import ADMIN_NOTE, AuditedAdmin, ReadOnlyAdminMixin
from .edit_forms import NeutralUsccMixin
from .models import (
    AuditEntry,
    Committee,
    Division,
    ImportBatch,
    Instructor,
    Member,
    PartyOrganization,
    Role,
    SocialOrganization,
    User,
    validate_coverage,
)


def may_use_admin(request, action: str = "register.manage") -> bool:
    """Committee staff (with admin access) and superusers, as the access policy grants `action`."""
    return request.user.is_staff and access.has_role_for(request.user, action)


class CommitteeScopedAdmin(AuditedAdmin):
    """Committee staff see and edit only their committee's rows; superusers see all.

    `committee_path` is the lookup from the model to its committee.
    """

    committee_path = "committee"
    access_action = "register.manage"  # the access policy's action that governs these rows
    show_full_result_count = False  # no second COUNT(*) over the whole table on big changelists

    # -- scope: the access policy decides, as everywhere else ------------------------------
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_staff:
            return qs.none()
        return access.scoped(
            qs, request.user, self.access_action, access.Paths(committee=self.committee_path)
        )

    def _limit(self, request, model, qs):
        if request.user.is_superuser:
            return qs
        cid = request.user.committee_id
        if model is Committee:
            return qs.filter(pk=cid)
        if model is User:
            return qs.filter(committee_id=cid)
        if model is Member:
            return qs.filter(party_organization__committee_id=cid)
        if any(f.name == "committee" for f in model._meta.get_fields()):
            return qs.filter(committee_id=cid)
        return qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._limit(request, db_field.related_model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._limit(request, db_field.related_model, field.queryset)
        return field

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.committee_path == "committee":
            exclude.append("committee")
        return exclude

    # -- permissions: committee staff manage their committee's rows; superusers everything ----
    def has_module_permission(self, request):
        return may_use_admin(request, self.access_action)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    # -- writes: fill the committee; AuditedAdmin keeps the audit trail ----------------------
    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and self.committee_path == "committee":
            obj.committee_id = request.user.committee_id
        super().save_model(request, obj, form, change)


class CommitteeFormMixin:
    """Admin forms need the committee during clean() even where the field is hidden."""

    request_committee = None

    def committee_for_clean(self):
        return (
            getattr(self.instance, "committee", None)
            if self.instance.committee_id
            else self.request_committee
        )

    def _get_validation_exclusions(self):
        # The committee is not on the form for staff, but constraints that involve it (unique
        # name per committee) must be checked here, not left to fail in the database.
        exclude = super()._get_validation_exclusions()
        if self.instance.committee_id is not None:
            exclude.discard("committee")
        return exclude


@admin.register(Committee)
class CommitteeAdmin(CommitteeScopedAdmin):
    committee_path = "pk"
    list_display = ("name", "short_name", "max_orgs_per_joint_branch", "min_full_members_per_branch")
    search_fields = ("name",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def has_module_permission(self, request):
        return may_use_admin(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


class DivisionFilter(admin.SimpleListFilter):
    title = _("行政区划")
    parameter_name = "division"

    def lookups(self, request, model_admin):
        cid = request.user.committee_id
        if cid is None:
            return []
        return selectors.divisions_in_use(cid)

    def queryset(self, request, queryset):
        return queryset.filter(division_code=self.value()) if self.value() else queryset


class CoveredFilter(admin.SimpleListFilter):
    title = _("覆盖情况")
    parameter_name = "covered"

    def lookups(self, request, model_admin):
        return [("party", _("有党组织")), ("instructor", _("仅指导员/联络员")), ("none", _("未覆盖"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        qs = queryset.with_coverage()
        if value == "party":
            return qs.filter(has_party_org=True)
        if value == "instructor":
            return qs.filter(has_party_org=False, has_instructor=True)
        if value == "none":
            return qs.filter(has_party_org=False, has_instructor=False)
        return queryset


class SocialOrganizationForm(NeutralUsccMixin, forms.ModelForm):
    class Meta:
        model = SocialOrganization
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model fills both from the USCC (type for civil-affairs codes, division from positions
        # 3–8) and its clean() still asks for a type the code does not give.
        for name in ("org_type", "division_code"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_uscc(self):
        from .uscc import normalize

        return normalize(self.cleaned_data.get("uscc", ""))


@admin.register(SocialOrganization)
class SocialOrganizationAdmin(CommitteeScopedAdmin):
    form = SocialOrganizationForm
    list_display = ("name", "uscc", "org_type", "division_code", "status", "is_trade_association")
    list_filter = ("org_type", DivisionFilter, "status", CoveredFilter, "is_trade_association")
    search_fields = ("name", "=uscc")
    list_per_page = 50
    ordering = ("name", "pk")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "committee",
                    "name",
                    "uscc",
                    "org_type",
                    "is_trade_association",
                    "division_code",
                    "address",
                    "status",
                )
            },
        ),
        (
            _("党建工作情况"),
            {
                "fields": (
                    "charter_includes_party_building",
                    "leader_attends_board",
                    "has_joint_decision_mechanism",
                    "has_duty_list",
                    "candidates_vetted",
                )
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        first = dict(fieldsets[0][1])
        first["fields"] = tuple(f for f in first["fields"] if f != "committee")
        return ((fieldsets[0][0], first), *fieldsets[1:])

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser:
            committee = request.user.committee

            class ScopedForm(form):
                def _post_clean(self):
                    if self.instance.committee_id is None:
                        self.instance.committee = committee
                    super()._post_clean()

            return ScopedForm
        return form


class CoverageThroughServiceMixin:
    """Which social organisations a row covers is set by its service (validated and audited),
    not by the form's save_m2m."""

    def set_organizations(self, request, obj, organizations):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        organizations = form.cleaned_data.pop("organizations", None)
        super().save_related(request, form, formsets, change)
        if organizations is not None:
            self.set_organizations(request, form.instance, organizations)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 1
    fields = ("name", "membership", "role", "joined_on")


class PartyOrganizationForm(CommitteeFormMixin, forms.ModelForm):
    class Meta:
        model = PartyOrganization
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        committee = cleaned.get("committee") or self.committee_for_clean()
        if committee is not None and "organizations" in cleaned and cleaned.get("kind"):
            try:
                validate_coverage(cleaned["kind"], list(cleaned["organizations"]), committee)
            except ValidationError as exc:
                self.add_error("organizations", exc)
        return cleaned

    def _post_clean(self):
        if self.instance.committee_id is None and self.request_committee is not None:
            self.instance.committee = self.request_committee
        super()._post_clean()


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(CoverageThroughServiceMixin, CommitteeScopedAdmin):
    form = PartyOrganizationForm
    list_display = ("name", "kind", "founded_on", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("organizations", "parent")
    list_select_related = ("parent",)
    inlines = [MemberInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_committee = None if request.user.is_superuser else request.user.committee
        return form

    def set_organizations(self, request, obj, organizations):
        services.party_organization_set_organizations(
            party_organization=obj, organizations=organizations, by=request.user, note=str(ADMIN_NOTE)
        )


@admin.register(Member)
class MemberAdmin(CommitteeScopedAdmin):
    committee_path = "party_organization__committee"
    list_display = ("name", "party_organization", "membership", "role", "joined_on")
    list_filter = ("membership", "role")
    search_fields = ("name", "party_organization__name")
    autocomplete_fields = ("party_organization",)
    list_select_related = ("party_organization",)


class InstructorForm(CommitteeFormMixin, forms.ModelForm):
    class Meta:
        model = Instructor
        fields = "__all__"

    def clean_organizations(self):
        orgs = self.cleaned_data["organizations"]
        with_po = [o.name for o in orgs.with_coverage().filter(has_party_org=True)]
        if self.instance.pk:
            current = set(self.instance.organizations.values_list("name", flat=True))
            with_po = [n for n in with_po if n not in current]
        if with_po:
            raise ValidationError(
                _("以下社会组织已有党组织，不需要指派指导员/联络员：%(names)s")
                % {"names": "、".join(with_po)}
            )
        return orgs


@admin.register(Instructor)
class InstructorAdmin(CoverageThroughServiceMixin, CommitteeScopedAdmin):
    form = InstructorForm
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("organizations",)

    def set_organizations(self, request, obj, organizations):
        services.instructor_set_organizations(
            instructor=obj, organizations=organizations, by=request.user, note=str(ADMIN_NOTE)
        )


@admin.register(User)
class UserAdmin(CommitteeScopedAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "committee", "party_organization", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name", "first_name", "last_name")
    autocomplete_fields = ("party_organization",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("身份"),
            {"fields": ("display_name", "email", "role", "committee", "party_organization", "is_active")},
        ),
        (_("系统权限"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "display_name",
                    "role",
                    "committee",
                    "party_organization",
                )
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        sets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return sets
        cleaned = []
        for name, opts in sets:
            fields = tuple(
                f
                for f in opts["fields"]
                if f not in {"is_staff", "is_superuser", "groups", "user_permissions", "committee"}
            )
            if fields:
                cleaned.append((name, {**opts, "fields": fields}))
        return cleaned

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.filter(is_superuser=False)
        return qs

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        committee = request.user.committee

        class ScopedForm(CommitteeFormMixin, form):
            # Set the committee before validation so the role/scope constraint is a form error.
            def _post_clean(self):
                self.instance.committee = committee
                super()._post_clean()

        return ScopedForm

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.committee_id = request.user.committee_id
            obj.is_superuser = False
        # Only committee staff use the admin; secretaries and inspectors use the site.
        obj.is_staff = obj.is_superuser or obj.role == Role.STAFF
        super().save_model(request, obj, form, change)


@admin.register(ImportBatch)
class ImportBatchAdmin(CommitteeScopedAdmin):
    list_display = ("original_name", "uploaded_by", "uploaded_at", "row_count", "error_count", "status")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, CommitteeScopedAdmin):
    """Read-only for everyone, superusers included."""

    list_display = ("at", "actor", "action", "target_repr")
    list_filter = ("action",)
    search_fields = ("target_repr", "action", "=target_id")
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(committee_id=request.user.committee_id))
