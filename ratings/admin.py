"""Admin of the rating for committee staff, scoped to their committee like the register's admin.

Rubrics are edited here until a cycle uses them; a frozen rubric and everything in it is
read-only ("复制为新版本" makes the next version). Submissions and scores are read-only: their
states and scores change only through ratings.services, from the rating pages.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from branches.admin import CommitteeScopedAdmin, is_committee_staff
from branches.models import PartyOrganization, Role, SocialOrganization, User
from branches.services import audit_record, snapshot

from . import services
from .models import (
    AdjustmentItem,
    AppliedAdjustment,
    Cycle,
    CycleExclusion,
    FinalScore,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    ReturnReason,
    Rubric,
    RubricCategory,
    StarBand,
    Submission,
    VetoDecision,
    VetoItem,
)

FROZEN_MESSAGE = _("该测评标准已被评星周期使用后冻结，请用“复制为新版本”")
FROZEN_HELP = _("被评星周期使用后冻结，请用“复制为新版本”")


def _may_use_admin(request) -> bool:
    return request.user.is_superuser or is_committee_staff(request)


def _committee_id_at(obj, path: str):
    """Follow `path` ("submission__cycle__committee") from obj to the committee id."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def _error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


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
    committee through a path (rubric__committee, cycle__committee…)."""

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

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and self.committee_path == "committee":
            obj.committee_id = request.user.committee_id
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            target=obj,
            before=before,
            after=snapshot(obj),
            note=str(_("管理后台")),
            committee_id=_committee_id_at(obj, self.committee_path),
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            target=obj,
            before=snapshot(obj),
            note=str(_("管理后台")),
            committee_id=_committee_id_at(obj, self.committee_path),
        )
        admin.ModelAdmin.delete_model(self, request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited like the main row."""
        committee_id = _committee_id_at(form.instance, self.committee_path)
        befores = {
            f.instance.pk: snapshot(type(f.instance).objects.get(pk=f.instance.pk))
            for f in formset.initial_forms
            if f.instance.pk and f.has_changed()
        }
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete",
                target=obj,
                before=snapshot(obj),
                note=str(_("管理后台")),
                committee_id=committee_id,
            )
            obj.delete()
        for obj in instances:
            existed = obj.pk is not None
            obj.save()
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'update' if existed else 'create'}",
                target=obj,
                before=befores.get(obj.pk),
                after=snapshot(obj),
                note=str(_("管理后台")),
                committee_id=committee_id,
            )
        formset.save_m2m()


