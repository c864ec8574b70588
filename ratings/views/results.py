"""Rating views after the review: 公示 and 复核 (staff), awards, certificates and plaques (staff;
the branch secretary downloads their own certificate), rectification (staff and secretary), and a
branch's star history.

Access as everywhere: anonymous → login; a wrong role → 403; an object outside the user's
scope → 404. Every write goes through ratings.publication / awards / rectification.
"""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.access import role_required, staff_required
from branches.models import Role
from branches.selectors import party_organizations_visible_to
from core.uploads import private_file_response

from .. import awards as award_services
from .. import publication
from .. import rectification as rect_services
from ..forms_results import (
    AwardDowngradeForm,
    AwardFilterForm,
    AwardRevokeForm,
    ObjectionFilterForm,
    ObjectionOutcomeForm,
    ObjectionUpholdForm,
    PlaqueForm,
    PublishForm,
    RectificationAnswerForm,
    RectificationFilterForm,
    RectificationForm,
    RectificationNoteForm,
)
from ..models import (
    Award,
    AwardEvent,
    Cycle,
    FinalScore,
    Indicator,
    Objection,
    ObjectionAttachment,
    Rectification,
    RectificationEvidence,
    Status,
    Submission,
    VetoItem,
    level_name,
)
from ..selectors import cycles_visible_to, submissions_visible_to
from .inspector import error_text

staff_or_secretary = role_required(Role.STAFF, Role.SECRETARY)
secretary_required = role_required(Role.SECRETARY)
PAGE_SIZE = 50


# --- Scope helpers ---------------------------------------------------------------------------------


def _scoped(qs, user, *, committee_path, party_org_path=None):
    """Outcomes a user may see: staff their committee, a secretary their own party organisation."""
    paths = access.Paths(committee=committee_path, party_organization=party_org_path)
    return access.scoped(qs, user, "outcome.view", paths)


def _is_staff(user) -> bool:
    return user.is_superuser or user.role == Role.STAFF


def _cycle_for(request, pk) -> Cycle:
    return get_object_or_404(cycles_visible_to(request.user).select_related("rubric", "committee"), pk=pk)


def _objection_for(request, pk) -> Objection:
    qs = Objection.objects.select_related(
        "submission__cycle__rubric", "submission__party_organization", "handled_by"
    )
    return get_object_or_404(_scoped(qs, request.user, committee_path="submission__cycle__committee"), pk=pk)


def _award_for(request, pk, *, secretary_too=False) -> Award:
    qs = Award.objects.select_related("cycle__committee", "party_organization", "plaque", "submission")
    return get_object_or_404(
        _scoped(
            qs,
            request.user,
            committee_path="cycle__committee",
            party_org_path="party_organization" if secretary_too else None,
        ),
        pk=pk,
    )


def _item_for(request, pk) -> Rectification:
    qs = Rectification.objects.select_related(
        "submission__cycle", "submission__party_organization", "indicator", "created_by"
    )
    return get_object_or_404(
        _scoped(
            qs,
            request.user,
            committee_path="submission__cycle__committee",
            party_org_path="submission__party_organization",
        ),
        pk=pk,
    )


def _private_file(field, *, content_type: str, name: str):
    return private_file_response(field, content_type=content_type, name=name)


def _add_errors(form, exc: Exception):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error_text(exc))


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


# --- 公示 and 确定结果 (staff) --------------------------------------------------------------------------


@staff_required
@require_GET
def results_index(request):
    """The committee's cycles that have started, with where their results stand."""
    cycles = (
        cycles_visible_to(request.user)
        .exclude(status=Cycle.Status.DRAFT)
        .annotate(
            n_reviewed=Count("submissions", filter=Q(submissions__status=Status.REVIEWED)),
            n_awards=Count("awards", distinct=True),
        )
        .order_by("-year", "pk")
    )
    open_objections = dict(
        Objection.objects.filter(
            submission__cycle__in=cycles.values("pk"),
            state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING],
        )
        .values_list("submission__cycle_id")
        .annotate(n=Count("pk"))
    )
    rows = list(cycles)
    for c in rows:
        c.open_objections = open_objections.get(c.pk, 0)
    return render(request, "ratings/results/index.html", {"cycles": rows})


