"""Workflow admin: settings, cycles and exclusions, the 回避 register, read-only submissions and scores."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from branches.models import Role
from core.errors import error_text
from ratings.models import (
    AppliedAdjustment,
    Cycle,
    CycleExclusion,
    FinalScore,
    IndicatorScore,
    InspectionAssignment,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    ReturnReason,
    Submission,
    VetoDecision,
)
from ratings.workflow.cycle_setup import cycle_create, cycle_exclusion_remove, cycle_exclusion_set, cycle_open
from ratings.workflow.levels import cycle_recompute_levels

from .base import (
    CycleFilter,
    InspectorFilter,
    RatingsAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedInline,
)

# --- Settings, cycles, conflicts --------------------------------------------------------------


@admin.register(RatingSettings)
class RatingSettingsAdmin(RatingsAdmin):
    list_display = ("committee", "min_inspectors", "spread_threshold")
    list_select_related = ("committee",)

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return (
            request.user.is_superuser
            or not RatingSettings.objects.filter(committee_id=request.user.committee_id).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class CycleExclusionInline(ScopedInline, admin.TabularInline):
    model = CycleExclusion
    extra = 0
    fields = ("party_organization", "reason")
    autocomplete_fields = ("party_organization",)

    def _editable(self, parent):
        # Exclusions decide which submissions cycle_open creates; afterwards they are history.
        return parent is None or parent.status == Cycle.Status.DRAFT


@admin.register(Cycle)
class CycleAdmin(RatingsAdmin):
    list_display = ("__str__", "year", "rubric", "status", "self_assessment_deadline", "submission_count")
    list_filter = ("status",)
    list_select_related = ("rubric",)
    search_fields = ("title",)
    ordering = ("-year",)
    inlines = [CycleExclusionInline]
    actions = ["open_cycle", "recompute_levels"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_subs=Count("submissions"))

    @admin.display(description=_("申报数"), ordering="_subs")
    def submission_count(self, obj):
        return obj._subs

    def get_readonly_fields(self, request, obj=None):
        fields = ["status", "opened_at", "created_at"]
        if obj is not None and obj.status != Cycle.Status.DRAFT:
            fields += ["committee", "year", "rubric"]  # submissions are scored against this version
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Cycle.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        if not request.user.is_superuser:
            obj.committee_id = request.user.committee_id
        obj._history_user = request.user
        cycle_create(cycle=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        """Exclusions go through the cycle services, which check the cycle is still in 筹备."""
        if formset.model is not CycleExclusion:
            return super().save_formset(request, form, formset, change)
        cycle = form.instance
        instances = formset.save(commit=False)
        for exclusion in formset.deleted_objects:
            cycle_exclusion_remove(exclusion=exclusion, by=request.user)
        for exclusion in instances:
            if exclusion.pk is not None:
                old = CycleExclusion.objects.get(pk=exclusion.pk)
                if old.party_organization_id != exclusion.party_organization_id:
                    cycle_exclusion_remove(exclusion=old, by=request.user)
            cycle_exclusion_set(
                cycle=cycle,
                party_organization=exclusion.party_organization,
                reason=exclusion.reason,
                by=request.user,
            )

    @admin.action(description=_("启动评星周期（冻结测评标准、生成申报）"))
    def open_cycle(self, request, queryset):
        for cycle in queryset:
            try:
                cycle_open(cycle=cycle, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{cycle}：{error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, _("%(cycle)s已启动。") % {"cycle": cycle}, messages.SUCCESS)

    @admin.action(description=_("重新计算星级"))
    def recompute_levels(self, request, queryset):
        for cycle in queryset:
            n = cycle_recompute_levels(cycle_id=cycle.pk)
            self.message_user(request, _("%(cycle)s：已重新计算 %(n)s 个申报。") % {"cycle": cycle, "n": n})


class ConflictForm(forms.ModelForm):
    class Meta:
        model = InspectorConflict
        fields = ("inspector", "organization", "kind", "note")

    def clean(self):
        cleaned = super().clean()
        inspector, organization = cleaned.get("inspector"), cleaned.get("organization")
        # Staff are offered only their committee's rows; this guards superusers, who see every committee.
        if inspector and organization and inspector.committee_id != organization.committee_id:
            raise ValidationError(_("验收人员与社会组织不属于同一综合党委。"))
        return cleaned


@admin.register(InspectorConflict)
class InspectorConflictAdmin(RatingsAdmin):
    """回避 register, per inspector."""

    committee_path = "inspector__committee"
    form = ConflictForm
    list_display = ("inspector", "organization", "kind", "note")
    list_filter = (InspectorFilter, "kind")
    list_select_related = ("inspector", "organization")
    search_fields = ("organization__name", "inspector__display_name", "inspector__username", "note")
    autocomplete_fields = ("organization",)
    ordering = ("inspector__display_name", "organization__name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "inspector" and field is not None:
            field.queryset = field.queryset.filter(role=Role.INSPECTOR, is_active=True)
        return field


# --- Submissions and scores: read-only ---------------------------------------------------------


class SelfScoreInline(ReadOnlyInline):
    model = IndicatorScore
    fields = ("indicator", "score", "comment", "updated_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("indicator")
            .order_by("indicator__category__order", "indicator__order")
        )


class ReturnReasonInline(ReadOnlyInline):
    model = ReturnReason
    fields = ("round", "indicator", "reason", "created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "created_by")


class AssignmentInline(ReadOnlyInline):
    model = InspectionAssignment
    fk_name = "submission"
    fields = ("inspector", "assigned_by", "assigned_at", "signed_off_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inspector", "assigned_by")


class FinalScoreInline(ReadOnlyInline):
    model = FinalScore
    fields = ("indicator", "score", "reason", "set_by", "set_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("indicator", "set_by")
            .order_by("indicator__category__order", "indicator__order")
        )


class AppliedAdjustmentInline(ReadOnlyInline):
    model = AppliedAdjustment
    fields = ("item", "times", "note", "set_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "set_by")


class VetoDecisionInline(ReadOnlyInline):
    model = VetoDecision
    fk_name = "submission"
    fields = ("item", "state", "raised_note", "reason", "raised_by", "decided_by", "decided_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "raised_by", "decided_by")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Read-only: states change only through the services behind the rating pages."""

    committee_path = "cycle__committee"
    list_display = ("party_organization", "cycle", "status", "total", "proposed_level_display", "vetoed")
    list_filter = (CycleFilter, "status", "vetoed")
    list_select_related = ("party_organization", "cycle")
    search_fields = ("party_organization__name",)
    ordering = ("-cycle__year", "party_organization__name")
    inlines = [
        SelfScoreInline,
        ReturnReasonInline,
        AssignmentInline,
        FinalScoreInline,
        AppliedAdjustmentInline,
        VetoDecisionInline,
    ]
    actions = ["recompute_levels"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Submission._meta.fields]

    @admin.display(description=_("建议星级"), ordering="proposed_level")
    def proposed_level_display(self, obj):
        return obj.proposed_level_name if obj.total is not None else "—"

    @admin.action(description=_("重新计算所在周期的星级"))
    def recompute_levels(self, request, queryset):
        for cycle_id in sorted(set(queryset.values_list("cycle_id", flat=True))):
            cycle_recompute_levels(cycle_id=cycle_id)
        self.message_user(request, _("已重新计算。"))


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(ReadOnlyAdmin):
    committee_path = "submission__cycle__committee"
    list_display = ("submission", "indicator", "score", "updated_at")
    list_select_related = ("submission__party_organization", "submission__cycle", "indicator")
    search_fields = ("submission__party_organization__name", "indicator__code")
    list_filter = (type("SelfCycleFilter", (CycleFilter,), {"lookup_path": "submission__cycle_id"}),)


