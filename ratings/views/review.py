"""Rating views: central review (集中评审), the audit log, and private inspection photos.

Review pages are for committee staff (the panel works under staff accounts): another
committee's submission is a 404, any other role a 403. The proposed star level shown here is
the one ratings.workflow.levels keeps up to date after every score change (cycle_recompute_levels).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.access import staff_required
from branches.models import AuditEntry, User
from core.errors import attempt
from core.uploads import private_file_response

from ..models import (
    AdjustmentItem,
    AppliedAdjustment,
    InspectionPhoto,
    ReviewSession,
    Status,
    Submission,
    VetoDecision,
    VetoItem,
    level_name,
)
from ..workflow import edges, panel, review_sessions
from ..workflow.meeting_evidence import meeting_compliance_rows
from ..workflow.review_data import review_matrix
from ..workflow.selectors import submissions_visible_to
from .forms_review import (
    AdjustmentForm,
    FinalScoreForm,
    ReopenForm,
    VetoDecideForm,
    VetoRaiseForm,
    first_error,
)


def _submission_for(request, pk) -> Submission:
    """A submission of the staff member's committee; any other is a 404."""
    return get_object_or_404(
        submissions_visible_to(request.user).select_related("cycle__rubric", "party_organization"), pk=pk
    )


def _back(submission, anchor=""):
    url = reverse("ratings:review", args=[submission.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@dataclass
class AdjustmentRow:
    item: AdjustmentItem
    applied: AppliedAdjustment | None
    error: str = ""
    typed_times: object = None
    typed_note: object = None

    @property
    def times_value(self):
        if self.typed_times is not None:
            return self.typed_times
        return self.applied.times if self.applied else 0

    @property
    def note_value(self):
        if self.typed_note is not None:
            return self.typed_note
        return self.applied.note if self.applied else ""


def _render_review(
    request,
    submission,
    *,
    final_errors=None,
    final_typed=None,
    adj_errors=None,
    adj_typed=None,
    veto_errors=None,
    veto_typed=None,
    raise_form=None,
    reopen_form=None,
    status=200,
):
    """The review page; errors and typed values are keyed by indicator / item / veto id."""
    final_errors, final_typed = final_errors or {}, final_typed or {}
    adj_errors, adj_typed = adj_errors or {}, adj_typed or {}
    veto_errors, veto_typed = veto_errors or {}, veto_typed or {}
    matrix = review_matrix(submission)
    for row in matrix.rows:
        row.error = final_errors.get(row.indicator.pk, "")
        typed = final_typed.get(row.indicator.pk, {})
        row.score_value = typed.get("score", "" if row.final_default is None else row.final_default)
        row.reason_value = typed.get("reason", row.final.reason if row.final else "")

    rubric = submission.cycle.rubric
    applied = {
        a.item_id: a for a in AppliedAdjustment.objects.filter(submission=submission).select_related("item")
    }
    adjustments = []
    for item in AdjustmentItem.objects.filter(rubric=rubric).order_by("kind", "order", "pk"):
        typed = adj_typed.get(item.pk, {})
        adjustments.append(
            AdjustmentRow(
                item=item,
                applied=applied.get(item.pk),
                error=adj_errors.get(item.pk, ""),
                typed_times=typed.get("times"),
                typed_note=typed.get("note"),
            )
        )
    # an error for something not on the page (e.g. a tampered id) is shown at the top
    on_page = {("final", r.indicator.pk) for r in matrix.rows} | {("adj", a.item.pk) for a in adjustments}
    errors = [(("final", k), m) for k, m in final_errors.items()] + [
        (("adj", k), m) for k, m in adj_errors.items()
    ]
    page_error = " ".join(dict.fromkeys(m for key, m in errors if m and key not in on_page))
    vetoes = list(
        VetoDecision.objects.filter(submission=submission)
        .select_related("item", "raised_by", "decided_by")
        .order_by("item__order", "pk")
    )
    for v in vetoes:
        v.error = veto_errors.get(v.pk, "")
        v.typed_reason = veto_typed.get(v.pk, v.reason)

    context = {
        "meeting_compliance": meeting_compliance_rows(submission),
        "submission": submission,
        "cycle": submission.cycle,
        "rubric": rubric,
        "matrix": matrix,
        "bonus_rows": [a for a in adjustments if a.item.kind == AdjustmentItem.Kind.BONUS],
        "deduction_rows": [a for a in adjustments if a.item.kind == AdjustmentItem.Kind.DEDUCTION],
        "vetoes": vetoes,
        "page_error": page_error,
        "open_vetoes": sum(1 for v in vetoes if v.state == VetoDecision.State.OPEN),
        "veto_items": list(VetoItem.objects.filter(rubric=rubric)),
        "raise_form": raise_form or VetoRaiseForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "can_edit": submission.status == Status.INSPECTED,
        "sessions": list(
            ReviewSession.objects.filter(cycle_id=submission.cycle_id).order_by("-held_on", "-pk")
        ),
        "decided_in": submission.review_session,
        "can_raise": submission.status in (Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED),
        "can_reopen": submission.status in edges.TRANSITIONS["reopen"],
        "reopen_to": edges.TRANSITIONS["reopen"].get(submission.status),
        "is_preview": submission.status == Status.INSPECTED,
        "has_result": submission.status in (Status.INSPECTED, Status.REVIEWED)
        and submission.total is not None,
        "previous_level_name": None
        if submission.previous_level is None
        else level_name(submission.previous_level),
    }
    if context["reopen_to"]:
        context["reopen_to"] = Status(context["reopen_to"]).label
    return render(request, "ratings/review/detail.html", context, status=status)


@staff_required
def review(request, pk):
    return _render_review(request, _submission_for(request, pk))


def _int(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@staff_required
@require_POST
def review_final_score(request, pk):
    """Set one indicator's final score; leaving the inspectors' average needs a reason."""
    submission = _submission_for(request, pk)
    form = FinalScoreForm(request.POST)
    indicator_id = _int(request.POST.get("indicator"))
    if form.is_valid():
        with attempt() as outcome:
            panel.final_score_set(
                submission=submission,
                indicator_id=form.cleaned_data["indicator"],
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(request, _("最终得分已保存，建议星级已重新计算。"))
            return _back(submission, f"ind-{indicator_id}")
        else:
            error = outcome.text
    else:
        error = first_error(form)
    typed = {indicator_id: {"score": request.POST.get("score", ""), "reason": request.POST.get("reason", "")}}
    return _render_review(request, submission, final_errors={indicator_id: error}, final_typed=typed)


@staff_required
@require_POST
def review_adjustment(request, pk):
    """Apply a bonus/deduction item a number of times with its basis (0 times removes it)."""
    submission = _submission_for(request, pk)
    form = AdjustmentForm(request.POST)
    item_id = _int(request.POST.get("item"))
    if form.is_valid():
        with attempt() as outcome:
            panel.adjustment_set(
                submission=submission,
                item_id=form.cleaned_data["item"],
                times=form.cleaned_data["times"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(request, _("加减分已保存，建议星级已重新计算。"))
            return _back(submission, f"adj-{item_id}")
        else:
            error = outcome.text
    else:
        error = first_error(form)
    typed = {item_id: {"times": request.POST.get("times", ""), "note": request.POST.get("note", "")}}
    return _render_review(request, submission, adj_errors={item_id: error}, adj_typed=typed)


@staff_required
@require_POST
def review_veto_raise(request, pk):
    """Staff record a veto item (一票否决) against the submission, to be confirmed or cleared."""
    submission = _submission_for(request, pk)
    form = VetoRaiseForm(request.POST)
    if form.is_valid():
        with attempt(form=form) as outcome:
            veto = panel.veto_raise(
                submission=submission,
                item_id=form.cleaned_data["item"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(
                request, _("已提出一票否决事项“%(item)s”，请认定或排除。") % {"item": veto.item.title}
            )
            return _back(submission, "vetoes")
    return _render_review(request, submission, raise_form=form)


@staff_required
@require_POST
def review_veto_decide(request, pk, veto_pk):
    """Confirm (no star this cycle) or clear a raised veto item, always with a reason."""
    submission = _submission_for(request, pk)
    veto = get_object_or_404(
        VetoDecision.objects.select_related("submission__cycle"), pk=veto_pk, submission=submission
    )
    form = VetoDecideForm(request.POST)
    if form.is_valid():
        with attempt() as outcome:
            panel.veto_decide(
                veto=veto,
                confirmed=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(
                request,
                _("一票否决事项已认定。")
                if form.cleaned_data["decision"] == "confirm"
                else _("一票否决事项已排除。"),
            )
            return _back(submission, "vetoes")
        else:
            error = outcome.text
    else:
        error = first_error(form)
    return _render_review(
        request,
        submission,
        veto_errors={veto.pk: error},
        veto_typed={veto.pk: request.POST.get("reason", "")},
    )


@staff_required
@require_POST
def review_complete(request, pk):
    """完成评审: final scores default to the inspectors' average; the star level is proposed."""
    submission = _submission_for(request, pk)
    with attempt() as outcome:
        session = review_sessions.session_for_review(submission, _int(request.POST.get("session")))
        submission = panel.submission_review(submission=submission, by=request.user, session=session)
    if not outcome.ok:
        messages.error(request, _("不能完成评审：") + outcome.text)
        return _back(submission, "complete")
    messages.success(
        request, _("评审已完成，建议星级：%(level)s。") % {"level": submission.proposed_level_name}
    )
    return _back(submission)


@staff_required
@require_POST
def submission_reopen(request, pk):
    """Step the submission back one stage (re-review, re-inspection, re-check), with a reason."""
    submission = _submission_for(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        with attempt() as outcome:
            submission = panel.submission_reopen(
                submission=submission, by=request.user, reason=form.cleaned_data["reason"]
            )
        if outcome.ok:
            messages.success(
                request, _("已重新打开，当前状态：%(status)s。") % {"status": submission.get_status_display()}
            )
            return _back(submission)
        else:
            form.add_error("reason", outcome.text)
    return _render_review(request, submission, reopen_form=form)


# --- Audit log --------------------------------------------------------------------------------

ACTION_LABELS = {
    "self_score.save": gettext_lazy("自评打分"),
    "evidence.add": gettext_lazy("上传佐证材料"),
    "evidence.remove": gettext_lazy("删除佐证材料"),
    "submission.submit": gettext_lazy("提交申报"),
    "submission.return": gettext_lazy("退回"),
    "submission.accept": gettext_lazy("初核通过"),
    "submission.extend": gettext_lazy("延期"),
    "inspection.assign": gettext_lazy("分配验收人员"),
    "inspection.unassign": gettext_lazy("撤销验收分配"),
    "inspection.score": gettext_lazy("验收评分"),
    "inspection.photo": gettext_lazy("上传验收照片"),
    "inspection.sign_off": gettext_lazy("验收签字"),
    "submission.inspected": gettext_lazy("实地验收完成"),
    "review.final_score": gettext_lazy("设定最终得分"),
    "review.adjustment": gettext_lazy("加减分"),
    "veto.raise": gettext_lazy("提出一票否决"),
    "veto.decide": gettext_lazy("认定/排除一票否决"),
    "submission.review": gettext_lazy("完成评审"),
    "submission.reopen": gettext_lazy("重新打开"),
}
FIELD_LABELS = {
    "score": gettext_lazy("分值"),
    "comment": gettext_lazy("说明"),
    "finding": gettext_lazy("验收意见"),
    "status": gettext_lazy("状态"),
    "state": gettext_lazy("状态"),
    "reason": gettext_lazy("理由"),
    "times": gettext_lazy("次数"),
    "file": gettext_lazy("文件"),
    "inspector": gettext_lazy("验收人员"),
    "deadline": gettext_lazy("截止时间"),
    "item": gettext_lazy("事项"),
}
VALUE_LABELS = {**dict(Status.choices), **dict(VetoDecision.State.choices)}


def _shown(key, value):
    if value is None or value == "":
        return "—"
    if key in ("status", "state"):
        return VALUE_LABELS.get(value, value)
    return value


def _changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(FIELD_LABELS.get(k, k), _shown(k, before.get(k)), _shown(k, after.get(k))) for k in keys]


@staff_required
@require_GET
def audit_log(request, pk):
    """Every audit entry of one submission, newest first. Read-only: entries are never edited."""
    submission = _submission_for(request, pk)
    entries = (
        AuditEntry.objects.filter(target_type=Submission._meta.label_lower, target_id=str(submission.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    for entry in page:
        entry.action_label = ACTION_LABELS.get(entry.action, entry.action)
        entry.changes = _changes(entry)
    return render(request, "ratings/review/audit_log.html", {"submission": submission, "page": page})


# --- Private photos -----------------------------------------------------------------------------


def may_see_photo(user: User, photo: InspectionPhoto) -> bool:
    """Who may open an inspection photo.

    - committee staff of the submission's committee (and superusers): the panel needs them;
    - the inspector who took it, but not the other inspectors of the same submission, whose
      scoring stays independent;
    - the branch secretary of the submission once the review is complete (status REVIEWED):
      the photos then explain the result to the branch; not before, while it is being judged.
    Everybody else gets a 404, like a file that does not exist.
    """
    submission = photo.assignment.submission
    target = access.Target(
        committee_id=submission.cycle.committee_id,
        party_organization_id=submission.party_organization_id,
        inspector_ids=frozenset({photo.assignment.inspector_id}),
    )
    if access.can(user, "rating.manage", target) or access.can(user, "rating.inspect", target):
        return True
    return submission.status == Status.REVIEWED and access.can(user, "outcome.view", target)


@login_required
@require_GET
def photo_file(request, pk):
    """Serve an inspection photo after checking the user may see it (there is no MEDIA_URL)."""
    photo = get_object_or_404(InspectionPhoto.objects.select_related("assignment__submission__cycle"), pk=pk)
    if not may_see_photo(request.user, photo):
        raise Http404
    return private_file_response(
        photo.file,
        content_type=photo.content_type,
        name=photo.original_name,
        cache_control="private, max-age=3600",
    )