def _render_results(request, cycle, *, publish_form=None, status=200):
    open_states = [Objection.State.OPEN, Objection.State.INVESTIGATING]
    reviewed = (
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED)
        .select_related("party_organization", "award")
        .annotate(
            n_objections=Count("objections", distinct=True),
            n_open=Count("objections", filter=Q(objections__state__in=open_states), distinct=True),
        )
        .order_by("-proposed_level", "party_organization__name", "pk")
    )
    counts = dict(
        Submission.objects.filter(cycle=cycle).values_list("status").annotate(n=Count("pk")).order_by()
    )
    in_progress = sum(counts.get(s, 0) for s in (Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED))
    waiting = (
        list(reviewed.filter(finalized_at__isnull=True, n_open__gt=0))
        if cycle.status == Cycle.Status.PUBLISHED
        else []
    )
    today = timezone.localdate()
    page = Paginator(reviewed, 100).get_page(request.GET.get("page"))
    for sub in page:
        sub.final_level_name = level_name(sub.final_level)
    return render(
        request,
        "ratings/results/cycle.html",
        {
            "cycle": cycle,
            "page": page,
            "n_reviewed": counts.get(Status.REVIEWED, 0),
            "n_unfinished": sum(counts.get(s, 0) for s in (Status.DRAFT, Status.RETURNED)),
            "n_in_progress": in_progress,
            "n_listed": publication.listed_results(cycle).count()
            if cycle.status != Cycle.Status.DRAFT
            else 0,
            "n_finalized": Submission.objects.filter(cycle=cycle, finalized_at__isnull=False).count(),
            "n_awards": Award.objects.filter(cycle=cycle).count(),
            "n_open_objections": Objection.objects.filter(
                submission__cycle=cycle, state__in=open_states
            ).count(),
            "waiting": waiting,
            "publish_form": publish_form or PublishForm(initial={"starts_on": today}),
            "can_publish": cycle.status == Cycle.Status.OPEN,
            "can_finalize": cycle.status == Cycle.Status.PUBLISHED,
            "period_over": cycle.notice_ends_on is not None and today > cycle.notice_ends_on,
            "notice_state": _notice_state(cycle, today),
        },
        status=status,
    )


def _notice_state(cycle, today):
    from .public import notice_state

    if cycle.status not in (Cycle.Status.PUBLISHED, Cycle.Status.FINAL):
        return ""
    return notice_state(cycle, today)


@staff_required
@require_GET
def cycle_results(request, pk):
    return _render_results(request, _cycle_for(request, pk))


@staff_required
@require_POST
def cycle_publish(request, pk):
    """发布公示: the reviewed results go on the public page for the cycle's notice days."""
    cycle = _cycle_for(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            cycle = publication.cycle_publish(
                cycle=cycle, by=request.user, starts_on=form.cleaned_data["starts_on"]
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已发布公示，公示期 %(start)s 至 %(end)s。")
                % {"start": cycle.notice_starts_on, "end": cycle.notice_ends_on},
            )
            return redirect("ratings:cycle-results", pk=cycle.pk)
    return _render_results(request, cycle, publish_form=form)


@staff_required
@require_POST
def results_finalize(request, pk):
    """确定结果: the same service as the daily job; results with an open objection wait."""
    cycle = _cycle_for(request, pk)
    try:
        done = publication.results_finalize(cycle=cycle, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _("不能确定结果：") + error_text(exc))
    else:
        text = _("已确定 %(finalized)d 个结果，授予 %(awards)d 个星级命名。") % done
        if done["waiting"]:
            text += _("%(waiting)d 个结果有未处理完毕的异议，处理后再次“确定结果”。") % done
        elif not done["finalized"]:
            text = _("没有需要确定的结果，本周期结果已全部确定。")
        messages.success(request, text)
    return redirect("ratings:cycle-results", pk=cycle.pk)


# --- 异议与复核 (staff) --------------------------------------------------------------------------------


@staff_required
@require_GET
def objection_list(request, pk):
    cycle = _cycle_for(request, pk)
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
            "can_investigate": objection.state in publication.OBJECTION_TRANSITIONS["investigate"],
            "can_decide": objection.is_open,
            "reject_form": reject_form or ObjectionOutcomeForm(),
            "uphold_form": uphold_form or _uphold_form(objection),
        },
        status=status,
    )


@staff_required
@require_GET
def objection_detail(request, pk):
    return _render_objection(request, _objection_for(request, pk))


@staff_required
@require_POST
def objection_investigate(request, pk):
    objection = _objection_for(request, pk)
    try:
        publication.objection_investigate(objection=objection, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("异议 %(ref)s 已进入核查。") % {"ref": objection.reference})
    return redirect("ratings:objection-detail", pk=objection.pk)


