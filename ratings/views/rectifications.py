"""整改: rectification items set by staff after the review, answered by the branch secretary."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.access import staff_required
from core.errors import attempt
from core.uploads import private_file_response

from ..models import Indicator, Rectification, RectificationEvidence, Status
from ..outcomes import rectification as rect_services
from ..workflow.edges import submission_target
from ..workflow.selectors import submissions_visible_to
from .forms_results import (
    RectificationAnswerForm,
    RectificationFilterForm,
    RectificationForm,
    RectificationNoteForm,
)
from .outcome_access import (
    PAGE_SIZE,
    is_committee_staff,
    outcomes_scoped,
    rectification_for,
    secretary_required,
    staff_or_secretary,
)


@staff_or_secretary
@require_GET
def rectification_list(request):
    form = RectificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = outcomes_scoped(
        Rectification.objects.all(),
        request.user,
        committee_path="submission__cycle__committee",
        party_org_path="submission__party_organization",
    )
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("overdue"):
        qs = qs.exclude(state=Rectification.State.VERIFIED).filter(due_on__lt=timezone.localdate())
    qs = qs.select_related("submission__party_organization", "submission__cycle", "indicator").order_by(
        "due_on", "pk"
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/results/rectification_list.html",
        {
            "form": form,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "is_staff": is_committee_staff(request.user),
        },
    )


@staff_required
def rectification_create(request, pk):
    """From the review of a REVIEWED submission: a weakness becomes an item with a due date."""
    submission = get_object_or_404(
        submissions_visible_to(request.user).select_related("cycle__rubric", "party_organization"), pk=pk
    )
    indicators = Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).order_by(
        "category__order", "order", "pk"
    )
    form = RectificationForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with attempt(form=form) as outcome:
            item = rect_services.rectification_create(
                submission=submission,
                by=request.user,
                problem=data["problem"],
                requirement=data["requirement"],
                due_on=data["due_on"],
                indicator_id=data["indicator"],
            )
        if outcome.ok:
            messages.success(request, _("已下达整改事项，期限 %(due)s。") % {"due": item.due_on})
            return redirect("ratings:rectification-detail", pk=item.pk)
    existing = list(submission.rectifications.select_related("indicator").order_by("due_on", "pk"))
    return render(
        request,
        "ratings/results/rectification_form.html",
        {
            "submission": submission,
            "form": form,
            "existing": existing,
            "can_create": submission.status == Status.REVIEWED,
        },
    )


def _render_item(request, item, *, answer_form=None, note_form=None, status=200):
    user = request.user
    is_own_secretary = access.can(user, "outcome.respond", submission_target(item.submission))
    return render(
        request,
        "ratings/results/rectification_detail.html",
        {
            "item": item,
            "evidence": list(item.evidence.order_by("uploaded_at", "pk")),
            "is_staff": is_committee_staff(user),
            "can_answer": is_own_secretary and item.state in rect_services.TRANSITIONS["answer"],
            "can_check": is_committee_staff(user) and item.state in rect_services.TRANSITIONS["verify"],
            "answer_form": answer_form or RectificationAnswerForm(initial={"answer": item.answer}),
            "note_form": note_form or RectificationNoteForm(),
        },
        status=status,
    )


@staff_or_secretary
@require_GET
def rectification_detail(request, pk):
    return _render_item(request, rectification_for(request, pk))


@secretary_required
@require_POST
def rectification_answer(request, pk):
    """The secretary reports what was done, with evidence."""
    item = rectification_for(request, pk)
    form = RectificationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        with attempt(form=form) as outcome:
            rect_services.rectification_answer(
                item=item,
                by=request.user,
                answer=form.cleaned_data["answer"],
                files=form.cleaned_data["files"],
            )
        if outcome.ok:
            messages.success(request, _("整改情况已报送，等待综合党委核查。"))
            return redirect("ratings:rectification-detail", pk=item.pk)
    return _render_item(request, item, answer_form=form)


def _staff_check(request, pk, service, success):
    item = rectification_for(request, pk)
    form = RectificationNoteForm(request.POST)
    if form.is_valid():
        with attempt() as outcome:
            service(item=item, by=request.user, note=form.cleaned_data["note"])
        if outcome.ok:
            messages.success(request, success)
            return redirect("ratings:rectification-detail", pk=item.pk)
        else:
            form.add_error("note", outcome.text)
    return _render_item(request, item, note_form=form)


@staff_required
@require_POST
def rectification_verify(request, pk):
    return _staff_check(request, pk, rect_services.rectification_verify, _("整改事项已验证销号。"))


@staff_required
@require_POST
def rectification_send_back(request, pk):
    return _staff_check(
        request, pk, rect_services.rectification_send_back, _("已退回重改，书记将看到核查意见。")
    )


@staff_or_secretary
@require_GET
def rectification_evidence(request, pk):
    ev = get_object_or_404(
        outcomes_scoped(
            RectificationEvidence.objects.all(),
            request.user,
            committee_path="rectification__submission__cycle__committee",
            party_org_path="rectification__submission__party_organization",
        ),
        pk=pk,
    )
    return private_file_response(ev.file, content_type=ev.content_type, name=ev.original_name)
