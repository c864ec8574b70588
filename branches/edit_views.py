"""Committee staff create and change organisations, party organisations, members and instructors in
the app, through the register services (full validation, the audit entry, the row history)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import attempt

from . import services
from .access import require_acting_committee, staff_required
from .edit_forms import InstructorForm, MemberForm, OrganizationForm, PartyOrganizationForm
from .models import Committee, Instructor, Member, PartyOrganization, SocialOrganization


def _render(request, form, *, title, back, status=200):
    return render(
        request,
        "branches/edit_form.html",
        {"form": form, "title": title, "back": back},
        status=400 if form.errors else status,
    )


def _data(request):
    """The posted data, also when a POST is empty (an empty POST is a bound form with errors)."""
    return request.POST if request.method == "POST" else None


def _committee(request) -> Committee:
    return Committee.objects.get(pk=require_acting_committee(request))


def _save_with_organizations(form, *, by, save, set_organizations, row: str):
    """Save the form's row, then the organisations it covers, all or nothing; the saved row, or None
    when a service refused (the reason is on the form)."""
    with attempt(form=form) as outcome, transaction.atomic():
        saved = save(**{row: form.instance}, by=by)
        set_organizations(**{row: saved}, organizations=form.cleaned_data["organizations"], by=by)
    return saved if outcome.ok else None


@staff_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk=None):
    committee = _committee(request)
    org = get_object_or_404(SocialOrganization, pk=pk, committee=committee) if pk else None
    form = OrganizationForm(_data(request), instance=org, committee=committee)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            saved = services.organization_save(organization=form.instance, by=request.user)
        if outcome.ok:
            messages.success(request, _("已保存“%(name)s”。") % {"name": saved.name})
            return redirect("branches:organization-detail", pk=saved.pk)
    back = (
        reverse("branches:organization-detail", args=[org.pk])
        if org
        else reverse("branches:organization-list")
    )
    return _render(request, form, title=_("修改社会组织") if org else _("登记社会组织"), back=back)


@staff_required
@require_http_methods(["GET", "POST"])
def party_organization_edit(request, pk=None):
    committee = _committee(request)
    po = get_object_or_404(PartyOrganization, pk=pk, committee=committee) if pk else None
    form = PartyOrganizationForm(_data(request), instance=po, committee=committee)
    if request.method == "POST" and form.is_valid():
        saved = _save_with_organizations(
            form,
            by=request.user,
            save=services.party_organization_save,
            set_organizations=services.party_organization_set_organizations,
            row="party_organization",
        )
        if saved:
            messages.success(request, _("已保存“%(name)s”。") % {"name": saved.name})
            return redirect("branches:party-organization-detail", pk=saved.pk)
    back = (
        reverse("branches:party-organization-detail", args=[po.pk])
        if po
        else reverse("branches:party-organization-list")
    )
    return _render(request, form, title=_("修改党组织") if po else _("新建党组织"), back=back)


@staff_required
@require_http_methods(["GET", "POST"])
def member_edit(request, po_pk, pk=None):
    committee = _committee(request)
    po = get_object_or_404(PartyOrganization, pk=po_pk, committee=committee)
    member = get_object_or_404(Member, pk=pk, party_organization=po) if pk else None
    form = MemberForm(_data(request), instance=member, party_organization=po)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            services.member_save(member=form.instance, by=request.user)
        if outcome.ok:
            messages.success(request, _("已保存党员“%(name)s”。") % {"name": form.instance.name})
            return redirect("branches:party-organization-detail", pk=po.pk)
    title = _("修改党员信息") if member else _("添加党员")
    return _render(
        request,
        form,
        title=f"{title} · {po.name}",
        back=reverse("branches:party-organization-detail", args=[po.pk]),
    )


@staff_required
@require_POST
def member_remove(request, po_pk, pk):
    committee = _committee(request)
    member = get_object_or_404(
        Member, pk=pk, party_organization__committee=committee, party_organization_id=po_pk
    )
    reason = (request.POST.get("reason") or "").strip()[:200]
    if not reason:
        messages.error(request, _("移出党员须说明原因（如组织关系转出）。"))
    else:
        with attempt(request) as outcome:
            services.record_delete(member, by=request.user, note=reason, committee_id=committee.pk)
        if outcome.ok:
            messages.success(request, _("已移出党员“%(name)s”。") % {"name": member.name})
    return redirect("branches:party-organization-detail", pk=po_pk)


@staff_required
def instructor_list(request):
    committee = _committee(request)
    instructors = (
        Instructor.objects.filter(committee=committee).prefetch_related("organizations").order_by("name")
    )
    return render(request, "branches/instructor_list.html", {"instructors": instructors})


@staff_required
@require_http_methods(["GET", "POST"])
def instructor_edit(request, pk=None):
    committee = _committee(request)
    instructor = get_object_or_404(Instructor, pk=pk, committee=committee) if pk else None
    form = InstructorForm(_data(request), instance=instructor, committee=committee)
    if request.method == "POST" and form.is_valid():
        saved = _save_with_organizations(
            form,
            by=request.user,
            save=services.instructor_save,
            set_organizations=services.instructor_set_organizations,
            row="instructor",
        )
        if saved:
            messages.success(request, _("已保存“%(name)s”。") % {"name": saved.name})
            return redirect("branches:instructor-list")
    title = _("修改指导员/联络员") if instructor else _("新增指导员/联络员")
    return _render(request, form, title=title, back=reverse("branches:instructor-list"))