@staff_required
@require_POST
def objection_reject(request, pk):
    """不予采纳: the result stands; the objector is told why if they left contact details."""
    objection = _objection_for(request, pk)
    form = ObjectionOutcomeForm(request.POST)
    if form.is_valid():
        try:
            publication.objection_reject(
                objection=objection, by=request.user, outcome=form.cleaned_data["outcome"]
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("异议 %(ref)s 不予采纳，结论已记录。") % {"ref": objection.reference})
            return redirect("ratings:objection-detail", pk=objection.pk)
    return _render_objection(request, objection, reject_form=form)


@staff_required
@require_POST
def objection_uphold(request, pk):
    """采纳: the result is corrected through the review services; the star is recomputed."""
    objection = _objection_for(request, pk)
    form = _uphold_form(objection, request.POST)
    if form.is_valid():
        try:
            publication.objection_uphold(
                objection=objection,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                final_scores=form.changed_scores(),
                veto_item_id=form.cleaned_data["veto_item"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
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
        _scoped(
            ObjectionAttachment.objects.all(),
            request.user,
            committee_path="objection__submission__cycle__committee",
        ),
        pk=pk,
    )
    return _private_file(att.file, content_type=att.content_type, name=att.original_name)


# --- 命名、证书、牌匾 ------------------------------------------------------------------------------------


def _award_filter(qs, state: str, plaque: str):
    today = timezone.localdate()
    if state == "valid":
        qs = qs.filter(state=Award.State.VALID, valid_until__gte=today)
    elif state == "expired":
        qs = qs.filter(state=Award.State.VALID, valid_until__lt=today)
    elif state:
        qs = qs.filter(state=state)
    if plaque == "not_made":
        qs = qs.filter(plaque__made_on__isnull=True)
    elif plaque == "not_delivered":
        qs = qs.filter(plaque__made_on__isnull=False, plaque__delivered_on__isnull=True)
    elif plaque == "delivered":
        qs = qs.filter(plaque__delivered_on__isnull=False)
    elif plaque == "return_due":
        qs = qs.filter(plaque__return_due_on__isnull=False, plaque__returned_on__isnull=True)
    elif plaque == "returned":
        qs = qs.filter(plaque__returned_on__isnull=False)
    return qs


@staff_required
@require_GET
def award_list(request):
    cycles = list(cycles_visible_to(request.user).exclude(status=Cycle.Status.DRAFT).order_by("-year"))
    form = AwardFilterForm(request.GET or None, cycles=cycles)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = _scoped(Award.objects.all(), request.user, committee_path="cycle__committee")
    if filters.get("cycle"):
        qs = qs.filter(cycle_id=filters["cycle"])
    qs = _award_filter(qs, filters.get("state", ""), filters.get("plaque", ""))
    qs = qs.select_related("party_organization", "cycle", "plaque").order_by("-cycle__year", "seq")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/results/award_list.html",
        {
            "form": form,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "cycle": next((c for c in cycles if c.pk == filters.get("cycle")), None),
        },
    )


def _render_award(request, award, *, downgrade_form=None, revoke_form=None, plaque_form=None, status=200):
    plaque = award.plaque
    can_change = award.state != Award.State.REVOKED and award.public_state != "expired"
    return render(
        request,
        "ratings/results/award_detail.html",
        {
            "award": award,
            "plaque": plaque,
            "orgs": list(award.party_organization.organizations.values_list("name", flat=True)),
            "events": list(award.events.select_related("by").order_by("at", "pk")),
            "grounds": award_services.GROUNDS,
            "can_change": can_change,
            "downgrade_form": downgrade_form or AwardDowngradeForm(award=award, prefix="down"),
            "revoke_form": revoke_form or AwardRevokeForm(prefix="revoke"),
            "plaque_form": plaque_form
            or PlaqueForm(initial={f: getattr(plaque, f) for f in PlaqueForm.FIELDS}),
            "verify_url": reverse("ratings:verify", args=[award.token]),
        },
        status=status,
    )


@staff_required
@require_GET
def award_detail(request, pk):
    return _render_award(request, _award_for(request, pk))


@staff_required
@require_POST
def award_downgrade(request, pk):
    """Dynamic management: lower the star during its validity, with grounds, reason and evidence."""
    award = _award_for(request, pk)
    form = AwardDowngradeForm(request.POST, request.FILES, award=award, prefix="down")
    if form.is_valid():
        data = form.cleaned_data
        try:
            award = award_services.award_downgrade(
                award=award,
                to_level=data["to_level"],
                grounds=data["grounds"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"] or None,
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("已降为%(level)s，核验页面即时显示。") % {"level": level_name(award.level)}
            )
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, downgrade_form=form)