@admin.register(InspectionScore)
class InspectionScoreAdmin(ReadOnlyAdmin):
    committee_path = "assignment__submission__cycle__committee"
    list_display = ("submission", "inspector", "indicator", "score", "recorded_at")
    list_select_related = (
        "assignment__submission__party_organization",
        "assignment__submission__cycle",
        "assignment__inspector",
        "indicator",
    )
    search_fields = ("assignment__submission__party_organization__name", "indicator__code")
    list_filter = (
        type("InspectionCycleFilter", (CycleFilter,), {"lookup_path": "assignment__submission__cycle_id"}),
    )

    @admin.display(description=_("评星申报"))
    def submission(self, obj):
        return obj.assignment.submission

    @admin.display(description=_("验收人员"))
    def inspector(self, obj):
        return obj.assignment.inspector


@admin.register(FinalScore)
class FinalScoreAdmin(ReadOnlyAdmin):
    committee_path = "submission__cycle__committee"
    list_display = ("submission", "indicator", "score", "reason", "set_by", "set_at")
    list_select_related = ("submission__party_organization", "submission__cycle", "indicator", "set_by")
    search_fields = ("submission__party_organization__name", "indicator__code")
    list_filter = (type("FinalCycleFilter", (CycleFilter,), {"lookup_path": "submission__cycle_id"}),)
