"""The admin's one write path: every save and delete, inline rows included, goes through
branches.services so it is audited next to the row history, which the admin shows but never reverts."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Instructor, Member, PartyOrganization, SocialOrganization

ADMIN_NOTE = _("管理后台")


class ReadOnlyAdminMixin:
    """For rows nobody writes through the admin (written by services, or by a library): whoever may
    see them looks; nobody adds, changes or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _register_service(obj):
    """The register service that saves this kind of row, where there is one."""
    by_model = {
        SocialOrganization: lambda o, **kw: services.organization_save(organization=o, **kw),
        PartyOrganization: lambda o, **kw: services.party_organization_save(party_organization=o, **kw),
        Member: lambda o, **kw: services.member_save(member=o, **kw),
        Instructor: lambda o, **kw: services.instructor_save(instructor=o, **kw),
    }
    return by_model.get(type(obj))


class AuditedAdmin(SimpleHistoryAdmin):
    """Every write of the admin goes through branches.services (the register services where they
    exist, otherwise record_save/record_delete), so it gets its audit entry next to the row history.

    The row history is shown per object to whoever may see the object; it is never reverted to."""

    def audit_committee_id(self, obj):
        return _committee_of(obj)

    def admin_save(self, request, obj, *, committee_id=None):
        obj._history_user = request.user
        note = str(ADMIN_NOTE)
        service = _register_service(obj)
        if service is not None:
            return service(obj, by=request.user, note=note)
        if committee_id is None:
            committee_id = self.audit_committee_id(obj)
        return services.record_save(obj, by=request.user, note=note, committee_id=committee_id)

    def admin_delete(self, request, obj, *, committee_id=None):
        obj._history_user = request.user
        if committee_id is None:
            committee_id = self.audit_committee_id(obj)
        services.record_delete(obj, by=request.user, note=str(ADMIN_NOTE), committee_id=committee_id)

    def save_model(self, request, obj, form, change):
        self.admin_save(request, obj)

    def delete_model(self, request, obj):
        self.admin_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows are saved and audited like the main row."""
        committee_id = self.audit_committee_id(form.instance)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.admin_delete(request, obj, committee_id=committee_id)
        for obj in instances:
            self.admin_save(request, obj, committee_id=committee_id)
        formset.save_m2m()

    # -- row history, scoped like the object -------------------------------------------------
    def _has_history(self):
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def _history_visible(self, request, object_id) -> bool:
        if request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=unquote(object_id)).exists()

    def history_view(self, request, object_id, extra_context=None):
        if not self._has_history():
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        if not self._history_visible(request, object_id):
            # Like a missing object: back to the index, revealing nothing about other committees.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._has_history():
            raise Http404
        if request.method != "GET":
            raise PermissionDenied  # reverting would write around the services
        if not self._history_visible(request, object_id):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _committee_of(obj):
    if hasattr(obj, "committee_id"):
        return obj.committee_id
    if isinstance(obj, Member):
        return obj.party_organization.committee_id
    return None
