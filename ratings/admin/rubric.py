"""Rubric admin: rubrics with their categories, indicators, adjustments, vetoes and star bands."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.audited_admin import ADMIN_NOTE
from core.errors import error_text
from ratings.models import (
    AdjustmentItem,
    Indicator,
    Rubric,
    RubricCategory,
    StarBand,
    VetoItem,
)
from ratings.rubric.services import rubric_check, rubric_copy, rubric_create

from .base import (
    FROZEN_HELP,
    FROZEN_MESSAGE,
    IndicatorRubricFilter,
    RatingsAdmin,
    RubricFilter,
    ScopedInline,
)

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
                for problem in rubric_check(obj):
                    messages.warning(request, problem)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            if obj.committee_id is None:
                obj.committee_id = request.user.committee_id
            rubric_create(rubric=obj, by=request.user, note=str(ADMIN_NOTE))
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("复制为新版本"))
    def copy_as_new_version(self, request, queryset):
        for rubric in queryset.order_by("version"):
            try:
                new = rubric_copy(rubric=rubric, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                format_html(
                    gettext('已将第{}版复制为<a href="{}">第{}版</a>，可以修改。'),
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
