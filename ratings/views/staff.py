"""Rating views: committee staff — cycles, the queue, the preliminary check (初核) and inspector assignment."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from branches import access
from branches.access import staff_required
from branches.models import Committee, Member, PartyOrganization, Role, User
from core.dates import short_datetime
from core.errors import add_form_errors, attempt

from ..models import (
    Cycle,
    CycleExclusion,
    Indicator,
    InspectionAssignment,
    InspectorConflict,
    RatingSettings,
    Status,
    Submission,
)
from ..rubric import services as rubric_services
from ..workflow import cycle_setup, edges, onsite, precheck
from ..workflow.selectors import cycles_visible_to, overdue_q, submissions_visible_to
from ..workflow.selectors import queue as queue_selector
from .forms import (
    AssignInspectorForm,
    CycleForm,
    ExclusionForm,
    ExtendDeadlineForm,
    QueueFilterForm,
    SubmissionReturnForm,
)
from .secretary import STAFF_TIMELINE_ACTIONS, indicator_rows, progress_of, submission_timeline

QUEUE_PAGE_SIZE = 50
PARTICIPANTS_PAGE_SIZE = 100


def _cycle_for(request, pk) -> Cycle:
    return get_object_or_404(cycles_visible_to(request.user).select_related("rubric", "committee"), pk=pk)


def _submission_for(request, pk) -> Submission:
    return get_object_or_404(
        submissions_visible_to(request.user).select_related(
            "cycle__rubric", "cycle__committee", "party_organization"
        ),
        pk=pk,
    )


def _committee_for_new_cycle(request) -> Committee:
    """Staff create cycles for their committee; a superuser for the committee they picked."""
    return get_object_or_404(Committee, pk=access.require_acting_committee(request))


def _state_counts(cycle: Cycle) -> list[dict]:
    counts = dict(
        cycle.submissions.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [{"status": value, "label": label, "n": counts.get(value, 0)} for value, label in Status.choices]


# --- Cycles --------------------------------------------------------------------------------


@staff_required
def cycle_list(request):
    cycles = (
        cycles_visible_to(request.user)
        .select_related("rubric", "committee")
        .annotate(
            n_submissions=Count("submissions", distinct=True), n_excluded=Count("exclusions", distinct=True)
        )
        .order_by("-year", "pk")
    )
    return render(request, "ratings/staff/cycle_list.html", {"cycles": cycles})


@staff_required
def cycle_create(request):
    committee = _committee_for_new_cycle(request)
    form = CycleForm(
        request.POST or None,
        committee=committee,
        initial={"year": timezone.localdate().year, "notice_days": 7},
    )
    if request.method == "POST" and form.is_valid():
        cycle = form.save(commit=False)
        with attempt(form=form, catch_denied=False) as outcome:
            cycle_setup.cycle_create(cycle=cycle, by=request.user)
        if outcome.ok:
            messages.success(
                request, _("已创建评星周期“%(cycle)s”。确认参评党组织后即可启动。") % {"cycle": cycle}
            )
            return redirect("ratings:cycle-detail", pk=cycle.pk)
    return render(
        request,
        "ratings/staff/cycle_form.html",
        {
            "form": form,
            "committee": committee,
            "no_rubric": not form.fields["rubric"].queryset.exists(),
        },
    )


def _participants(cycle: Cycle):
    """Draft: the active party organisations that will take part; open: the submissions."""
    if cycle.status == Cycle.Status.DRAFT:
        excluded = cycle.exclusions.values("party_organization_id")
        return (
            PartyOrganization.objects.filter(committee_id=cycle.committee_id, is_active=True)
            .exclude(pk__in=excluded)
            .order_by("name", "pk")
        )
    return cycle.submissions.select_related("party_organization").order_by("party_organization__name", "pk")


def _render_cycle_detail(request, cycle, *, exclusion_form=None, status=200):
    participants = _participants(cycle)
    is_draft = cycle.status == Cycle.Status.DRAFT
    if is_draft and exclusion_form is None:
        exclusion_form = ExclusionForm(queryset=participants)
    now = timezone.now()
    return render(
        request,
        "ratings/staff/cycle_detail.html",
        {
            "cycle": cycle,
            "is_draft": is_draft,
            "states": _state_counts(cycle) if not is_draft else [],
            "overdue": cycle.submissions.filter(overdue_q(now)).count() if not is_draft else 0,
            "participants": Paginator(participants, PARTICIPANTS_PAGE_SIZE).get_page(request.GET.get("page")),
            "exclusions": cycle.exclusions.select_related("party_organization").order_by(
                "party_organization__name"
            ),
            "exclusion_form": exclusion_form,
            "problems": rubric_services.rubric_check(cycle.rubric) if is_draft else [],
            "min_inspectors": RatingSettings.for_committee(cycle.committee_id).min_inspectors,
        },
        status=status,
    )


@staff_required
def cycle_detail(request, pk):
    return _render_cycle_detail(request, _cycle_for(request, pk))


@staff_required
@require_POST
def cycle_exclude(request, pk):
    cycle = _cycle_for(request, pk)
    form = ExclusionForm(
        request.POST,
        queryset=_participants(cycle)
        if cycle.status == Cycle.Status.DRAFT
        else PartyOrganization.objects.none(),
    )
    if form.is_valid():
        with attempt(form=form, catch_denied=False) as outcome:
            cycle_setup.cycle_exclusion_set(
                cycle=cycle,
                party_organization=form.cleaned_data["party_organization"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(
                request, _("%(po)s 不参加本周期评星。") % {"po": form.cleaned_data["party_organization"]}
            )
            return redirect("ratings:cycle-detail", pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        messages.error(request, _("评星周期已启动，不能再调整参评党组织。"))
        return redirect("ratings:cycle-detail", pk=cycle.pk)
    return _render_cycle_detail(request, cycle, exclusion_form=form)


@staff_required
@require_POST
def cycle_exclusion_remove(request, pk, exclusion_pk):
    cycle = _cycle_for(request, pk)
    exclusion = get_object_or_404(
        CycleExclusion.objects.select_related("party_organization"), pk=exclusion_pk, cycle=cycle
    )
    with attempt(request, catch_denied=False) as outcome:
        cycle_setup.cycle_exclusion_remove(exclusion=exclusion, by=request.user)
    if outcome.ok:
        messages.success(request, _("%(po)s 重新列入参评。") % {"po": exclusion.party_organization})
    return redirect("ratings:cycle-detail", pk=cycle.pk)


@staff_required
@require_POST
def cycle_open(request, pk):
    cycle = _cycle_for(request, pk)
    with attempt(catch_denied=False) as outcome:
        cycle = cycle_setup.cycle_open(cycle=cycle, by=request.user)
    if outcome.ok:
        messages.success(
            request, _("评星周期已启动，已为 %(n)d 个党组织生成申报。") % {"n": cycle.submissions.count()}
        )
    else:
        for message in outcome.messages:
            messages.error(request, message)
    return redirect("ratings:cycle-detail", pk=cycle.pk)


# --- Queue ---------------------------------------------------------------------------------


@staff_required
def queue(request, pk):
    cycle = _cycle_for(request, pk)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    qs = queue_selector(
        request.user, cycle=cycle, status=filters.get("status", ""), search=filters.get("q", "")
    )
    if filters.get("overdue"):
        qs = qs.filter(overdue_q(now))
    qs = qs.annotate(
        n_inspectors=Count("assignments", distinct=True),
        n_signed=Count("assignments", filter=Q(assignments__signed_off_at__isnull=False), distinct=True),
    )
    page = Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    for sub in page.object_list:
        sub.cycle = cycle  # the deadline needs the cycle; it is the same for every row
        sub.overdue = sub.status in edges.EDITABLE_BY_BRANCH and now > sub.deadline
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/staff/queue.html",
        {
            "cycle": cycle,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "states": _state_counts(cycle),
            "current_status": filters.get("status", ""),
            "min_inspectors": RatingSettings.for_committee(cycle.committee_id).min_inspectors,
        },
    )


# --- One submission: 初核 and assignment --------------------------------------------------------


def _indicators(submission):
    return list(
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).order_by(
            "category__order", "order", "pk"
        )
    )


def _inspectors(submission, *, exclude=()):
    return (
        User.objects.filter(role=Role.INSPECTOR, committee_id=submission.cycle.committee_id, is_active=True)
        .exclude(pk__in=list(exclude))
        .order_by("display_name", "username")
    )


def _conflicted_inspector_ids(submission) -> set[int]:
    """Inspectors who must stand aside (回避) for this branch: two queries for all of them."""
    orgs = submission.party_organization.organizations.values("pk")
    ids = set(
        InspectorConflict.objects.filter(organization_id__in=orgs).values_list("inspector_id", flat=True)
    )
    ids |= set(
        Member.objects.filter(
            party_organization_id=submission.party_organization_id, user__isnull=False
        ).values_list("user_id", flat=True)
    )
    return ids


def _render_detail(request, submission, *, return_form=None, extend_form=None, assign_form=None, status=200):
    all_reasons = list(submission.return_reasons.select_related("indicator", "created_by"))
    last_round = max((r.round for r in all_reasons), default=0)
    blocks = indicator_rows(submission, reasons=[r for r in all_reasons if r.round == last_round])
    done, total = progress_of(blocks)
    indicators = [row.indicator for block in blocks for row in block.rows]
    can_check = submission.status == Status.SUBMITTED
    if return_form is None:
        return_form = SubmissionReturnForm(indicators=indicators)
    for block in blocks:
        for row in block.rows:
            row.return_field = return_form[f"reason_{row.indicator.pk}"]
    assignments = list(submission.assignments.select_related("inspector", "assigned_by"))
    conflicted = _conflicted_inspector_ids(submission)
    if assign_form is None:
        assign_form = AssignInspectorForm(
            queryset=_inspectors(submission, exclude=[a.inspector_id for a in assignments]),
            conflicted=conflicted,
        )
    shown = {
        "return": can_check,
        "extend": submission.status in edges.EDITABLE_BY_BRANCH,
        "assign": submission.status == Status.ACCEPTED,
    }
    page_errors = []  # errors of a form whose box the current state does not show
    for key, form in (("return", return_form), ("extend", extend_form), ("assign", assign_form)):
        if form is not None and form.is_bound and form.errors and not shown[key]:
            page_errors += [msg for errors in form.errors.values() for msg in errors]
    rounds = {}
    for reason in all_reasons:
        rounds.setdefault(reason.round, []).append(reason)
    context = {
        "submission": submission,
        "cycle": submission.cycle,
        "blocks": blocks,
        "done": done,
        "total": total,
        "can_check": can_check,
        "can_extend": shown["extend"],
        "can_assign": shown["assign"],
        "page_errors": page_errors,
        "return_form": return_form,
        "extend_form": extend_form or ExtendDeadlineForm(),
        "assign_form": assign_form,
        "assignments": assignments,
        "min_inspectors": RatingSettings.for_committee(submission.cycle.committee_id).min_inspectors,
        "return_rounds": sorted(rounds.items(), reverse=True),
        "timeline": submission_timeline(submission, STAFF_TIMELINE_ACTIONS),
        "overdue": submission.status in edges.EDITABLE_BY_BRANCH and submission.deadline_passed,
    }
    return render(request, "ratings/staff/submission_detail.html", context, status=status)


@staff_required
def submission_detail(request, pk):
    return _render_detail(request, _submission_for(request, pk))


@staff_required
@require_POST
def submission_return(request, pk):
    submission = _submission_for(request, pk)
    form = SubmissionReturnForm(request.POST, indicators=_indicators(submission))
    if form.is_valid():
        with attempt(form=form, catch_denied=False) as outcome:
            precheck.submission_return(submission=submission, by=request.user, reasons=form.reasons())
        if outcome.ok:
            messages.success(
                request, _("已退回%(po)s修改，退回原因已通知书记。") % {"po": submission.party_organization}
            )
            return redirect("ratings:submission-detail", pk=submission.pk)
    return _render_detail(request, submission, return_form=form)


@staff_required
@require_http_methods(["GET", "POST"])
def submission_accept(request, pk):
    """初核通过. A GET, or a POST without the confirm field, shows what accepting means and asks to
    confirm; only the confirmed POST changes anything."""
    submission = _submission_for(request, pk)
    if request.method != "POST" or request.POST.get("confirm") != "1":
        detail = reverse("ratings:submission-detail", args=[submission.pk])
        return render(
            request,
            "ratings/results/confirm.html",
            {
                "cycle": submission.cycle,
                "back_url": detail,
                "back_label": str(submission.party_organization),
                "action_url": reverse("ratings:submission-accept", args=[submission.pk]),
                "title": _("确认初核通过"),
                "fields": {},
                "consequences": [
                    _("%(po)s 的申报将通过初核、进入实地验收，支部书记不能再修改自评和佐证材料。")
                    % {"po": submission.party_organization},
                    _("如需改回，只能由工作人员说明原因后重新打开。"),
                ],
                "button": _("确认初核通过"),
            },
        )
    with attempt(request, catch_denied=False) as outcome:
        precheck.submission_accept(submission=submission, by=request.user)
    if outcome.ok:
        messages.success(request, _("初核通过，请分配验收人员。"))
    return redirect("ratings:submission-detail", pk=submission.pk)


@staff_required
@require_POST
def submission_extend(request, pk):
    submission = _submission_for(request, pk)
    form = ExtendDeadlineForm(request.POST)
    if form.is_valid():
        with attempt(form=form, catch_denied=False) as outcome:
            precheck.submission_extend_deadline(
                submission=submission,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(
                request,
                _("已将%(po)s的提交截止时间延至 %(until)s。")
                % {
                    "po": submission.party_organization,
                    "until": short_datetime(form.cleaned_data["until"]),
                },
            )
            return redirect("ratings:submission-detail", pk=submission.pk)
    return _render_detail(request, submission, extend_form=form)


@staff_required
@require_POST
def assign_inspector(request, pk):
    submission = _submission_for(request, pk)
    form = AssignInspectorForm(
        request.POST, queryset=_inspectors(submission), conflicted=_conflicted_inspector_ids(submission)
    )
    if form.is_valid():
        inspector = form.cleaned_data["inspector"]
        with attempt(catch_denied=False) as outcome:
            onsite.inspector_assign(
                submission=submission,
                inspector=inspector,
                by=request.user,
                visit_at=form.cleaned_data.get("visit_at"),
            )
        if outcome.ok:
            messages.success(request, _("已分配验收人员：%(name)s。") % {"name": inspector})
            return redirect("ratings:submission-detail", pk=submission.pk)
        elif hasattr(outcome.error, "error_dict"):  # a field's own error (the visit time)
            add_form_errors(form, outcome.error)
        else:
            form.add_error("inspector", outcome.messages)
    return _render_detail(request, submission, assign_form=form)


@staff_required
@require_POST
def unassign_inspector(request, pk):
    assignment = get_object_or_404(
        InspectionAssignment.objects.select_related("submission__cycle", "inspector"),
        pk=pk,
        submission__in=submissions_visible_to(request.user).values("pk"),
    )
    with attempt(request, catch_denied=False) as outcome:
        onsite.inspector_unassign(assignment=assignment, by=request.user)
    if outcome.ok:
        messages.success(request, _("已撤销 %(name)s 的验收分配。") % {"name": assignment.inspector})
    return redirect("ratings:submission-detail", pk=assignment.submission_id)