@staff_required
@require_POST
def award_revoke(request, pk):
    """Revoke the star; a delivered plaque must be returned within the committee's period."""
    award = _award_for(request, pk)
    form = AwardRevokeForm(request.POST, request.FILES, prefix="revoke")
    if form.is_valid():
        data = form.cleaned_data
        try:
            award = award_services.award_revoke(
                award=award,
                grounds=data["grounds"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"] or None,
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("星级命名已撤销，核验页面即时显示“已撤销”。"))
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, revoke_form=form)


@staff_required
@require_POST
def plaque_update(request, pk):
    """牌匾登记: made, delivered (by whom, received by), returned."""
    award = _award_for(request, pk)
    form = PlaqueForm(request.POST)
    if form.is_valid():
        changes = form.changes(award.plaque)
        if not changes:
            messages.info(request, _("牌匾登记没有变化。"))
            return redirect("ratings:award-detail", pk=award.pk)
        try:
            award_services.plaque_update(plaque=award.plaque, by=request.user, **changes)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("牌匾登记已保存。"))
            return redirect("ratings:award-detail", pk=award.pk)
    return _render_award(request, award, plaque_form=form)


def _pdf_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_or_secretary
@require_GET
def certificate_pdf(request, pk):
    """The certificate as PDF: committee staff, and the branch's own secretary."""
    award = _award_for(request, pk, secretary_too=True)
    if not _is_staff(request.user) and award.state == Award.State.REVOKED:
        messages.error(request, _("该星级命名已撤销，证书不能再下载。"))
        return redirect("ratings:branch-history", pk=award.party_organization_id)
    pdf = award_services.certificate_pdf(award, site_url=settings.SITE_URL)
    return _pdf_response(pdf, f"{award.certificate_no}.pdf", "application/pdf")


@staff_required
@require_GET
def certificates_zip(request, pk):
    """Every certificate of a cycle, one PDF each, in one ZIP (for printing)."""
    cycle = _cycle_for(request, pk)
    if not Award.objects.filter(cycle=cycle).exists():
        messages.error(request, _("本周期还没有星级命名，没有可下载的证书。"))
        return redirect("ratings:cycle-results", pk=cycle.pk)
    content = award_services.certificates_zip(cycle, site_url=settings.SITE_URL)
    return _pdf_response(content, f"{cycle.year}年度星级证书.zip", "application/zip")


@staff_required
@require_GET
def award_evidence(request, pk):
    event = get_object_or_404(
        _scoped(
            AwardEvent.objects.exclude(evidence=""), request.user, committee_path="award__cycle__committee"
        ),
        pk=pk,
    )
    return _private_file(
        event.evidence, content_type="application/octet-stream", name=event.evidence_name or "evidence"
    )


# --- 整改 (staff and secretary) ---------------------------------------------------------------------


