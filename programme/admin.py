from django.contrib import admin

from branches.admin import CommitteeScopedAdmin

from .models import ProgrammeSettings


@admin.register(ProgrammeSettings)
class ProgrammeSettingsAdmin(CommitteeScopedAdmin):
    """The committee's target level (查找不足 plans, 牵手 candidates): staff edit their own."""

    list_display = ("committee", "target_level")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
