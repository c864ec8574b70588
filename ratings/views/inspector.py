"""Rating views: inspector (实地验收), phone first.

An inspector sees only their own assignments (anything else is a 404) and never another
inspector's scores on the same submission: each scores independently, the panel compares them.
Every write goes through the workflow services (ratings.workflow); the score form also answers a small fetch() from
static/js/inspection.js with JSON, and works the same without JavaScript.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from branches.access import role_required
from branches.models import Role, SocialOrganization
from core.errors import attempt
from core.formtokens import once, replay_safe

from ..models import (
    Evidence,
    FollowUpCheck,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    Status,
    VetoDecision,
    VetoItem,
)
from ..workflow import onsite, panel
from ..workflow.meeting_evidence import meeting_compliance_rows
from ..workflow.selectors import assignments_of
from ..workflow.versions import inspection_score_version
from .followup import inspector_followups
from .forms_review import InspectionScoreForm, PhotoUploadForm, VetoRaiseForm, first_error
from .offline import for_device

inspector_required = role_required(Role.INSPECTOR)
MAX_PHOTOS_PER_UPLOAD = 10
DONE_PER_PAGE = 20  # signed or ended visits per page of the list


def _assignment_for(request, pk) -> InspectionAssignment:
    """The user's own assignment; someone else's (or a missing one) is a 404."""
    return get_object_or_404(
        InspectionAssignment.objects.select_related(
            "submission__cycle", "submission__party_organization", "inspector"
        ),
        pk=pk,
        inspector=request.user,
    )


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _back(assignment, indicator_id=None):
    url = reverse("ratings:inspection", args=[assignment.pk])
    return redirect(f"{url}#ind-{indicator_id}" if indicator_id else url)


def _indicator_count():
    """Indicators of the assignment's rubric, as a subquery (one query for the whole list)."""
    return Subquery(
        Indicator.objects.filter(category__rubric_id=OuterRef("submission__cycle__rubric_id"))
        .order_by()
        .values("category__rubric_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _scored_count():
    """Scores the assignment has, as a subquery: computed for the rows shown, not grouped over all."""
    return Coalesce(
        Subquery(
            InspectionScore.objects.filter(assignment=OuterRef("pk"), score__isnull=False)
            .order_by()
            .values("assignment")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


# --- List ---------------------------------------------------------------------------------


@inspector_required
def inspections(request):
    """The inspector's visits: every open one, then the signed or ended ones a page at a time.

    Open visits are the work at hand and the offline copy needs every one of them; finished ones
    pile up year after year, so they are paged and the page stays the same size however many
    there are."""
    visits = (
        assignments_of(request.user)
        .annotate(scored=_scored_count(), indicator_count=_indicator_count())
        .prefetch_related(
            Prefetch(
                "submission__party_organization__organizations",
                queryset=SocialOrganization.objects.order_by("name", "pk"),
            )
        )
    )
    open_assignments = list(
        visits.filter(onsite.OPEN_VISIT).order_by(
            "-submission__cycle__year", "submission__party_organization__name", "pk"
        )
    )
    done = Paginator(
        visits.exclude(onsite.OPEN_VISIT).order_by(
            F("signed_off_at").desc(nulls_first=True), "submission__party_organization__name", "pk"
        ),
        DONE_PER_PAGE,
    ).get_page(request.GET.get("page"))
    response = render(
        request,
        "ratings/inspector/list.html",
        {
            "open_assignments": open_assignments,
            "page": done,
            "done_assignments": done.object_list,
            "followups": list(inspector_followups(request.user).filter(state=FollowUpCheck.State.OPEN)),
        },
    )
    return for_device(response, request.user)


# --- One assignment -------------------------------------------------------------------------


@dataclass
class Row:
    indicator: Indicator
    self_score: IndicatorScore | None
    evidence: list[Evidence]
    mine: InspectionScore | None
    photos: list[InspectionPhoto]
    error: str = ""
    photo_error: str = ""
    typed: dict = field(default_factory=dict)

    @property
    def score_value(self):
        if "score" in self.typed:
            return self.typed["score"]
        return "" if self.mine is None or self.mine.score is None else self.mine.score

    @property
    def finding_value(self):
        if "finding" in self.typed:
            return self.typed["finding"]
        return self.mine.finding if self.mine else ""

    @property
    def version(self) -> str:
        """The version of the saved score, which an offline change names when it is sent."""
        return inspection_score_version(self.mine)

    @property
    def scored(self) -> bool:
        return self.mine is not None and self.mine.score is not None


def _unscored_texts(total: int) -> list[str]:
    """The sign-off warning's words for each number of indicators still unscored (1 to total), so
    that the page's script can keep the warning true as scores are saved, in the plural forms of
    whatever language the page is in."""
    return [
        ngettext("还有 %(n)s 个指标未评分：", "还有 %(n)s 个指标未评分：", n) % {"n": n}
        for n in range(1, total + 1)
    ]


def _render_inspection(
    request, assignment, *, errors=None, photo_errors=None, typed=None, veto_form=None, status=200
):
    """The assignment page; errors and typed values are keyed by indicator id (an error for an
    indicator not on the page, e.g. a tampered id, is shown at the top)."""
    errors, photo_errors, typed = errors or {}, photo_errors or {}, typed or {}
    submission = assignment.submission
    indicators = list(
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id)
        .select_related("category")
        .order_by("category__order", "category_id", "order", "pk")
    )
    mine = {s.indicator_id: s for s in assignment.scores.all()}
    photos = defaultdict(list)
    for p in assignment.photos.order_by("taken_at", "pk"):
        photos[p.indicator_id].append(p)
    self_scores = {s.indicator_id: s for s in submission.scores.all()}
    evidence = defaultdict(list)
    for ev in submission.evidence.order_by("uploaded_at", "pk"):
        evidence[ev.indicator_id].append(ev)
    rows = [
        Row(
            indicator=ind,
            self_score=self_scores.get(ind.pk),
            evidence=evidence[ind.pk],
            mine=mine.get(ind.pk),
            photos=photos[ind.pk],
            error=errors.get(ind.pk, ""),
            photo_error=photo_errors.get(ind.pk, ""),
            typed=typed.get(ind.pk, {}),
        )
        for ind in indicators
    ]
    shown = {r.indicator.pk for r in rows}
    page_error = " ".join(
        dict.fromkeys(m for key, m in [*errors.items(), *photo_errors.items()] if m and key not in shown)
    )
    vetoes = list(
        VetoDecision.objects.filter(submission=submission)
        .select_related("item")
        .order_by("item__order", "pk")
    )
    unscored = [r.indicator for r in rows if not r.scored]
    texts = _unscored_texts(len(rows))
    context = {
        "meeting_compliance": meeting_compliance_rows(submission),
        "assignment": assignment,
        "submission": submission,
        "organizations": list(submission.party_organization.organizations.order_by("name", "pk")),
        "rows": rows,
        "scored_count": sum(1 for r in rows if r.scored),
        "unscored": unscored,
        "unscored_text": texts[len(unscored) - 1] if unscored else "",
        "unscored_texts": json.dumps(texts, ensure_ascii=False),
        "editable": onsite.visit_is_open(assignment),
        "veto_items": list(VetoItem.objects.filter(rubric_id=submission.cycle.rubric_id)),
        "vetoes": vetoes,
        "page_error": page_error,
        "veto_form": veto_form or VetoRaiseForm(),
    }
    return render(request, "ratings/inspector/detail.html", context, status=status)


@inspector_required
def inspection(request, pk):
    return for_device(_render_inspection(request, _assignment_for(request, pk)), request.user)


def _indicator_key(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@inspector_required
@require_POST
def inspection_score_save(request, pk):
    """Save one indicator's score and finding (the form posts one indicator at a time)."""
    assignment = _assignment_for(request, pk)
    form = InspectionScoreForm(request.POST)
    indicator_id = _indicator_key(request.POST.get("indicator"))
    row = None
    if form.is_valid():
        with attempt() as outcome:
            row = onsite.inspection_score_save(
                assignment=assignment,
                indicator_id=form.cleaned_data["indicator"],
                score=form.cleaned_data["score"],
                finding=form.cleaned_data["finding"],
                by=request.user,
            )
        error = outcome.text
    else:
        error = first_error(form)

    if row is not None:
        at = timezone.localtime(row.recorded_at).strftime("%H:%M")
        text = _("已保存（%(time)s 记录）") % {"time": at}
        if _wants_json(request):
            scored = assignment.scores.filter(score__isnull=False).count()
            return JsonResponse(
                {
                    "ok": True,
                    "message": text,
                    "recorded_at": row.recorded_at.isoformat(),
                    "score": None if row.score is None else str(row.score),
                    "scored": scored,
                    "version": inspection_score_version(row),
                }
            )
        messages.success(request, _("指标 %(code)s ") % {"code": row.indicator.code} + text)
        return _back(assignment, row.indicator_id)

    if _wants_json(request):
        return JsonResponse({"ok": False, "error": error}, status=400)
    typed = {
        indicator_id: {"score": request.POST.get("score", ""), "finding": request.POST.get("finding", "")}
    }
    return _render_inspection(request, assignment, errors={indicator_id: error}, typed=typed)


@inspector_required
@require_POST
@replay_safe
def inspection_photo_upload(request, pk):
    """Add photos taken on site to one indicator; each file is checked by content."""
    assignment = _assignment_for(request, pk)
    form = PhotoUploadForm(request.POST)
    files = request.FILES.getlist("photo")
    indicator_id = _indicator_key(request.POST.get("indicator"))
    problems, saved = [], 0
    if not form.is_valid():
        problems.append(_("请在某个指标下上传照片。"))
    elif not files:
        problems.append(_("请先拍照或选择照片，再点“上传照片”。"))
    elif len(files) > MAX_PHOTOS_PER_UPLOAD:
        problems.append(_("一次最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS_PER_UPLOAD})
    else:
        with once(request, "ratings.inspection-photo") as claim:
            for upload in files:
                with attempt() as outcome:
                    onsite.inspection_photo_add(
                        assignment=assignment,
                        indicator_id=form.cleaned_data["indicator"],
                        upload=upload,
                        by=request.user,
                    )
                if outcome.ok:
                    saved += 1
                else:
                    problems.append(outcome.text)
            if saved:
                claim.done(_back(assignment, indicator_id).url)
            else:
                transaction.set_rollback(True)  # nothing saved: the form may be sent again
    if saved:
        messages.success(request, _("已上传 %(n)d 张照片。") % {"n": saved})
    if not problems:
        return _back(assignment, indicator_id)
    text = " ".join(problems)
    return _render_inspection(request, assignment, photo_errors={indicator_id: text})


@inspector_required
@require_POST
def inspection_sign_off(request, pk):
    """Sign off one's own results; the last required signature completes the inspection."""
    assignment = _assignment_for(request, pk)
    with attempt() as outcome:
        onsite.inspection_sign_off(assignment=assignment, by=request.user)
    if not outcome.ok:
        messages.error(request, _("不能签字确认：") + outcome.text)
        return _back(assignment)
    assignment.submission.refresh_from_db(fields=["status"])
    if assignment.submission.status == Status.INSPECTED:
        messages.success(request, _("已签字确认。全部验收人员均已签字，本次实地验收完成。"))
    else:
        messages.success(request, _("已签字确认。其他验收人员签字后，实地验收即完成。"))
    return _back(assignment)


@inspector_required
@require_POST
def inspection_veto_raise(request, pk):
    """An inspector reports a possible veto item (一票否决) for the panel to decide."""
    assignment = _assignment_for(request, pk)
    form = VetoRaiseForm(request.POST)
    if not onsite.visit_is_open(assignment):
        messages.error(request, _("您已签字确认或验收已结束，不能再提出一票否决；如有情况请联系综合党委。"))
        return _back(assignment)
    if form.is_valid():
        with attempt(form=form) as outcome:
            veto = panel.veto_raise(
                submission=assignment.submission,
                item_id=form.cleaned_data["item"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        if outcome.ok:
            messages.success(
                request, _("已提出一票否决事项“%(item)s”，由评审组认定。") % {"item": veto.item.title}
            )
            return redirect(reverse("ratings:inspection", args=[assignment.pk]) + "#veto")
    return _render_inspection(request, assignment, veto_form=form)


@role_required(Role.INSPECTOR)
@require_POST
def inspection_photo_remove(request, pk):
    """Remove one of the inspector's own photos before sign-off."""
    photo = get_object_or_404(
        InspectionPhoto.objects.select_related("assignment").filter(assignment__inspector=request.user), pk=pk
    )
    with attempt(request, catch_denied=False) as outcome:
        onsite.inspection_photo_remove(photo=photo, by=request.user)
    if outcome.ok:
        messages.success(request, _("已删除照片。"))
    return _back(photo.assignment, photo.indicator_id)
