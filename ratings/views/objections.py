"""异议与复核 (staff): the objections to a cycle's results, investigated, rejected or upheld."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.access import staff_required
from core.errors import attempt
from core.uploads import private_file_response

from ..models import FinalScore, Indicator, Objection, ObjectionAttachment, Submission, VetoItem
from ..outcomes import objections
from .forms_results import ObjectionFilterForm, ObjectionOutcomeForm, ObjectionUpholdForm
from .outcome_access import PAGE_SIZE, cycle_for, is_email, objection_for, outcomes_scoped


@staff_required
@require_GET
def objection_list(request, pk):
    cycle = cycle_for(request, pk)
    form = ObjectionFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    qs = (
        Objection.objects.filter(submission__cycle=cycle)
        .select_related("submission__party_organization")
        .annotate(n_files=Count("attachments"))
        .order_by("-filed_at", "-pk")
    )
    if state:
        qs = qs.filter(state=state)
    counts = dict(
        Objection.objects.filter(submission__cycle=cycle)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/results/objection_list.html",
        {
            "cycle": cycle,
            "form": form,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "states": [
                {"value": v, "label": label, "n": counts.get(v, 0)} for v, label in Objection.State.choices
            ],
            "current": state,
            "query": query.urlencode(),
        },
    )


def _uphold_form(objection, data=None):
    submission = objection.submission
    indicators = list(
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).order_by(
            "category__order", "order", "pk"
        )
    )
    current = dict(FinalScore.objects.filter(submission=submission).values_list("indicator_id", "score"))
    vetoes = VetoItem.objects.filter(rubric_id=submission.cycle.rubric_id).order_by("order", "pk")
    return ObjectionUpholdForm(data, indicators=indicators, current=current, veto_items=vetoes)


def _render_objection(request, objection, *, reject_form=None, uphold_form=None, status=200):
    return render(
        request,
        "ratings/results/objection_detail.html",
        {
            "objection": objection,
            "submission": objection.submission,
            "cycle": objection.submission.cycle,
            "attachments": list(objection.attachments.order_by("pk")),
            "contact_is_email": bool(objection.contact) and is_email(objection.contact),
            "can_investigate": objection.state in objections.OBJECTION_TRANSITIONS["investigate"],
            "can_decide": objection.is_open,
            "reject_form": reject_form or ObjectionOutcomeForm(),
            "uphold_form": uphold_form or _uphold_form(objection),
        },
        status=status,
    )


@staff_required
@require_GET
def objection_detail(request, pk):
    return _render_objection(request, objection_for(request, pk))


@staff_required
@require_POST
def objection_investigate(request, pk):
    objection = objection_for(request, pk)
    with attempt(request) as outcome:
        objections.objection_investigate(objection=objection, by=request.user)
    if outcome.ok:
        messages.success(request, _("异议 %(ref)s 已进入核查。") % {"ref": objection.reference})
    return redirect("ratings:objection-detail", pk=objection.pk)


@staff_required
@require_POST
def objection_reject(request, pk):
    """不予采纳: the result stands; the objector is told why if they left contact details."""
    objection = objection_for(request, pk)
    form = ObjectionOutcomeForm(request.POST)
    if form.is_valid():
        with attempt(form=form) as outcome:
            objections.objection_reject(
                objection=objection, by=request.user, outcome=form.cleaned_data["outcome"]
            )
        if outcome.ok:
            messages.success(request, _("异议 %(ref)s 不予采纳，结论已记录。") % {"ref": objection.reference})
            return redirect("ratings:objection-detail", pk=objection.pk)
    return _render_objection(request, objection, reject_form=form)


@staff_required
@require_POST
def objection_uphold(request, pk):
    """采纳: the result is corrected through the review services; the star is recomputed."""
    objection = objection_for(request, pk)
    form = _uphold_form(objection, request.POST)
    if form.is_valid():
        with attempt(form=form) as outcome:
            objections.objection_uphold(
                objection=objection,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                final_scores=form.changed_scores(),
                veto_item_id=form.cleaned_data["veto_item"],
            )
        if outcome.ok:
            submission = Submission.objects.get(pk=objection.submission_id)
            messages.success(
                request,
                _("异议 %(ref)s 已采纳，结果已改正：%(level)s。")
                % {
                    "ref": objection.reference,
                    "level": _("一票否决") if submission.vetoed else submission.proposed_level_name,
                },
            )
            return redirect("ratings:objection-detail", pk=objection.pk)
    return _render_objection(request, objection, uphold_form=form)


@staff_required
@require_GET
def objection_attachment(request, pk):
    att = get_object_or_404(
        outcomes_scoped(
            ObjectionAttachment.objects.all(),
            request.user,
            committee_path="objection__submission__cycle__committee",
        ),
        pk=pk,
    )
    return private_file_response(att.file, content_type=att.content_type, name=att.original_name)
