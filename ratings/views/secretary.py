"""Rating views: the branch secretary's online self-assessment, and private evidence files."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches.access import role_required
from branches.models import AuditEntry, Role
from core.errors import attempt
from core.formtokens import once, replay_safe
from core.uploads import private_file_response

from ..models import Evidence, Indicator, IndicatorScore, Submission
from ..models.common import level_name
from ..workflow import edges
from ..workflow import self_assessment as assessment
from ..workflow.indicator_notes import indicator_notes
from ..workflow.meeting_evidence import attachable_meetings, linked_compliance
from ..workflow.selectors import last_return_reasons, submissions_visible_to
from .forms import EVIDENCE_ACCEPT, EvidenceUploadForm, SelfScoreForm

secretary_required = role_required(Role.SECRETARY)

# Audit actions that mark a step of a submission's way through the procedure.
TIMELINE_ACTIONS = {
    "submission.submit": gettext_lazy("提交申报"),
    "submission.return": gettext_lazy("退回修改"),
    "submission.extend": gettext_lazy("延长提交截止时间"),
    "submission.accept": gettext_lazy("初核通过，待实地验收"),
    "submission.inspected": gettext_lazy("实地验收完成"),
    "submission.review": gettext_lazy("集中评审完成"),
    "submission.reopen": gettext_lazy("重新打开"),
}
STAFF_TIMELINE_ACTIONS = {
    **TIMELINE_ACTIONS,
    "inspection.assign": gettext_lazy("分配验收人员"),
    "inspection.unassign": gettext_lazy("撤销验收分配"),
    "inspection.sign_off": gettext_lazy("验收人员签字确认"),
}


# --- Shared by the secretary and the staff pages -------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    score: IndicatorScore | None
    evidence: list = field(default_factory=list)
    reasons: list = field(default_factory=list)

    @property
    def has_score(self):
        return self.score is not None and self.score.score is not None

    @property
    def done(self):
        return self.has_score and (bool(self.evidence) or not self.indicator.evidence_required)


@dataclass
class CategoryBlock:
    category: object
    rows: list = field(default_factory=list)


def indicator_rows(submission: Submission, *, reasons=()) -> list[CategoryBlock]:
    """The rubric of the submission's cycle with its self scores and evidence: three queries."""
    indicators = (
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    scores = {s.indicator_id: s for s in IndicatorScore.objects.filter(submission=submission)}
    evidence = defaultdict(list)
    for ev in Evidence.objects.filter(submission=submission).order_by("uploaded_at", "pk"):
        evidence[ev.indicator_id].append(ev)
    by_indicator = defaultdict(list)
    for reason in reasons:
        if reason.indicator_id:
            by_indicator[reason.indicator_id].append(reason)
    blocks: list[CategoryBlock] = []
    for ind in indicators:
        if not blocks or blocks[-1].category.pk != ind.category_id:
            blocks.append(CategoryBlock(ind.category))
        blocks[-1].rows.append(IndicatorRow(ind, scores.get(ind.pk), evidence[ind.pk], by_indicator[ind.pk]))
    return blocks


def progress_of(blocks) -> tuple[int, int]:
    rows = [row for block in blocks for row in block.rows]
    return sum(row.done for row in rows), len(rows)


def progress_text(done: int, total: int) -> str:
    return _("%(done)s / %(total)s 项已完成") % {"done": done, "total": total}


def estimate_text(submission: Submission) -> str:
    """The running total of the self scores and the star it would give (an estimate)."""
    est = assessment.self_estimate(submission)
    return _(
        "自评合计 %(total)s / %(max)s 分，按分档估算为%(level)s（估算：加减分、一票否决和名额在评审时才确定）"
    ) % {
        "total": format(est["total"].normalize(), "f") if est["total"] else "0",
        "max": format(est["max"].normalize(), "f") if est["max"] else "0",
        "level": level_name(est["level"]),
    }


def submission_timeline(submission: Submission, actions=None) -> list[dict]:
    """The steps a submission has passed, from the audit log (one query)."""
    actions = actions or TIMELINE_ACTIONS
    steps = [{"at": submission.created_at, "label": _("评星启动，开始填报"), "actor": None, "note": ""}]
    entries = (
        AuditEntry.objects.filter(
            target_type=Submission._meta.label_lower, target_id=str(submission.pk), action__in=list(actions)
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    for entry in entries:
        note = entry.note
        if entry.action == "submission.extend" and entry.after:
            note = _("延期至 %(until)s；%(reason)s") % {
                "until": (entry.after.get("deadline") or "")[:16],
                "reason": entry.note,
            }
        steps.append({"at": entry.at, "label": actions[entry.action], "actor": entry.actor, "note": note})
    return steps


# --- Secretary pages -----------------------------------------------------------------------


def _submission_for(request, pk) -> Submission:
    """The secretary's own submission; anything else is 404 (do not reveal that it exists)."""
    return get_object_or_404(
        submissions_visible_to(request.user).select_related("cycle__rubric", "party_organization"), pk=pk
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _anchor(submission: Submission, indicator_id=None) -> str:
    url = reverse("ratings:self-assessment", args=[submission.pk])
    return f"{url}#ind-{indicator_id}" if indicator_id else url


@secretary_required
def my_cycles(request):
    submissions = list(
        submissions_visible_to(request.user)
        .select_related("cycle", "party_organization")
        .order_by("-cycle__year", "pk")
    )
    return render(
        request,
        "ratings/secretary/my_cycles.html",
        {
            "submissions": submissions,
            "editable": edges.EDITABLE_BY_BRANCH,
        },
    )


def _render_self_assessment(
    request,
    submission,
    *,
    score_errors=None,
    typed=None,
    upload_errors=None,
    submit_errors=None,
    page_errors=None,
    status=200,
):
    reasons = last_return_reasons(submission)
    blocks = indicator_rows(submission, reasons=reasons)
    done, total = progress_of(blocks)
    editable = submission.status in edges.EDITABLE_BY_BRANCH
    score_errors, typed, upload_errors = score_errors or {}, typed or {}, upload_errors or {}
    page_errors, submit_errors = list(page_errors or []), list(submit_errors or [])
    if not editable:  # the submit box is not shown on a read-only page
        page_errors, submit_errors = page_errors + submit_errors, []
    for block in blocks:
        for row in block.rows:
            pk = row.indicator.pk
            row.error = score_errors.get(pk, "")
            row.upload_error = upload_errors.get(pk, "")
            if pk in typed:  # keep what the user typed next to the error
                row.typed_score, row.typed_comment = typed[pk]
            else:
                row.typed_score = "" if not row.has_score else row.score.score
                row.typed_comment = row.score.comment if row.score else ""
    compliance_of = linked_compliance(submission)
    meetings_of = attachable_meetings(submission) if editable else {}
    notes_of = indicator_notes(submission)
    for block in blocks:
        for row in block.rows:
            row.compliance = compliance_of.get(row.indicator.pk)
            row.meetings = meetings_of.get(row.indicator.pk, [])
            row.notes = notes_of.get(row.indicator.code, [])
    context = {
        "submission": submission,
        "cycle": submission.cycle,
        "blocks": blocks,
        "done": done,
        "total": total,
        "progress_text": progress_text(done, total),
        "estimate_text": estimate_text(submission),
        "editable": editable,
        "can_submit": editable and not submission.deadline_passed,
        "missing": assessment.submission_missing(submission) if editable else [],
        "general_reasons": [r for r in reasons if r.indicator_id is None],
        "reasons": reasons,
        "timeline": submission_timeline(submission),
        "submit_errors": submit_errors,
        "page_errors": page_errors,
        "evidence_accept": EVIDENCE_ACCEPT,
    }
    return render(request, "ratings/secretary/self_assessment.html", context, status=status)


@secretary_required
def self_assessment(request, pk):
    return _render_self_assessment(request, _submission_for(request, pk))


@secretary_required
@require_POST
def self_score_save(request, pk, indicator_id):
    """Save one indicator. With `Accept: application/json` (the page's script) answer with the new
    progress; without script redirect back to the indicator."""
    submission = _submission_for(request, pk)
    form = SelfScoreForm(request.POST)
    error = ""
    if form.is_valid():
        with attempt(catch_denied=False) as outcome:
            assessment.self_score_save(
                submission=submission,
                indicator_id=indicator_id,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        if not outcome.ok:
            error = outcome.text
    else:
        error = "；".join(msg for errors in form.errors.values() for msg in errors)
    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        blocks = indicator_rows(submission)
        done, total = progress_of(blocks)
        row = next((r for b in blocks for r in b.rows if r.indicator.pk == indicator_id), None)
        return JsonResponse(
            {
                "ok": True,
                "done": done,
                "total": total,
                "progress_text": progress_text(done, total),
                "estimate_text": estimate_text(submission),
                "indicator_done": bool(row and row.done),
                "missing": assessment.submission_missing(submission),
            }
        )
    if error:
        if not Indicator.objects.filter(
            pk=indicator_id, category__rubric_id=submission.cycle.rubric_id
        ).exists():
            return _render_self_assessment(request, submission, page_errors=[error])
        typed = {indicator_id: (request.POST.get("score", ""), request.POST.get("comment", ""))}
        if submission.status not in edges.EDITABLE_BY_BRANCH:
            return _render_self_assessment(request, submission, page_errors=[error])
        return _render_self_assessment(request, submission, score_errors={indicator_id: error}, typed=typed)
    messages.success(request, _("已保存。"))
    return redirect(_anchor(submission, indicator_id))


@secretary_required
@require_POST
def evidence_attach_meeting(request, pk, indicator_id):
    """Attach held meetings of the branch (of a linked type) as evidence for an indicator: one or
    several at once, all or none."""
    submission = _submission_for(request, pk)
    with attempt(catch_denied=False) as outcome:
        attached = assessment.evidence_attach_meetings(
            submission=submission,
            indicator_id=indicator_id,
            meeting_ids=request.POST.getlist("meeting"),
            by=request.user,
        )
    if not outcome.ok:
        known = Indicator.objects.filter(
            pk=indicator_id, category__rubric_id=submission.cycle.rubric_id
        ).exists()
        if not known or submission.status not in edges.EDITABLE_BY_BRANCH:
            return _render_self_assessment(request, submission, page_errors=[outcome.text])
        return _render_self_assessment(request, submission, upload_errors={indicator_id: outcome.text})
    messages.success(request, _("已附上 %(n)d 条会议记录。") % {"n": len(attached)})
    return redirect(_anchor(submission, indicator_id))


@secretary_required
@require_POST
@replay_safe
def evidence_upload(request, pk, indicator_id):
    submission = _submission_for(request, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        with attempt(catch_denied=False) as outcome, once(request, "ratings.evidence") as claim:
            evidence = assessment.evidence_add(
                submission=submission,
                indicator_id=indicator_id,
                upload=form.cleaned_data["file"],
                by=request.user,
            )
            claim.done(_anchor(submission, indicator_id))
        if not outcome.ok:
            error = outcome.text
    else:
        error = "；".join(msg for errors in form.errors.values() for msg in errors)
    if error:
        known = Indicator.objects.filter(
            pk=indicator_id, category__rubric_id=submission.cycle.rubric_id
        ).exists()
        if not known or submission.status not in edges.EDITABLE_BY_BRANCH:
            return _render_self_assessment(request, submission, page_errors=[error])
        return _render_self_assessment(request, submission, upload_errors={indicator_id: error})
    messages.success(request, _("已上传“%(name)s”。") % {"name": evidence.original_name})
    return redirect(_anchor(submission, indicator_id))


@secretary_required
@require_POST
def evidence_delete(request, pk):
    evidence = get_object_or_404(
        Evidence.objects.select_related("submission", "indicator"),
        pk=pk,
        submission__in=submissions_visible_to(request.user),
    )
    submission, indicator_id = evidence.submission, evidence.indicator_id
    name = evidence.original_name
    with attempt(request, catch_denied=False) as outcome:
        assessment.evidence_remove(evidence=evidence, by=request.user)
    if outcome.ok:
        messages.success(request, _("已删除“%(name)s”。") % {"name": name})
    return redirect(_anchor(submission, indicator_id))


@secretary_required
@require_POST
def submission_submit(request, pk):
    submission = _submission_for(request, pk)
    with attempt(catch_denied=False) as outcome:
        assessment.submission_submit(submission=submission, by=request.user)
    if not outcome.ok:
        submission.refresh_from_db()
        return _render_self_assessment(request, submission, submit_errors=outcome.messages)
    messages.success(request, _("自评已提交，等待综合党委初核。"))
    return redirect("ratings:self-assessment", pk=submission.pk)


# --- Private files -------------------------------------------------------------------------


@login_required
def evidence_file(request, pk):
    """An evidence file, only for someone who may see its submission (else 404, as if absent)."""
    evidence = get_object_or_404(
        Evidence,
        pk=pk,
        submission__in=submissions_visible_to(request.user).values("pk"),
    )
    if evidence.meeting_id:
        return redirect("meetings:meeting-detail", pk=evidence.meeting_id)
    return private_file_response(
        evidence.file,
        content_type=evidence.content_type,
        name=evidence.original_name,
    )
