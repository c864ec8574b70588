"""Login throttling in the admin (django-axes' records): superusers only.

`LoginAttempt` (axes' AccessAttempt) holds the failures counted per username and address; a
pair at the limit is locked until the cool-off has passed. A superuser unlocks it with the
action 解除锁定, which deletes the counted failures and writes the audit log (`login.unlock`).
The failure log is read-only history. Committee staff see neither: the records span every
committee.
"""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.audited_admin import ReadOnlyAdminMixin
from branches.services import audit_record
from core.dates import short_datetime

from .models import LoginAttempt, LoginFailure


class SuperuserReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(LoginAttempt)
class LoginAttemptAdmin(SuperuserReadOnlyAdmin):
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked_until"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    readonly_fields = fields
    actions = ["unlock"]

    @admin.display(description=gettext_lazy("锁定至"))
    def locked_until(self, obj):
        if obj.failures_since_start < settings.AXES_FAILURE_LIMIT:
            return "—"
        until = obj.attempt_time + get_cool_off()
        if until <= timezone.now():
            return _("已到期")
        return short_datetime(until)

    def has_unlock_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=gettext_lazy("解除锁定（清除所选的登录失败计数）"), permissions=["unlock"])
    def unlock(self, request, queryset):
        with transaction.atomic():
            rows = list(queryset.select_for_update())
            for attempt in rows:
                audit_record(
                    actor=request.user,
                    action="login.unlock",
                    target=attempt,
                    before={
                        "username": attempt.username,
                        "ip_address": attempt.ip_address,
                        "failures": attempt.failures_since_start,
                    },
                )
            LoginAttempt.objects.filter(pk__in=[a.pk for a in rows]).delete()
        self.message_user(
            request,
            _("已解除 %(count)s 条登录锁定记录。") % {"count": len(rows)},
            messages.SUCCESS,
        )


@admin.register(LoginFailure)
class LoginFailureAdmin(SuperuserReadOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "locked_out", "path_info"]
    list_filter = ["locked_out", "attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = ["username", "ip_address", "user_agent", "path_info", "attempt_time", "locked_out"]
    readonly_fields = fields
