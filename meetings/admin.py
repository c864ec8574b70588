"""Admin for committee staff: meeting types and settings are theirs to edit; meeting records are
read-only here (secretaries record them on the site, through the services)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from branches.admin import CommitteeScopedAdmin
from core.numbers import whole_number

from .compliance_rules import recorded_years, year_bounds
from .models import Attendance, Meeting, MeetingAttachment, MeetingSettings, MeetingType


class MeetingTypeForm(forms.ModelForm):
    """Code and name are unique per committee; the committee field is hidden from staff, so the
    check is made here rather than left to the database."""

    request_committee = None

    class Meta:
        model = MeetingType
        fields = (
            "committee",
            "code",
            "name",
            "category",
            "frequency",
            "min_count",
            "counts_for_compliance",
            "requires_quorum",
            "attendee_scope",
            "is_lecture",
            "is_active",
            "sort_order",
        )

    def clean(self):
        cleaned = super().clean()
        committee = (
            cleaned.get("committee") or getattr(self.instance, "committee", None) or self.request_committee
        )
        if committee is None:
            return cleaned
        if self.instance.committee_id is None:
            self.instance.committee = committee
        others = MeetingType.objects.filter(committee=committee).exclude(pk=self.instance.pk)
        for field, label in (("code", _("代码")), ("name", _("名称"))):
            value = cleaned.get(field, getattr(self.instance, field))
            if value and others.filter(**{field: value}).exists():
                self.add_error(
                    field if field in self.fields else None,
                    _("本综合党委已有%(label)s为“%(value)s”的会议类型。") % {"label": label, "value": value},
                )
        return cleaned


@admin.register(MeetingType)
class MeetingTypeAdmin(CommitteeScopedAdmin):
    form = MeetingTypeForm
    list_display = (
        "name",
        "code",
        "category",
        "frequency",
        "min_count",
        "counts_for_compliance",
        "requires_quorum",
        "attendee_scope",
        "is_lecture",
        "is_active",
        "sort_order",
    )
    list_editable = ("frequency", "min_count", "counts_for_compliance", "requires_quorum", "is_active")
    list_filter = ("category", "frequency", "is_active")
    search_fields = ("name", "code")
    ordering = ("committee", "sort_order", "pk")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_committee = None if request.user.is_superuser else request.user.committee
        return form

    def get_readonly_fields(self, request, obj=None):
        # The code links rating indicators to the type; changing it would cut that link.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # Types with records are protected by the database; switch them off instead.
        return request.user.is_superuser


@admin.register(MeetingSettings)
class MeetingSettingsAdmin(CommitteeScopedAdmin):
    list_display = ("committee", "edit_window_days")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ("member_name", "status", "reason")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = MeetingAttachment
    fields = ("original_name", "kind", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class QuorumFilter(admin.SimpleListFilter):
    title = _("法定人数")
    parameter_name = "quorum"

    def lookups(self, request, model_admin):
        return [("below", _("未过半数")), ("ok", _("已过半数")), ("na", _("不要求"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "below":
            return queryset.filter(quorum_ok=False)
        if value == "ok":
            return queryset.filter(quorum_ok=True)
        if value == "na":
            return queryset.filter(quorum_ok__isnull=True)
        return queryset


class YearFilter(admin.SimpleListFilter):
    """Meetings of one year; the years are listed without reading the meetings (the admin's
    date hierarchy scans every row for the months that have any)."""

    title = _("年度")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in recorded_years()]

    def queryset(self, request, queryset):
        year = whole_number(self.value())
        if year in recorded_years():
            start, end = year_bounds(year)
            return queryset.filter(starts_at__gte=start, starts_at__lt=end)
        return queryset


class MeetingTypeFilter(admin.SimpleListFilter):
    """The meeting types of the user's committee, read from the types, not from the meetings."""

    title = _("会议类型")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        types = MeetingType.objects.order_by("committee_id", "sort_order", "pk")
        if not request.user.is_superuser:
            return [
                (str(pk), name)
                for pk, name in types.filter(committee_id=request.user.committee_id).values_list("pk", "name")
            ]
        # a superuser sees every committee's types: each named with its committee
        return [
            (str(pk), f"{name}（{committee}）")
            for pk, name, committee in types.values_list("pk", "name", "committee__short_name")
        ]

    def queryset(self, request, queryset):
        type_id = whole_number(self.value())
        return queryset if type_id is None else queryset.filter(meeting_type_id=type_id)


@admin.register(Meeting)
class MeetingAdmin(CommitteeScopedAdmin):
    """Read-only: records are the branch's, kept as rating evidence; corrections go through the site."""

    committee_path = "party_organization__committee"
    list_display = ("starts_at", "meeting_type", "topic", "party_organization", "status", "quorum_ok")
    list_filter = ("status", YearFilter, MeetingTypeFilter, QuorumFilter)
    search_fields = ("topic", "party_organization__name")
    list_select_related = ("party_organization", "meeting_type")
    inlines = [AttendanceInline, AttachmentInline]
    readonly_fields = [f.name for f in Meeting._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