@staff_or_secretary
@require_GET
def rectification_list(request):
    form = RectificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = _scoped(
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
            "is_staff": _is_staff(request.user),
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
        try:
            item = rect_services.rectification_create(
                submission=submission,
                by=request.user,
                problem=data["problem"],
                requirement=data["requirement"],
                due_on=data["due_on"],
                indicator_id=data["indicator"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
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
    is_own_secretary = (
        user.role == Role.SECRETARY and user.party_organization_id == item.submission.party_organization_id
    )
    return render(
        request,
        "ratings/results/rectification_detail.html",
        {
            "item": item,
            "evidence": list(item.evidence.order_by("uploaded_at", "pk")),
            "is_staff": _is_staff(user),
            "can_answer": is_own_secretary and item.state in rect_services.TRANSITIONS["answer"],
            "can_check": _is_staff(user) and item.state in rect_services.TRANSITIONS["verify"],
            "answer_form": answer_form or RectificationAnswerForm(initial={"answer": item.answer}),
            "note_form": note_form or RectificationNoteForm(),
        },
        status=status,
    )


@staff_or_secretary
@require_GET
def rectification_detail(request, pk):
    return _render_item(request, _item_for(request, pk))


@secretary_required
@require_POST
def rectification_answer(request, pk):
    """The secretary reports what was done, with evidence."""
    item = _item_for(request, pk)
    form = RectificationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rect_services.rectification_answer(
                item=item,
                by=request.user,
                answer=form.cleaned_data["answer"],
                files=form.cleaned_data["files"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("整改情况已报送，等待综合党委核查。"))
            return redirect("ratings:rectification-detail", pk=item.pk)
    return _render_item(request, item, answer_form=form)


def _staff_check(request, pk, service, success):
    item = _item_for(request, pk)
    form = RectificationNoteForm(request.POST)
    if form.is_valid():
        try:
            service(item=item, by=request.user, note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("note", error_text(exc))
        else:
            messages.success(request, success)
            return redirect("ratings:rectification-detail", pk=item.pk)
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
        _scoped(
            RectificationEvidence.objects.all(),
            request.user,
            committee_path="rectification__submission__cycle__committee",
            party_org_path="rectification__submission__party_organization",
        ),
        pk=pk,
    )
    return _private_file(ev.file, content_type=ev.content_type, name=ev.original_name)


# --- 星级历史 ---------------------------------------------------------------------------------------


def _result_visible(sub: Submission, is_staff: bool) -> bool:
    """Staff see a result once reviewed; the branch once it has been published."""
    if sub.status != Status.REVIEWED:
        return False
    return is_staff or sub.cycle.status in (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)


def _comparison(latest: Submission, previous: Submission | None) -> list[dict]:
    """Final scores per indicator of the latest cycle next to the previous one, matched by the
    indicator's code (a new rubric version copies the codes). One query for both cycles."""
    ids = [latest.pk] + ([previous.pk] if previous else [])
    scores = defaultdict(dict)
    indicators = {}
    rows = (
        FinalScore.objects.filter(submission_id__in=ids)
        .select_related("indicator__category")
        .order_by("indicator__category__order", "indicator__order", "indicator__pk")
    )
    for fs in rows:
        scores[fs.submission_id][fs.indicator.code] = fs.score
        if fs.submission_id == latest.pk or fs.indicator.code not in indicators:
            indicators[fs.indicator.code] = fs.indicator  # the latest rubric's wording wins
    out = []
    latest_codes = scores[latest.pk]
    ordered = sorted(
        indicators.values(), key=lambda i: (i.code not in latest_codes, i.category.order, i.order, i.pk)
    )
    for ind in ordered:
        now = latest_codes.get(ind.code)
        before = scores[previous.pk].get(ind.code) if previous else None
        diff = now - before if now is not None and before is not None else None
        out.append(
            {
                "indicator": ind,
                "now": now,
                "before": before,
                "diff": diff,
                "only_before": ind.code not in latest_codes,
            }
        )
    return out


@staff_or_secretary
@require_GET
def branch_history(request, pk):
    """A branch's star history over cycles and, for the latest result, a per-indicator comparison
    with the cycle before. Fixed number of queries whatever the number of cycles."""
    po = get_object_or_404(
        party_organizations_visible_to(request.user)
        .select_related("committee")
        .prefetch_related("organizations"),
        pk=pk,
    )
    is_staff = _is_staff(request.user)
    subs = list(
        Submission.objects.filter(party_organization=po)
        .select_related("cycle", "award")
        .order_by("-cycle__year", "-pk")
    )
    history = []
    for sub in subs:
        visible = _result_visible(sub, is_staff)
        history.append(
            {
                "submission": sub,
                "cycle": sub.cycle,
                "visible": visible,
                "award": getattr(sub, "award", None),
                "level": _level_text(sub) if visible else "",
            }
        )
    with_result = [h["submission"] for h in history if h["visible"]]
    latest = with_result[0] if with_result else None
    previous = with_result[1] if len(with_result) > 1 else None
    comparison = _comparison(latest, previous) if latest else []
    totals = None
    if latest:
        now = sum((r["now"] for r in comparison if r["now"] is not None), Decimal(0))
        before = (
            sum((r["before"] for r in comparison if r["before"] is not None), Decimal(0))
            if previous
            else None
        )
        totals = {"now": now, "before": before, "diff": now - before if before is not None else None}
    return render(
        request,
        "ratings/results/branch_history.html",
        {
            "po": po,
            "orgs": list(po.organizations.all()),
            "history": history,
            "latest": latest,
            "previous": previous,
            "comparison": comparison,
            "totals": totals,
            "is_staff": is_staff,
        },
    )


def _level_text(sub: Submission) -> str:
    if sub.vetoed:
        return _("一票否决，不评星")
    if sub.finalized_at:
        return _("确定：%(level)s") % {"level": level_name(sub.final_level)}
    state = {Cycle.Status.PUBLISHED: _("公示中"), Cycle.Status.FINAL: _("待确定")}.get(
        sub.cycle.status, _("评审完成，待公示")
    )
    return _("建议：%(level)s（%(state)s）") % {"level": sub.proposed_level_name, "state": state}
