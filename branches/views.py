from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import attempt
from core.formtokens import once, replay_safe

from . import access, import_batches, importing, selectors
from .access import require_acting_committee, role_required, staff_required
from .forms import ImportUploadForm, OrganizationFilterForm
from .models import Committee, Division, ImportBatch, Member, MemberRole, OrgType, PartyOrganization, Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required
def organization_list(request):
    committee_id = require_acting_committee(request)
    form = OrganizationFilterForm(request.GET or None, divisions=selectors.divisions_in_use(committee_id))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.organization_list(
        request.user,
        search=filters.get("q", ""),
        org_type=filters.get("org_type", ""),
        division=filters.get("division", ""),
        status=filters.get("status", ""),
        covered=filters.get("covered", ""),
    ).filter(committee_id=committee_id)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    names = dict(
        Division.objects.filter(code__in={o.division_code for o in page}).values_list("code", "name")
    )
    for org in page:
        org.division_name = names.get(org.division_code, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "branches/organization_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def organization_detail(request, pk):
    if not access.has_role_for(request.user, "register.view"):
        raise PermissionDenied
    org = get_object_or_404(
        selectors.organizations_visible_to(request.user)
        .with_coverage()
        .prefetch_related(
            Prefetch("party_organizations", queryset=PartyOrganization.objects.order_by("name")),
            "instructors",
        ),
        pk=pk,
    )
    return render(
        request,
        "branches/organization_detail.html",
        {
            "org": org,
            "division_name": Division.objects.filter(code=org.division_code)
            .values_list("name", flat=True)
            .first()
            or "",
            "can_edit": access.can(request.user, "register.manage", org),
        },
    )


@staff_required
def party_organization_list(request):
    q = request.GET.get("q", "")[:100]
    committee_id = require_acting_committee(request)
    secretary = Member.objects.filter(party_organization=OuterRef("pk"), role=MemberRole.SECRETARY).order_by(
        "pk"
    )
    qs = (
        selectors.party_organization_list(request.user, search=q)
        .filter(committee_id=committee_id)
        .annotate(secretary_name=Subquery(secretary.values("name")[:1]))
    )
    qs = selectors.with_star_level(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/party_organization_list.html",
        {"page": page, "q": q, "query": urlencode({"q": q}) if q else ""},
    )


@role_required(Role.STAFF, Role.SECRETARY)
def party_organization_detail(request, pk):
    po = get_object_or_404(
        selectors.party_organizations_visible_to(request.user)
        .select_related("parent", "committee")
        .annotate(full_members=Count("members", filter=Q(members__membership="full"), distinct=True))
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("role", "name")),
            "organizations",
        ),
        pk=pk,
    )
    return render(
        request,
        "branches/party_organization_detail.html",
        {"po": po, "can_edit": access.can(request.user, "register.manage", po)},
    )


@staff_required
def coverage(request):
    committee_id = require_acting_committee(request)
    report = selectors.coverage_report(committee_id)
    uncovered = Paginator(selectors.uncovered_organizations(committee_id), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "branches/coverage.html", {"report": report, "uncovered": uncovered})


@staff_required
def import_upload(request):
    committee_id = require_acting_committee(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        committee = Committee.objects.get(pk=committee_id)
        batch, file_error = import_batches.import_batch_create(
            committee=committee, by=request.user, upload=form.cleaned_data["file"]
        )
        if file_error:
            form.add_error("file", file_error)
        else:
            return redirect("branches:import-batch", pk=batch.pk)
    batches = ImportBatch.objects.filter(committee_id=committee_id).select_related("uploaded_by")[:20]
    return render(request, "branches/import_upload.html", {"form": form, "batches": batches})


def _batch_for(request, pk):
    return get_object_or_404(ImportBatch, pk=pk, committee_id=require_acting_committee(request))


IMPORT_ROWS_PER_PAGE = 500


@staff_required
def import_batch(request, pk):
    """The batch's state: the dry run's rows and errors as stored (the file is not read again),
    or the progress of the task at work, refreshed by the page itself (no script needed)."""
    batch = _batch_for(request, pk)
    result = None if batch.busy else import_batches.stored_result(batch)
    only_errors = request.GET.get("errors") == "1"
    rows = (result.error_rows if only_errors else result.rows) if result else []
    page = Paginator(rows, IMPORT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    types = dict(OrgType.choices)
    divisions = dict(
        Division.objects.filter(code__in={r.values.get("division_code") for r in page}).values_list(
            "code", "name"
        )
    )
    for r in page:  # labels, not the stored codes
        r.org_type_label = types.get(r.values.get("org_type"), r.values.get("org_type") or "")
        r.division_label = divisions.get(r.values.get("division_code"), "")
    return render(
        request,
        "branches/import_batch.html",
        {
            "batch": batch,
            "result": result,
            "page": page,
            "rows": page.object_list,
            "only_errors": only_errors,
            "query": "errors=1" if only_errors else "",
        },
    )


@staff_required
@require_POST
@replay_safe
def import_confirm(request, pk):
    batch = _batch_for(request, pk)
    page = reverse("branches:import-batch", args=[batch.pk])
    with attempt(request, catch_denied=False) as outcome, once(request, "branches.import") as claim:
        import_batches.import_batch_confirm(batch=batch, by=request.user)
        claim.done(page)
    if not outcome.ok:
        return redirect(page)
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.IMPORTED:  # tasks run in-process: done already
        messages.success(request, _("已导入 %(n)d 个社会组织。") % {"n": batch.row_count})
        return redirect(reverse("branches:organization-list"))
    if batch.status == ImportBatch.Status.IMPORTING:
        messages.info(request, _("正在导入，完成后本页显示结果。"))
    elif batch.message:  # sent back: a code was registered meanwhile, or the write failed
        messages.error(request, batch.message)
    return redirect(page)


@staff_required
def import_template(request):
    response = HttpResponse(importing.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''starfire-organizations-template.xlsx"
    return response
