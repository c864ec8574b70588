"""Pages of the programme around the score. Thin: reads through the feature modules' selectors,
writes through their services; access through the one policy (branches.access).

Wrong role → 403; a row outside the user's scope → 404 (its existence is not revealed)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.access import require_acting_committee, role_required, staff_required
from branches.models import PartyOrganization, Role
from branches.selectors import regions_of
from core.errors import attempt
from core.uploads import private_file_response

from . import cases as case_services
from . import pairing as pairing_services
from . import plans as plan_services
from .cases import cases_visible_to
from .forms import (
    ActionDoneForm,
    CaseForm,
    CaseLibraryFilterForm,
    CasePhotoForm,
    CaseTransitionForm,
    CycleChoiceForm,
    JointActivityForm,
    PairingEditForm,
    PairingEndForm,
    PairingForm,
    PlanActionForm,
    PlanFilterForm,
)
from .models import CasePhoto, PlanAction

PAGE_SIZE = 50
staff_or_secretary = role_required(Role.STAFF, Role.SECRETARY)
secretary_required = role_required(Role.SECRETARY)


def _is_staff(user) -> bool:
    return access.has_role_for(user, "programme.manage")


def _committee_rows(qs, request):
    """Staff and superusers: the committee they work in; a secretary: their own rows (scoped)."""
    if _is_staff(request.user):
        return qs.filter(committee_id=require_acting_committee(request))
    return qs


# --- 牵手 pairing ---------------------------------------------------------------------------------


@staff_or_secretary
@require_GET
def pairing_list(request):
    qs = _committee_rows(pairing_services.pairings_visible_to(request.user), request)
    qs = qs.select_related("strong", "weak", "cycle").order_by("-starts_on", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = pairing_services.pairing_rows(page.object_list, unpublished=_is_staff(request.user))
    return render(
        request,
        "programme/pairing_list.html",
        {"page": page, "rows": rows, "is_staff": _is_staff(request.user)},
    )


@staff_required
def pairing_create(request):
    committee_id = require_acting_committee(request)
    form = PairingForm(
        request.POST if request.method == "POST" else None,
        cycles=pairing_services.pairing_cycles(committee_id),
        strong=pairing_services.strong_candidates(committee_id),
        weak=pairing_services.weak_candidates(committee_id),
    )
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            pairing = pairing_services.pairing_create(**form.cleaned_data, by=request.user)
        if outcome.ok:
            messages.success(request, _("已建立牵手结对。"))
            return redirect("programme:pairing-detail", pk=pairing.pk)
    status = 400 if form.errors else 200
    return render(request, "programme/pairing_form.html", {"form": form}, status=status)


def _pairing_for(request, pk):
    qs = pairing_services.pairings_visible_to(request.user).select_related(
        "strong", "weak", "cycle", "committee", "created_by"
    )
    return get_object_or_404(qs, pk=pk)


@staff_or_secretary
@require_GET
def pairing_detail(request, pk):
    pairing = _pairing_for(request, pk)
    report = pairing_services.pairing_report(pairing, unpublished=_is_staff(request.user))
    return render(
        request,
        "programme/pairing_detail.html",
        {
            "pairing": pairing,
            "report": report,
            "row": report.row,
            "can_record": access.can(request.user, "programme.record", pairing) and not pairing.is_ended,
            "can_manage": access.can(request.user, "programme.manage", pairing) and not pairing.is_ended,
        },
    )


def _managed_pairing(request, pk):
    pairing = _pairing_for(request, pk)
    access.require(request.user, "programme.manage", pairing)
    return pairing


@staff_required
def pairing_edit(request, pk):
    pairing = _managed_pairing(request, pk)
    initial = {"starts_on": pairing.starts_on, "ends_on": pairing.ends_on, "goals": pairing.goals}
    form = PairingEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            pairing_services.pairing_update(pairing=pairing, **form.cleaned_data, by=request.user)
        if outcome.ok:
            messages.success(request, _("已保存结对的目标和期限。"))
            return redirect("programme:pairing-detail", pk=pairing.pk)
    if form.is_bound and "drop_activities" in form.errors:
        form.ask_to_drop_activities()
    elif form.is_bound:
        form.forget_drop_confirmation()
    status = 400 if form.errors else 200
    return render(
        request,
        "programme/pairing_change.html",
        {"form": form, "pairing": pairing, "title": _("修改牵手结对"), "submit": _("保存")},
        status=status,
    )


@staff_required
def pairing_end(request, pk):
    pairing = _managed_pairing(request, pk)
    form = PairingEndForm(
        request.POST if request.method == "POST" else None, initial={"ended_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            pairing_services.pairing_end(pairing=pairing, **form.cleaned_data, by=request.user)
        if outcome.ok:
            messages.success(request, _("已提前结束该牵手结对。"))
            return redirect("programme:pairing-detail", pk=pairing.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "programme/pairing_change.html",
        {"form": form, "pairing": pairing, "title": _("提前结束牵手结对"), "submit": _("结束结对")},
        status=status,
    )


@secretary_required
def joint_activity_create(request, pk):
    pairing = _pairing_for(request, pk)
    if not access.can(request.user, "programme.record", pairing):
        raise PermissionDenied(access.DENIED_MESSAGES["programme.record"])
    form = JointActivityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            pairing_services.joint_activity_record(pairing=pairing, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("已记录联合活动，同时计入双方的组织生活。"))
            return redirect("programme:pairing-detail", pk=pairing.pk)
    status = 400 if form.errors else 200
    return render(
        request, "programme/joint_activity_form.html", {"form": form, "pairing": pairing}, status=status
    )


# --- 查找不足 improvement plans -----------------------------------------------------------------


@staff_or_secretary
@require_GET
def plan_list(request):
    today = timezone.localdate()
    form = PlanFilterForm(request.GET or None, choices=plan_services.STATE_LABELS.items())
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    qs = _committee_rows(plan_services.plans_visible_to(request.user), request)
    qs = plan_services.filter_state(qs, state, today)
    qs = plan_services.with_progress(qs.select_related("party_organization", "cycle"), today).order_by(
        "-cycle__year", "party_organization__name", "pk"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page.object_list:
        plan.shown_state = plan_services.display_state(plan, overdue=plan.has_late)
        plan.level_label = plan_services.level_label(plan.level)
    is_staff = _is_staff(request.user)
    generate = None
    if is_staff:
        generate = CycleChoiceForm(cycles=pairing_services.pairing_cycles(require_acting_committee(request)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programme/plan_list.html",
        {"page": page, "form": form, "generate": generate, "is_staff": is_staff, "query": query.urlencode()},
    )


@staff_required
@require_POST
def plans_generate(request):
    committee_id = require_acting_committee(request)
    form = CycleChoiceForm(request.POST, cycles=pairing_services.pairing_cycles(committee_id))
    if not form.is_valid():
        return HttpResponseBadRequest(_("请选择已完成的评星周期。"))
    with attempt(request) as outcome:
        plans = plan_services.plans_generate(cycle=form.cleaned_data["cycle"], by=request.user)
    if outcome.ok:
        messages.success(request, _("已生成 %(n)d 份提升计划。") % {"n": len(plans)})
    return redirect("programme:plan-list")


def _plan_for(request, pk):
    qs = plan_services.plans_visible_to(request.user).select_related(
        "party_organization", "cycle", "committed_by"
    )
    return get_object_or_404(qs, pk=pk)


def _render_plan(request, plan, *, action_form=None, status=200):
    can_record = access.can(request.user, "programme.record", plan)
    actions = list(plan.actions.order_by("due_on", "pk"))
    today = timezone.localdate()
    for action in actions:
        action.overdue = action.is_overdue(today)
    overdue = plan.state in plan_services.EDGES["action_done"] and any(a.overdue for a in actions)
    editable = can_record and plan.state in plan_services.EDGES["action_add"]
    if editable and action_form is None:
        action_form = PlanActionForm(findings=plan.findings)
    return render(
        request,
        "programme/plan_detail.html",
        {
            "plan": plan,
            "meeting_gaps": plan_services.meeting_gaps_shown(plan),
            "actions": actions,
            "shown_state": plan_services.display_state(plan, overdue=overdue),
            "level_label": plan_services.level_label(plan.level),
            "target_label": plan_services.level_label(plan.target_level),
            "next_label": plan_services.level_label(plan.next_level) if plan.next_level else "",
            "action_form": action_form if editable else None,
            "can_commit": can_record and plan.state in plan_services.EDGES["commit"],
            "can_mark_done": can_record and plan.state in plan_services.EDGES["action_done"],
            "done_form": ActionDoneForm(auto_id=False),  # one per action row: no repeated ids
        },
        status=status,
    )


@staff_or_secretary
@require_GET
def plan_detail(request, pk):
    return _render_plan(request, _plan_for(request, pk))


def _recording_plan(request, plan):
    if not access.can(request.user, "programme.record", plan):
        raise PermissionDenied(access.DENIED_MESSAGES["programme.record"])


@secretary_required
@require_POST
def plan_action_add(request, pk):
    plan = _plan_for(request, pk)
    _recording_plan(request, plan)
    form = PlanActionForm(request.POST, findings=plan.findings)
    if form.is_valid():
        with attempt(form=form) as outcome:
            plan_services.plan_action_add(plan=plan, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("已添加措施。"))
            return redirect("programme:plan-detail", pk=plan.pk)
    return _render_plan(request, plan, action_form=form, status=400)


@secretary_required
@require_POST
def plan_commit(request, pk):
    plan = _plan_for(request, pk)
    _recording_plan(request, plan)
    with attempt(request) as outcome:
        plan_services.plan_commit(plan=plan, by=request.user)
    if outcome.ok:
        messages.success(request, _("已确认提升计划。"))
    return redirect("programme:plan-detail", pk=plan.pk)


@secretary_required
@require_POST
def plan_action_done(request, pk):
    action = get_object_or_404(
        PlanAction.objects.filter(plan__in=plan_services.plans_visible_to(request.user)).select_related(
            "plan"
        ),
        pk=pk,
    )
    _recording_plan(request, action.plan)
    form = ActionDoneForm(request.POST)
    if not form.is_valid():
        return _render_plan(request, action.plan, status=400)
    with attempt(request) as outcome:
        plan_services.plan_action_done(action=action, by=request.user, note=form.cleaned_data["note"])
    if outcome.ok:
        messages.success(request, _("已标记完成。"))
    return redirect("programme:plan-detail", pk=action.plan_id)


# --- 典型经验 case library ------------------------------------------------------------------------


@staff_required
@require_GET
def case_list(request):
    qs = cases_visible_to(request.user).filter(committee_id=require_acting_committee(request))
    qs = qs.select_related("party_organization").order_by("state", "-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programme/case_list.html", {"page": page})


def _case_form(request, committee_id, case=None):
    initial = None
    if case is not None:
        initial = {
            "title": case.title,
            "text": case.text,
            "party_organization": case.party_organization_id,
            "indicators": list(case.indicators.values_list("pk", flat=True)),
        }
    return CaseForm(
        request.POST if request.method == "POST" else None,
        party_organizations=PartyOrganization.objects.filter(
            committee_id=committee_id, is_active=True
        ).order_by("name"),
        indicators=case_services.indicators_for(committee_id),
        initial=initial,
    )


@staff_required
def case_create(request):
    committee_id = require_acting_committee(request)
    form = _case_form(request, committee_id)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            case = case_services.case_create(committee_id=committee_id, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("已保存草稿。"))
            return redirect("programme:case-manage", pk=case.pk)
    return render(request, "programme/case_form.html", {"form": form}, status=400 if form.errors else 200)


def _case_for(request, pk):
    return get_object_or_404(cases_visible_to(request.user).select_related("party_organization"), pk=pk)


@staff_required
def case_edit(request, pk):
    case = _case_for(request, pk)
    form = _case_form(request, case.committee_id, case)
    if request.method == "POST" and form.is_valid():
        with attempt(form=form) as outcome:
            case_services.case_update(case=case, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("已保存。"))
            return redirect("programme:case-manage", pk=case.pk)
    return render(
        request, "programme/case_form.html", {"form": form, "case": case}, status=400 if form.errors else 200
    )


def _render_case_manage(request, case, *, photo_form=None, status=200):
    return render(
        request,
        "programme/case_manage.html",
        {
            "case": case,
            "photos": case.photos.order_by("pk"),
            "indicators": case.indicators.order_by("category__order", "order", "pk"),
            "edges": [e for e, (sources, _target) in case_services.EDGES.items() if case.state in sources],
            "photo_form": photo_form or CasePhotoForm(),
            "can_edit": case.state == case_services.State.DRAFT,
        },
        status=status,
    )


@staff_required
@require_GET
def case_manage(request, pk):
    return _render_case_manage(request, _case_for(request, pk))


@staff_required
@require_POST
def case_transition(request, pk):
    case = _case_for(request, pk)
    form = CaseTransitionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("未知的操作。"))
    with attempt(request) as outcome:
        case_services.case_transition(case=case, edge=form.cleaned_data["edge"], by=request.user)
    if outcome.ok:
        messages.success(request, _("已更新状态。"))
    return redirect("programme:case-manage", pk=case.pk)


@staff_required
@require_POST
def case_photo_add(request, pk):
    case = _case_for(request, pk)
    form = CasePhotoForm(request.POST, request.FILES)
    if form.is_valid():
        with attempt(form=form) as outcome:
            case_services.case_photo_add(case=case, upload=form.cleaned_data["photo"], by=request.user)
        if outcome.ok:
            messages.success(request, _("已添加照片。"))
            return redirect("programme:case-manage", pk=case.pk)
    return _render_case_manage(request, case, photo_form=form, status=400)


# The public library: no login, published cases only, no personal data.


@require_GET
def case_library(request):
    indicators, regions = case_services.public_filters()
    form = CaseLibraryFilterForm(request.GET or None, indicators=indicators, regions=regions)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = case_services.filter_public(
        case_services.published_cases(),
        indicator=filters.get("indicator", ""),
        region=filters.get("region", ""),
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    region_of = regions_of([c.party_organization_id for c in page.object_list])
    names = dict(regions)
    for case in page.object_list:
        case.region_name = names.get(region_of.get(case.party_organization_id, ""), "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "programme/case_library.html", {"page": page, "form": form, "query": query.urlencode()}
    )


@require_GET
def case_public(request, pk):
    case = get_object_or_404(case_services.published_cases(), pk=pk)
    return render(request, "programme/case_public.html", {"case": case})


@require_GET
def case_photo(request, pk):
    """A case's photo: public once the case is published, before that for its committee's staff."""
    photo = get_object_or_404(CasePhoto.objects.select_related("case"), pk=pk)
    published = photo.case.state == case_services.State.PUBLISHED
    if not published and not access.can(request.user, "programme.manage", photo.case):
        raise Http404
    cache = "public, max-age=3600" if published else "private, no-store"
    return private_file_response(
        photo.file, content_type=photo.content_type, name=photo.original_name, cache_control=cache
    )
