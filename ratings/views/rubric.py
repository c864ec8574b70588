"""Rating views: rubric versions for committee staff: list, read-only detail, xlsx export/import, copy."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Count, Prefetch, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from branches import access
from branches.access import staff_required
from branches.models import Committee
from core.errors import attempt

from ..models import Cycle, Indicator, Rubric, RubricCategory
from ..rubric import services as rubric_services
from ..rubric import workbook, workbook_export, workbook_import


def _rubrics(request):
    """The rubrics of the committee the page is about (a superuser picks it first, never by default)."""
    return Rubric.objects.filter(committee_id=access.require_acting_committee(request))


def _get_rubric(request, pk) -> Rubric:
    return get_object_or_404(_rubrics(request), pk=pk)


class RubricImportForm(forms.Form):
    file = forms.FileField(label=_("测评标准文件（.xlsx）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只支持 .xlsx 文件，当前文件是“%(name)s”。") % {"name": f.name})
        if f.size > workbook.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件太大（%(size).1f MB），测评标准文件不应超过 5 MB。") % {"size": f.size / 1048576}
            )
        return f


@staff_required
def rubric_list(request):
    rubrics = list(
        _rubrics(request)
        .annotate(indicator_count=Count("categories__indicators", distinct=True))
        .prefetch_related(Prefetch("cycles", queryset=Cycle.objects.order_by("-year")))
        .select_related("based_on")
        .order_by("-version")
    )
    totals = dict(
        Indicator.objects.filter(category__rubric__in=[r.pk for r in rubrics])
        .values("category__rubric_id")
        .annotate(t=Sum("max_score"))
        .values_list("category__rubric_id", "t")
    )
    for r in rubrics:
        r.max_total_value = totals.get(r.pk, Decimal(0))
    # "Copy last year's rubric": the version the latest cycle used, else the newest version.
    latest_cycle = (
        Cycle.objects.filter(committee_id=access.require_acting_committee(request))
        .select_related("rubric")
        .order_by("-year")
        .first()
    )
    copy_source = latest_cycle.rubric if latest_cycle else (rubrics[0] if rubrics else None)
    return render(
        request,
        "ratings/rubric/list.html",
        {
            "rubrics": rubrics,
            "copy_source": copy_source,
            "latest_cycle": latest_cycle,
            "form": RubricImportForm(),
        },
    )


@staff_required
def rubric_detail(request, pk):
    rubric = _get_rubric(request, pk)
    categories = list(
        RubricCategory.objects.filter(rubric=rubric)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")))
    )
    for cat in categories:
        cat.total = sum((i.max_score for i in cat.indicators.all()), Decimal(0))
    total = sum((c.total for c in categories), Decimal(0))
    return render(
        request,
        "ratings/rubric/detail.html",
        {
            "rubric": rubric,
            "categories": categories,
            "total": total,
            "indicator_count": sum(len(c.indicators.all()) for c in categories),
            "bands": list(rubric.bands.order_by("-level")),
            "bonuses": list(rubric.adjustments.filter(kind="bonus").order_by("order", "pk")),
            "deductions": list(rubric.adjustments.filter(kind="deduction").order_by("order", "pk")),
            "vetoes": list(rubric.vetoes.order_by("order", "pk")),
            "cycles": list(rubric.cycles.order_by("-year")),
            "problems": rubric_services.rubric_check(rubric),
        },
    )


@staff_required
def rubric_export(request, pk):
    rubric = _get_rubric(request, pk)
    response = HttpResponse(workbook_export.export_rubric(rubric), content_type=workbook.XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{workbook_export.export_filename(rubric)}"
    )
    return response


@staff_required
def rubric_import(request):
    form = RubricImportForm(request.POST, request.FILES) if request.method == "POST" else RubricImportForm()
    errors = []
    if form.is_bound and form.is_valid():
        committee = get_object_or_404(Committee, pk=access.require_acting_committee(request))
        rubric = None
        with attempt() as outcome:
            try:
                rubric = workbook_import.rubric_import(
                    committee=committee, content=form.cleaned_data["file"].read(), by=request.user
                )
            except workbook.RubricFileError as exc:
                form.add_error("file", str(exc))
            except workbook.RubricImportError as exc:
                errors = exc.errors
        if not outcome.ok:
            form.add_error("file", outcome.text)
        elif rubric is not None:
            messages.success(request, _("已导入为第%(v)s版测评标准。") % {"v": rubric.version})
            return redirect("ratings:rubric-detail", pk=rubric.pk)
    return render(request, "ratings/rubric/import.html", {"form": form, "errors": errors})


@staff_required
@require_POST
def rubric_copy(request, pk):
    rubric = _get_rubric(request, pk)
    with attempt() as outcome:
        new = rubric_services.rubric_copy(rubric=rubric, by=request.user)
    if not outcome.ok:
        messages.error(request, outcome.text)
        return redirect("ratings:rubric-list")
    messages.success(
        request,
        _("已将第%(old)s版复制为第%(new)s版，可在管理后台修改后用于新的评星周期。")
        % {"old": rubric.version, "new": new.version},
    )
    return redirect("ratings:rubric-detail", pk=new.pk)