class ReadOnlyAdmin(RatingsAdmin):
    """Rows written only by ratings.services: staff may look, nobody edits here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline:
    """Inline permissions for committee staff (who hold no Django model permissions) and scoped choices."""

    def _ok(self, request):
        return _may_use_admin(request)

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


# --- Rubric ---------------------------------------------------------------------------------


def _frozen(rubric) -> bool:
    return rubric is not None and rubric.frozen_at is not None


class RubricChildInline(ScopedInline):
    """Rows inside a rubric: read-only once the rubric is frozen."""

    extra = 0

    def _editable(self, parent):
        return not _frozen(parent)


class CategoryInline(RubricChildInline, admin.TabularInline):
    model = RubricCategory
    fields = ("code", "title", "order", "indicator_total")
    readonly_fields = ("indicator_total",)
    show_change_link = True

    @admin.display(description=_("指标分值合计"))
    def indicator_total(self, obj):
        if not obj.pk:
            return "—"
        return sum((i.max_score for i in obj.indicators.all()), 0)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("indicators")


class AdjustmentInline(RubricChildInline, admin.TabularInline):
    model = AdjustmentItem
    fields = ("kind", "code", "title", "points", "max_points", "order")


class VetoInline(RubricChildInline, admin.TabularInline):
    model = VetoItem
    fields = ("code", "title", "order")


class BandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        bands = []
        for f in self.forms:
            data = getattr(f, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("level") is None or data.get("min_total") is None:
                continue
            bands.append((data["level"], data["min_total"]))
        levels = [level for level, _m in bands]
        if len(levels) != len(set(levels)):
            raise ValidationError(_("每个星级只能设置一条分数线。"))
        ordered = sorted(bands, reverse=True)
        for (hi, hi_min), (lo, lo_min) in zip(ordered, ordered[1:], strict=False):
            if lo_min >= hi_min:
                raise ValidationError(
                    _("分数线应随星级严格递减：%(lo)s星的最低总分 %(lo_min)s 应低于%(hi)s星的 %(hi_min)s。")
                    % {"lo": lo, "lo_min": lo_min, "hi": hi, "hi_min": hi_min}
                )


class BandInline(RubricChildInline, admin.TabularInline):
    model = StarBand
    formset = BandFormSet
    fields = ("level", "min_total", "quota_percent")


@admin.register(Rubric)
class RubricAdmin(RatingsAdmin):
    list_display = ("__str__", "version", "frozen_state", "based_on", "indicator_count", "created_at")
    list_select_related = ("based_on",)
    search_fields = ("name",)
    readonly_fields = ("version", "based_on", "frozen_at", "created_at")
    fields = (
        "committee",
        "name",
        "version",
        "based_on",
        "bonus_cap",
        "deduction_cap",
        "promotion_limit",
        "plaque_min_level",
        "quota_tie_rule",
        "frozen_at",
        "created_at",
    )
    inlines = [CategoryInline, AdjustmentInline, VetoInline, BandInline]
    actions = ["copy_as_new_version"]
    ordering = ("-version",)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if request.user.is_superuser else [f for f in fields if f != "committee"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_indicators=Count("categories__indicators", distinct=True))
        )

    @admin.display(description=_("二级指标"), ordering="_indicators")
    def indicator_count(self, obj):
        return obj._indicators

    @admin.display(description=_("状态"))
    def frozen_state(self, obj):
        return _("已冻结") if obj.frozen_at else _("可修改")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (_frozen(obj) or obj.cycles.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id)) if object_id else None
        if obj is not None and request.method == "GET":
            if _frozen(obj):
                messages.warning(request, FROZEN_MESSAGE)
            else:
                for problem in services.rubric_check(obj):
                    messages.warning(request, problem)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            committee_id = obj.committee_id or request.user.committee_id
            with transaction.atomic():
                last = (
                    (
                        Rubric.objects.select_for_update()
                        .filter(committee_id=committee_id)
                        .aggregate(v=Max("version"))["v"]
                    )
                    or 0
                )
                obj.version = last + 1
                super().save_model(request, obj, form, change)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("复制为新版本"))
    def copy_as_new_version(self, request, queryset):
        for rubric in queryset.order_by("version"):
            try:
                new = services.rubric_copy(rubric=rubric, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _error_text(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                format_html(
                    '已将第{}版复制为<a href="{}">第{}版</a>，可以修改。',
                    rubric.version,
                    reverse("admin:ratings_rubric_change", args=[new.pk]),
                    new.version,
                ),
                messages.SUCCESS,
            )


class IndicatorInline(RubricChildInline, admin.StackedInline):
    model = Indicator
    fields = (
        ("code", "max_score", "evidence_required", "order"),
        "title",
        "evidence_description",
        "guidance",
    )
    show_change_link = True

    def _editable(self, parent):
        return not _frozen(parent.rubric if parent is not None else None)


@admin.register(RubricCategory)
class RubricCategoryAdmin(RatingsAdmin):
    committee_path = "rubric__committee"
    list_display = ("code", "title", "rubric", "order")
    list_filter = (RubricFilter,)
    list_select_related = ("rubric",)
    search_fields = ("code", "title")
    ordering = ("rubric", "order", "pk")
    inlines = [IndicatorInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "rubric" and field is not None:
            field.queryset = field.queryset.filter(frozen_at__isnull=True)
            field.help_text = FROZEN_HELP
        return field

    def get_search_results(self, request, queryset, search_term):
        qs, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "indicator":  # autocomplete for an indicator's category
            qs = qs.filter(rubric__frozen_at__isnull=True)
        return qs, distinct

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _frozen(obj.rubric if obj else None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _frozen(obj.rubric if obj else None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is not None and request.method == "GET" and _frozen(obj.rubric):
            messages.warning(request, FROZEN_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Indicator)
class IndicatorAdmin(RatingsAdmin):
    committee_path = "category__rubric__committee"
    list_display = ("code", "title", "category", "max_score", "evidence_required")
    list_filter = (IndicatorRubricFilter, "evidence_required")
    list_select_related = ("category__rubric",)
    search_fields = ("code", "title")
    autocomplete_fields = ("category",)
    ordering = ("category__rubric", "category__order", "order", "pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "category" and field is not None:
            field.queryset = field.queryset.filter(rubric__frozen_at__isnull=True)
            field.help_text = FROZEN_HELP
        return field

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _frozen(
            obj.category.rubric if obj else None
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _frozen(
            obj.category.rubric if obj else None
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is not None and request.method == "GET" and _frozen(obj.category.rubric):
            messages.warning(request, FROZEN_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)


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

    @admin.action(description=_("启动评星周期（冻结测评标准、生成申报）"))
    def open_cycle(self, request, queryset):
        for cycle in queryset:
            try:
                services.cycle_open(cycle=cycle, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{cycle}：{_error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, _("%(cycle)s已启动。") % {"cycle": cycle}, messages.SUCCESS)

    @admin.action(description=_("重新计算星级"))
    def recompute_levels(self, request, queryset):
        for cycle in queryset:
            n = services.cycle_recompute_levels(cycle_id=cycle.pk)
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
            services.cycle_recompute_levels(cycle_id=cycle_id)
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
