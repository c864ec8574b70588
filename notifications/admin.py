from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from branches.admin import CommitteeScopedAdmin

from .models import Notification


class FailedFilter(admin.SimpleListFilter):
    title = _("邮件发送")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("failed", _("发送失败")), ("pending", _("待发送")), ("sent", _("已发送"))]

    def queryset(self, request, queryset):
        v = self.value()
        if v == "failed":
            return queryset.exclude(email_error="").filter(emailed_at__isnull=True)
        if v == "pending":
            return queryset.filter(email_wanted=True, emailed_at__isnull=True, email_error="")
        if v == "sent":
            return queryset.filter(emailed_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(CommitteeScopedAdmin):
    """Staff see notices of their committee's users, and which e-mails failed and why."""

    committee_path = "recipient__committee"
    list_display = (
        "created_at",
        "recipient",
        "kind",
        "title",
        "read_at",
        "emailed_at",
        "email_attempts",
        "email_error",
    )
    list_filter = ("kind", FailedFilter)
    search_fields = ("title", "recipient__username", "key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
