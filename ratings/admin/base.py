"""Shared parts of the rating admin: committee scoping, the base admins, inlines and list filters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from branches.admin import CommitteeScopedAdmin, may_use_admin
from branches.audited_admin import ReadOnlyAdminMixin
from branches.models import PartyOrganization, Role, SocialOrganization, User
from ratings.models import (
    AdjustmentItem,
    Cycle,
    Indicator,
    Rubric,
    RubricCategory,
    Submission,
    VetoItem,
)

FROZEN_MESSAGE = _("该测评标准已被评星周期使用后冻结，请用“复制为新版本”")
FROZEN_HELP = _("被评星周期使用后冻结，请用“复制为新版本”")


def _committee_id_at(obj, path: str):
    """Follow `path` ("submission__cycle__committee") from obj to the committee id."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def _scope(request, model, qs):
    """Choices offered in a form: only the staff member's committee (superusers: everything)."""
    if request.user.is_superuser:
        return qs
    cid = request.user.committee_id
    paths = {
        Rubric: "committee",
        Cycle: "committee",
        RubricCategory: "rubric__committee",
        Indicator: "category__rubric__committee",
        AdjustmentItem: "rubric__committee",
        VetoItem: "rubric__committee",
        Submission: "cycle__committee",
        PartyOrganization: "committee",
        SocialOrganization: "committee",
        User: "committee",
    }
    if model in paths:
        return qs.filter(**{paths[model]: cid})
    return CommitteeScopedAdmin._limit(None, request, model, qs)


class RatingsAdmin(CommitteeScopedAdmin):
    """CommitteeScopedAdmin whose audit entries and form choices also work for rows that reach their
    committee through a path (rubric__committee, cycle__committee…). Saves, deletes and inline rows
    are audited by CommitteeScopedAdmin; models with a service here save through it."""

    access_action = "rating.manage"

    def _limit(self, request, model, qs):
        return _scope(request, model, qs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or self.committee_path != "committee":
            return form
        committee_id = request.user.committee_id

        class CommitteeFilledForm(form):
            # The committee field is hidden for staff, but unique constraints and clean() need it.
            def _post_clean(self):
                if self.instance.committee_id is None:
                    self.instance.committee_id = committee_id
                super()._post_clean()

            def _get_validation_exclusions(self):
                return set(super()._get_validation_exclusions()) - {"committee"}

        return CommitteeFilledForm

    def audit_committee_id(self, obj):
        return _committee_id_at(obj, self.committee_path)


class ReadOnlyAdmin(ReadOnlyAdminMixin, RatingsAdmin):
    """Rows written only by ratings.services: staff may look, nobody edits here."""


class ScopedInline:
    """Inline permissions for committee staff (who hold no Django model permissions) and scoped choices."""

    def _ok(self, request):
        return may_use_admin(request, "rating.manage")

    def has_view_permission(self, request, obj=None):
        return self._ok(request)

    def has_add_permission(self, request, obj=None):
        return self._ok(request) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return self._ok(request) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return self._ok(request) and self._editable(obj)

    def _editable(self, parent) -> bool:
        return True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scope(request, db_field.related_model, field.queryset)
        return field


class ReadOnlyInline(ScopedInline, admin.TabularInline):
    extra = 0
    can_delete = False

    def _editable(self, parent):
        return False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields)


class ScopedListFilter(admin.SimpleListFilter):
    """A filter whose choices are the user's committee's rows, never another committee's names."""

    model = None
    committee_path = "committee"
    lookup_path = ""

    def lookups(self, request, model_admin):
        qs = self.model.objects.all()
        if not request.user.is_superuser:
            qs = qs.filter(**{self.committee_path: request.user.committee_id})
        return [(obj.pk, str(obj)) for obj in self.ordered(qs)]

    def ordered(self, qs):
        return qs

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup_path: self.value()}) if self.value() else queryset


class RubricFilter(ScopedListFilter):
    title = _("测评标准")
    parameter_name = "rubric"
    model = Rubric
    lookup_path = "rubric_id"

    def ordered(self, qs):
        return qs.order_by("-version")


class IndicatorRubricFilter(RubricFilter):
    lookup_path = "category__rubric_id"


class CycleFilter(ScopedListFilter):
    title = _("评星周期")
    parameter_name = "cycle"
    model = Cycle
    lookup_path = "cycle_id"

    def ordered(self, qs):
        return qs.order_by("-year")


class InspectorFilter(ScopedListFilter):
    title = _("验收人员")
    parameter_name = "inspector"
    model = User
    lookup_path = "inspector_id"

    def ordered(self, qs):
        return qs.filter(role=Role.INSPECTOR).order_by("display_name", "username")
