"""Every write of the rating procedure. One service per workflow edge (STYLE.md)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from branches.models import PartyOrganization, Role, User
from branches.services import audit_record
from core.uploads import DOCUMENTS, IMAGES, sniff

from . import rules, tasks
from .models import (
    AdjustmentItem,
    AppliedAdjustment,
    Cycle,
    CycleExclusion,
    Evidence,
    FinalScore,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    ReturnReason,
    Rubric,
    StarBand,
    Status,
    Submission,
    VetoDecision,
    VetoItem,
    validate_half_step,
)
from .tally import tally_request


class TransitionNotAllowed(ValidationError):
    """The action does not apply to the submission in its current state."""


ACTION_LABELS = {
    "submit": "提交",
    "return": "退回",
    "accept": "初核通过",
    "sign_off": "验收签字",
    "review": "完成评审",
    "reopen": "重新打开",
}

# Where each action may start, and where it leads. Reopen steps back one stage.
TRANSITIONS = {
    "submit": {Status.DRAFT: Status.SUBMITTED, Status.RETURNED: Status.SUBMITTED},
    "return": {Status.SUBMITTED: Status.RETURNED},
    "accept": {Status.SUBMITTED: Status.ACCEPTED},
    "sign_off": {Status.ACCEPTED: Status.ACCEPTED},  # to INSPECTED once every inspector has signed
    "review": {Status.INSPECTED: Status.REVIEWED},
    "reopen": {
        Status.REVIEWED: Status.INSPECTED,
        Status.INSPECTED: Status.ACCEPTED,
        Status.ACCEPTED: Status.SUBMITTED,
    },
}
EDITABLE_BY_BRANCH = {Status.DRAFT, Status.RETURNED}


def _lock(submission: Submission) -> Submission:
    # of=self: lock the submission only; locking the joined cycle row would make every write in a
    # cycle wait for every other (and deadlock against cycle_recompute_levels, which locks the cycle first).
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cycle", "party_organization")
        .get(pk=submission.pk)
    )


def _require(submission: Submission, action: str) -> Status:
    allowed = TRANSITIONS[action]
    if submission.status not in allowed:
        raise TransitionNotAllowed(
            "当前状态为“%(state)s”，不能%(action)s。"
            % {"state": Status(submission.status).label, "action": ACTION_LABELS[action]},
            code="transition_not_allowed",
        )
    return allowed[submission.status]


def _audit(by, action, target, *, submission=None, before=None, after=None, note=""):
    sub = submission or target
    return audit_record(
        actor=by,
        action=action,
        target=target,
        before=before,
        after=after,
        note=note,
        committee_id=sub.cycle.committee_id,
    )


def _require_staff(by: User, committee_id: int):
    if not (by.is_superuser or (by.role == Role.STAFF and by.committee_id == committee_id)):
        raise PermissionDenied("只有本综合党委工作人员可以进行此操作。")


def _require_secretary(by: User, submission: Submission):
    if not (by.role == Role.SECRETARY and by.party_organization_id == submission.party_organization_id):
        raise PermissionDenied("只有本党组织的书记可以填报。")


def _score_bounds(score, indicator: Indicator, label="得分"):
    if score is None:
        return None
    try:
        score = Decimal(str(score))
    except ArithmeticError as exc:
        raise ValidationError("%s不是有效数字。" % label) from exc
    if not score.is_finite():  # NaN would raise InvalidOperation in the comparisons below
        raise ValidationError("%s不是有效数字。" % label)
    if score < 0 or score > indicator.max_score:
        raise ValidationError(
            "指标 %(code)s 的%(label)s应在 0 到 %(max)s 之间，而不是 %(v)s。"
            % {"code": indicator.code, "label": label, "max": indicator.max_score, "v": score}
        )
    validate_half_step(score)
    return score


def _indicator_of(submission: Submission, indicator_id) -> Indicator:
    try:
        return Indicator.objects.select_related("category").get(
            pk=indicator_id, category__rubric_id=submission.cycle.rubric_id
        )
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError("该指标不属于本周期的测评标准。") from exc


# --- Rubric -------------------------------------------------------------------------------


def rubric_check(rubric: Rubric) -> list[str]:
    """What is wrong with a rubric before a cycle may use it (empty list: fine)."""
    problems = []
    indicators = list(rubric.indicators())
    if not indicators:
        problems.append("测评标准没有任何二级指标。")
    bands = list(rubric.bands.order_by("-level"))
    if not bands:
        problems.append("没有设置星级分数线。")
    for higher, lower in zip(bands, bands[1:], strict=False):
        if higher.min_total <= lower.min_total:
            problems.append(f"{higher} 的分数线应高于 {lower}。")
    total = sum((i.max_score for i in indicators), Decimal(0))
    if bands and bands[0].min_total > total + rubric.bonus_cap:
        problems.append(
            f"最高星级分数线 {bands[0].min_total} 超过了可能的最高总分 {total + rubric.bonus_cap}。"
        )
    return problems


@transaction.atomic
def rubric_copy(*, rubric: Rubric, by: User) -> Rubric:
    """Copy a rubric (e.g. last year's) into the next version, unfrozen and ready to edit."""
    _require_staff(by, rubric.committee_id)
    last = (
        Rubric.objects.select_for_update()
        .filter(committee_id=rubric.committee_id)
        .order_by("-version")
        .first()
    )
    new = Rubric.objects.create(
        committee_id=rubric.committee_id,
        name=rubric.name,
        version=last.version + 1,
        based_on=rubric,
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        promotion_limit=rubric.promotion_limit,
        plaque_min_level=rubric.plaque_min_level,
        quota_tie_rule=rubric.quota_tie_rule,
    )
    for cat in rubric.categories.prefetch_related(
        "indicators__meeting_types" if _has_meeting_link() else "indicators"
    ):
        new_cat = new.categories.create(code=cat.code, title=cat.title, order=cat.order)
        for ind in cat.indicators.all():
            new_ind = new_cat.indicators.create(
                code=ind.code,
                title=ind.title,
                evidence_description=ind.evidence_description,
                max_score=ind.max_score,
                evidence_required=ind.evidence_required,
                guidance=ind.guidance,
                order=ind.order,
            )
            if _has_meeting_link():
                new_ind.meeting_types.set(ind.meeting_types.all())
    for adj in rubric.adjustments.all():
        AdjustmentItem.objects.create(
            rubric=new,
            kind=adj.kind,
            code=adj.code,
            title=adj.title,
            points=adj.points,
            max_points=adj.max_points,
            order=adj.order,
        )
    for veto in rubric.vetoes.all():
        VetoItem.objects.create(rubric=new, code=veto.code, title=veto.title, order=veto.order)
    for band in rubric.bands.all():
        StarBand.objects.create(
            rubric=new, level=band.level, min_total=band.min_total, quota_percent=band.quota_percent
        )
    audit_record(
        actor=by, action="rubric.copy", target=new, after={"based_on": rubric.pk, "version": new.version}
    )
    return new


def _has_meeting_link() -> bool:
    return any(f.name == "meeting_types" for f in Indicator._meta.get_fields())


def rules_for(rubric: Rubric) -> rules.Rules:
    return rules.Rules(
        bands=tuple(rules.Band(b.level, b.min_total, b.quota_percent) for b in rubric.bands.all()),
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        promotion_limit=rubric.promotion_limit,
        exclude_ties=rubric.quota_tie_rule == Rubric.TieRule.EXCLUDE,
    )


# --- Cycle --------------------------------------------------------------------------------


@transaction.atomic
def cycle_open(*, cycle: Cycle, by: User, exclusions: dict[int, str] | None = None) -> Cycle:
    """Start a cycle: freeze its rubric and create a draft submission for every active party
    organisation of the committee that is not excluded (with a reason)."""
    cycle = Cycle.objects.select_for_update().select_related("rubric").get(pk=cycle.pk)
    _require_staff(by, cycle.committee_id)
    if cycle.status != Cycle.Status.DRAFT:
        raise TransitionNotAllowed("评星周期已启动，不能重复启动。")
    problems = rubric_check(cycle.rubric)
    if problems:
        raise ValidationError(problems)
    exclusions = exclusions or {}
    for po_id, reason in exclusions.items():
        if not (reason or "").strip():
            raise ValidationError("不参评的党组织必须说明原因。")
        CycleExclusion.objects.update_or_create(
            cycle=cycle, party_organization_id=po_id, defaults={"reason": reason.strip()}
        )
    excluded = set(cycle.exclusions.values_list("party_organization_id", flat=True))
    pos = PartyOrganization.objects.filter(committee_id=cycle.committee_id, is_active=True).exclude(
        pk__in=excluded
    )
    Submission.objects.bulk_create(
        [Submission(cycle=cycle, party_organization=po) for po in pos], ignore_conflicts=True
    )
    if cycle.rubric.frozen_at is None:
        Rubric.objects.filter(pk=cycle.rubric_id).update(frozen_at=timezone.now())
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    audit_record(
        actor=by,
        action="cycle.open",
        target=cycle,
        after={"submissions": cycle.submissions.count(), "excluded": sorted(excluded)},
    )
    transaction.on_commit(lambda: tasks.notify_cycle_opened.delay(cycle.pk), robust=True)
    return cycle


@transaction.atomic
def cycle_create(*, cycle: Cycle, by: User) -> Cycle:
    """Staff prepare a yearly cycle on a rubric of their committee; it stays in 筹备 until opened."""
    if cycle.pk:
        raise ValidationError("该评星周期已经创建。")
    _require_staff(by, cycle.committee_id)
    cycle.status = Cycle.Status.DRAFT
    cycle.full_clean()
    cycle.save()
    audit_record(
        actor=by, action="cycle.create", target=cycle, after={"year": cycle.year, "rubric": cycle.rubric_id}
    )
    return cycle


def cycle_exclusion_set(
    *, cycle: Cycle, party_organization: PartyOrganization, reason: str, by: User
) -> CycleExclusion:
    """Leave a party organisation out of a cycle before it opens, with the reason."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _require_staff(by, cycle.committee_id)
        if cycle.status != Cycle.Status.DRAFT:
            raise TransitionNotAllowed("评星周期已启动，不能再调整参评党组织。")
        if party_organization.committee_id != cycle.committee_id:
            raise ValidationError("该党组织不属于本综合党委。")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("不参评的党组织必须说明原因。")
        exclusion, _created = CycleExclusion.objects.update_or_create(
            cycle=cycle, party_organization=party_organization, defaults={"reason": reason[:300]}
        )
        audit_record(
            actor=by,
            action="cycle.exclude",
            target=cycle,
            after={"party_organization": party_organization.pk, "reason": reason[:300]},
            note=str(party_organization),
        )
    return exclusion


def cycle_exclusion_remove(*, exclusion: CycleExclusion, by: User) -> None:
    """Take a party organisation back into a cycle that has not opened yet."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=exclusion.cycle_id)
        _require_staff(by, cycle.committee_id)
        if cycle.status != Cycle.Status.DRAFT:
            raise TransitionNotAllowed("评星周期已启动，不能再调整参评党组织。")
        audit_record(
            actor=by,
            action="cycle.include",
            target=cycle,
            before={"party_organization": exclusion.party_organization_id, "reason": exclusion.reason},
            note=str(exclusion.party_organization),
        )
        exclusion.delete()


# --- Self-assessment (branch secretary) ---------------------------------------------------


def self_score_save(*, submission: Submission, indicator_id, score, comment: str, by: User) -> IndicatorScore:
    """Save one indicator of the self-assessment; allowed while the branch holds the submission."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_secretary(by, submission)
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(
                "申报已提交，不能再修改（当前状态：%s）。" % Status(submission.status).label
            )
        indicator = _indicator_of(submission, indicator_id)
        score = _score_bounds(score, indicator, "自评分")
        comment = (comment or "").strip()
        if len(comment) > 2000:
            raise ValidationError("自评说明不能超过2000字。")
        row, _created = IndicatorScore.objects.get_or_create(submission=submission, indicator=indicator)
        before = {"score": _s(row.score), "comment": row.comment}
        row.score, row.comment = score, comment
        row.save()
        after = {"score": _s(score), "comment": comment}
        if before != after:
            _audit(by, "self_score.save", submission, before=before, after=after, note=indicator.code)
    return row


def _s(value):
    if isinstance(value, Decimal):  # 30.0 read back from the database and 30 typed are the same score
        return format(value.normalize(), "f")
    return None if value is None else str(value)


def evidence_add(*, submission: Submission, indicator_id, upload, by: User) -> Evidence:
    with transaction.atomic():
        submission = _lock(submission)
        _require_secretary(by, submission)
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed("申报已提交，不能再上传佐证材料。")
        indicator = _indicator_of(submission, indicator_id)
        mime = sniff(upload, DOCUMENTS)
        ev = Evidence(
            submission=submission,
            indicator=indicator,
            original_name=upload.name[:200],
            content_type=mime,
            size=upload.size,
            uploaded_by=by,
        )
        ev.file.save(_safe_name(upload.name), upload, save=False)
        ev.save()
        _audit(by, "evidence.add", submission, after={"file": ev.original_name}, note=indicator.code)
    return ev


def evidence_attach_meeting(*, submission: Submission, indicator_id, meeting_id, by: User) -> Evidence:
    """Attach a held meeting record of the branch, of a type linked to the indicator, as evidence."""
    from meetings.models import Meeting, MeetingStatus

    from .meeting_evidence import indicator_codes

    with transaction.atomic():
        submission = _lock(submission)
        _require_secretary(by, submission)
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed("申报已提交，不能再添加佐证材料。")
        indicator = _indicator_of(submission, indicator_id)
        codes = indicator_codes(submission.cycle.rubric_id).get(indicator.pk, [])
        if not codes:
            raise ValidationError("指标 %s 没有关联会议类型，不能以会议记录作佐证。" % indicator.code)
        meeting = (
            Meeting.objects.select_related("meeting_type")
            .filter(pk=meeting_id, party_organization_id=submission.party_organization_id)
            .first()
        )
        if meeting is None:
            raise ValidationError("找不到本党组织的这条会议记录。")
        if (
            meeting.status != MeetingStatus.HELD
            or timezone.localtime(meeting.starts_at).year != submission.cycle.year
        ):
            raise ValidationError("只能附上%s年已召开的会议记录。" % submission.cycle.year)
        if meeting.meeting_type.code not in codes:
            raise ValidationError(
                "“%s”不是指标 %s 关联的会议类型。" % (meeting.meeting_type.name, indicator.code)
            )
        if submission.evidence.filter(indicator=indicator, meeting=meeting).exists():
            raise ValidationError("这条会议记录已经附上。")
        name = f"会议记录：{timezone.localtime(meeting.starts_at):%Y-%m-%d} {meeting.meeting_type.name} {meeting.topic}"
        ev = Evidence.objects.create(
            submission=submission,
            indicator=indicator,
            meeting=meeting,
            original_name=name[:200],
            uploaded_by=by,
        )
        _audit(by, "evidence.meeting", submission, after={"meeting": meeting.pk}, note=indicator.code)
    return ev


def _safe_name(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return f"{timezone.now():%Y%m%d%H%M%S%f}.{ext}"


def evidence_remove(*, evidence: Evidence, by: User) -> None:
    with transaction.atomic():
        submission = _lock(evidence.submission)
        _require_secretary(by, submission)
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed("申报已提交，不能再删除佐证材料。")
        _audit(
            by,
            "evidence.remove",
            submission,
            before={"file": evidence.original_name},
            note=evidence.indicator.code,
        )
        stored = evidence.file.name
        evidence.delete()
        if stored:  # a meeting record attached as evidence has no file
            transaction.on_commit(lambda: evidence.file.storage.delete(stored))


def submission_missing(submission: Submission) -> list[str]:
    """Exactly what keeps a self-assessment from being complete (empty list: complete)."""
    indicators = list(
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).order_by(
            "category__order", "order", "pk"
        )
    )
    scored = set(submission.scores.filter(score__isnull=False).values_list("indicator_id", flat=True))
    with_evidence = set(submission.evidence.values_list("indicator_id", flat=True))
    missing = []
    for ind in indicators:
        if ind.pk not in scored:
            missing.append(f"{ind.code} {ind.title}：未填写自评分")
        if ind.evidence_required and ind.pk not in with_evidence:
            missing.append(f"{ind.code} {ind.title}：须上传佐证材料")
    return missing


def submission_submit(*, submission: Submission, by: User) -> Submission:
    """Branch secretary hands the self-assessment to the committee."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_secretary(by, submission)
        target = _require(submission, "submit")
        if submission.deadline_passed:
            raise TransitionNotAllowed(
                "自评截止时间（%s）已过，不能再提交；如需延期请联系综合党委。"
                % timezone.localtime(submission.deadline).strftime("%Y-%m-%d %H:%M")
            )
        missing = submission_missing(submission)
        if missing:
            raise ValidationError(["还不能提交，以下内容未完成："] + missing, code="incomplete")
        before = submission.status
        submission.status = target
        submission.submitted_at = timezone.now()
        submission.save(update_fields=["status", "submitted_at"])
        _audit(by, "submission.submit", submission, before={"status": before}, after={"status": target})
    return submission


# --- Preliminary check (committee staff) ----------------------------------------------------


def submission_return(
    *, submission: Submission, by: User, reasons: list[tuple[int | None, str]]
) -> Submission:
    """Staff send the self-assessment back to the branch with reasons (per indicator or general)."""
    reasons = [(ind, (text or "").strip()) for ind, text in reasons if (text or "").strip()]
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        target = _require(submission, "return")
        if not reasons:
            raise ValidationError("退回时至少要写明一条原因。")
        last_round = submission.return_reasons.order_by("-round").values_list("round", flat=True).first() or 0
        rows = []
        for indicator_id, text in reasons:
            indicator = _indicator_of(submission, indicator_id) if indicator_id else None
            rows.append(
                ReturnReason(
                    submission=submission,
                    indicator=indicator,
                    reason=text[:2000],
                    round=last_round + 1,
                    created_by=by,
                )
            )
        ReturnReason.objects.bulk_create(rows)
        submission.status = target
        submission.save(update_fields=["status"])
        _audit(
            by,
            "submission.return",
            submission,
            before={"status": Status.SUBMITTED},
            after={"status": target},
            note="；".join(t for _i, t in reasons),
        )
        transaction.on_commit(
            lambda: tasks.notify_submission_returned.delay(submission.pk, last_round + 1), robust=True
        )
    return submission


def submission_accept(*, submission: Submission, by: User) -> Submission:
    """Staff accept the self-assessment for on-site inspection."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        target = _require(submission, "accept")
        submission.status = target
        submission.accepted_at = timezone.now()
        submission.save(update_fields=["status", "accepted_at"])
        _audit(
            by, "submission.accept", submission, before={"status": Status.SUBMITTED}, after={"status": target}
        )
    return submission


def submission_extend_deadline(
    *, submission: Submission, until: dt.datetime, reason: str, by: User
) -> Submission:
    """Staff give one branch more time to submit."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed("只有尚未提交的申报可以延期。")
        if not (reason or "").strip():
            raise ValidationError("延期必须说明原因。")
        if until <= timezone.now():
            raise ValidationError("延期后的截止时间必须晚于现在。")
        before = submission.deadline_extended_to
        submission.deadline_extended_to = until
        submission.save(update_fields=["deadline_extended_to"])
        _audit(
            by,
            "submission.extend",
            submission,
            before={"deadline": _s(before)},
            after={"deadline": _s(until)},
            note=reason.strip(),
        )
    return submission


def conflict_reason(inspector: User, submission: Submission) -> str | None:
    """Why this inspector may not inspect this submission (回避), or None."""
    orgs = list(submission.party_organization.organizations.values_list("pk", flat=True))
    conflict = (
        InspectorConflict.objects.filter(inspector=inspector, organization_id__in=orgs)
        .select_related("organization")
        .first()
    )
    if conflict:
        return "%s与%s存在关联（%s%s），须回避。" % (
            inspector,
            conflict.organization,
            conflict.get_kind_display(),
            "：" + conflict.note if conflict.note else "",
        )
    if inspector.memberships.filter(party_organization_id=submission.party_organization_id).exists():
        return "%s是%s的党员，须回避。" % (inspector, submission.party_organization)
    return None


def inspector_assign(*, submission: Submission, inspector: User, by: User) -> InspectionAssignment:
    """Assign an inspector to a submission accepted for inspection, refusing conflicts of interest."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        if submission.status != Status.ACCEPTED:
            raise TransitionNotAllowed("只能为“待实地验收”的申报分配验收人员。")
        if inspector.role != Role.INSPECTOR or inspector.committee_id != submission.cycle.committee_id:
            raise ValidationError("%s不是本综合党委的验收人员。" % inspector)
        reason = conflict_reason(inspector, submission)
        if reason:
            raise ValidationError(reason, code="conflict_of_interest")
        assignment, created = InspectionAssignment.objects.get_or_create(
            submission=submission, inspector=inspector, defaults={"assigned_by": by}
        )
        if not created:
            raise ValidationError("%s已经分配给该申报。" % inspector)
        _audit(by, "inspection.assign", submission, after={"inspector": inspector.pk}, note=str(inspector))
        transaction.on_commit(lambda: tasks.notify_inspection_assigned.delay(assignment.pk), robust=True)
    return assignment


def inspector_unassign(*, assignment: InspectionAssignment, by: User) -> None:
    with transaction.atomic():
        submission = _lock(assignment.submission)
        _require_staff(by, submission.cycle.committee_id)
        if submission.status != Status.ACCEPTED or assignment.signed_off_at:
            raise TransitionNotAllowed("已签字或验收已完成，不能撤销分配。")
        _audit(
            by,
            "inspection.unassign",
            submission,
            before={"inspector": assignment.inspector_id},
            note=str(assignment.inspector),
        )
        assignment.delete()
        _complete_inspection_if_signed(submission, by)


# --- On-site inspection (inspector) ---------------------------------------------------------


def _lock_assignment(assignment: InspectionAssignment, by: User) -> InspectionAssignment:
    assignment = (
        InspectionAssignment.objects.select_for_update(of=("self",))
        .select_related("submission__cycle", "submission__party_organization", "inspector")
        .get(pk=assignment.pk)
    )
    if assignment.inspector_id != by.pk:
        raise PermissionDenied("只能填写分配给自己的验收。")
    if assignment.submission.status != Status.ACCEPTED:
        raise TransitionNotAllowed("验收已结束，不能再修改。")
    if assignment.signed_off_at:
        raise TransitionNotAllowed("您已签字确认，不能再修改。")
    return assignment


def inspection_score_save(
    *, assignment: InspectionAssignment, indicator_id, score, finding: str, by: User
) -> InspectionScore:
    """One inspector records a score and finding for one indicator (time recorded)."""
    with transaction.atomic():
        assignment = _lock_assignment(assignment, by)
        submission = assignment.submission
        indicator = _indicator_of(submission, indicator_id)
        score = _score_bounds(score, indicator, "验收分")
        finding = (finding or "").strip()[:2000]
        row, _created = InspectionScore.objects.select_for_update().get_or_create(
            assignment=assignment, indicator=indicator
        )
        before = {"score": _s(row.score), "finding": row.finding}
        row.score, row.finding, row.recorded_at = score, finding, timezone.now()
        row.save()
        after = {"score": _s(score), "finding": finding}
        if before != after:
            _audit(by, "inspection.score", submission, before=before, after=after, note=indicator.code)
    return row


def inspection_photo_add(
    *, assignment: InspectionAssignment, indicator_id, upload, by: User
) -> InspectionPhoto:
    with transaction.atomic():
        assignment = _lock_assignment(assignment, by)
        indicator = _indicator_of(assignment.submission, indicator_id)
        mime = sniff(upload, IMAGES)
        photo = InspectionPhoto(
            assignment=assignment,
            indicator=indicator,
            original_name=upload.name[:200],
            content_type=mime,
            size=upload.size,
        )
        photo.file.save(_safe_name(upload.name), upload, save=False)
        photo.save()
        _audit(
            by,
            "inspection.photo",
            assignment.submission,
            after={"file": photo.original_name},
            note=indicator.code,
        )
    return photo


def inspection_sign_off(*, assignment: InspectionAssignment, by: User) -> InspectionAssignment:
    """An inspector signs off their scores; the last required signature completes the inspection."""
    with transaction.atomic():
        submission = _lock(assignment.submission)
        assignment = _lock_assignment(assignment, by)
        _require(submission, "sign_off")
        indicators = set(
            Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).values_list(
                "pk", flat=True
            )
        )
        scored = set(assignment.scores.filter(score__isnull=False).values_list("indicator_id", flat=True))
        if indicators - scored:
            codes = (
                Indicator.objects.filter(pk__in=indicators - scored)
                .order_by("category__order", "order")
                .values_list("code", flat=True)
            )
            raise ValidationError("还有指标未评分：%s。" % "、".join(codes), code="incomplete")
        assignment.signed_off_at = timezone.now()
        assignment.save(update_fields=["signed_off_at"])
        _audit(by, "inspection.sign_off", submission, note=str(by))
        _complete_inspection_if_signed(submission, by)
    return assignment


def _complete_inspection_if_signed(submission: Submission, by: User) -> None:
    """ACCEPTED → INSPECTED once enough inspectors are assigned and all of them have signed
    (after a signature, or after the last one yet to sign is unassigned). Caller holds the lock."""
    required = RatingSettings.for_committee(submission.cycle.committee_id).min_inspectors
    assignments = list(submission.assignments.all())
    if len(assignments) >= required and all(a.signed_off_at for a in assignments):
        submission.status = Status.INSPECTED
        submission.inspected_at = timezone.now()
        submission.save(update_fields=["status", "inspected_at"])
        _audit(
            by,
            "submission.inspected",
            submission,
            before={"status": Status.ACCEPTED},
            after={"status": Status.INSPECTED},
        )
        transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=submission.cycle_id))


# --- Central review (panel) -----------------------------------------------------------------


def _require_reviewable(submission):
    if submission.status != Status.INSPECTED:
        raise TransitionNotAllowed(
            "只有“已验收”的申报可以评审（当前：%s）。" % Status(submission.status).label
        )


def inspector_averages(submission_ids) -> dict[tuple[int, int], Decimal]:
    rows = (
        InspectionScore.objects.filter(assignment__submission_id__in=submission_ids, score__isnull=False)
        .values("assignment__submission_id", "indicator_id")
        .annotate(avg=Avg("score"))
    )
    return {
        (r["assignment__submission_id"], r["indicator_id"]): Decimal(r["avg"]).quantize(Decimal("0.01"))
        for r in rows
    }


def final_score_set(*, submission: Submission, indicator_id, score, reason: str, by: User) -> FinalScore:
    """The panel sets an indicator's final score; departing from the inspectors' average needs a reason."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        _require_reviewable(submission)
        indicator = _indicator_of(submission, indicator_id)
        try:
            score = Decimal(str(score))
        except ArithmeticError as exc:
            raise ValidationError("最终得分不是有效数字。") from exc
        if not score.is_finite():
            raise ValidationError("最终得分不是有效数字。")
        if score < 0 or score > indicator.max_score:
            raise ValidationError(
                "指标 %s 的最终得分应在 0 到 %s 之间。" % (indicator.code, indicator.max_score)
            )
        avg = inspector_averages([submission.pk]).get((submission.pk, indicator.pk))
        reason = (reason or "").strip()
        if avg is not None and score != avg and not reason:
            raise ValidationError(
                "指标 %s 的最终得分 %s 与验收平均分 %s 不同，须说明理由。" % (indicator.code, score, avg),
                code="reason_required",
            )
        row = FinalScore.objects.filter(submission=submission, indicator=indicator).first()
        before = {"score": _s(row.score), "reason": row.reason} if row else {"score": None, "reason": ""}
        row, _c = FinalScore.objects.update_or_create(
            submission=submission,
            indicator=indicator,
            defaults={"score": score, "reason": reason, "set_by": by},
        )
        _audit(
            by,
            "review.final_score",
            submission,
            before=before,
            after={"score": _s(score), "reason": reason},
            note=indicator.code,
        )
    transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=submission.cycle_id))
    return row


def adjustment_set(
    *, submission: Submission, item_id, times: int, note: str, by: User
) -> AppliedAdjustment | None:
    """Apply (times ≥ 1) or remove (times = 0) a bonus/deduction item."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        _require_reviewable(submission)
        item = AdjustmentItem.objects.filter(pk=item_id, rubric_id=submission.cycle.rubric_id).first()
        if item is None:
            raise ValidationError("该加减分项不属于本周期的测评标准。")
        if times < 0 or times > 99:
            raise ValidationError("次数应在 0 到 99 之间。")
        existing = AppliedAdjustment.objects.filter(submission=submission, item=item).first()
        before = {"times": existing.times if existing else 0}
        if times == 0:
            if existing:
                existing.delete()
            result = None
        else:
            if not (note or "").strip():
                raise ValidationError("加减分须写明依据。")
            result, _c = AppliedAdjustment.objects.update_or_create(
                submission=submission,
                item=item,
                defaults={"times": times, "note": note.strip()[:300], "set_by": by},
            )
        _audit(by, "review.adjustment", submission, before=before, after={"times": times}, note=item.title)
    transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=submission.cycle_id))
    return result


def veto_raise(*, submission: Submission, item_id, note: str, by: User) -> VetoDecision:
    """Staff or an assigned inspector raise a veto item for the panel to decide."""
    with transaction.atomic():
        submission = _lock(submission)
        is_assigned = submission.assignments.filter(inspector=by).exists()
        if not is_assigned:
            _require_staff(by, submission.cycle.committee_id)
        if submission.status not in (Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED):
            raise TransitionNotAllowed("当前状态不能提出一票否决。")
        item = VetoItem.objects.filter(pk=item_id, rubric_id=submission.cycle.rubric_id).first()
        if item is None:
            raise ValidationError("该否决项不属于本周期的测评标准。")
        veto, created = VetoDecision.objects.get_or_create(
            submission=submission,
            item=item,
            defaults={"raised_note": (note or "").strip()[:2000], "raised_by": by},
        )
        if not created and veto.state != VetoDecision.State.OPEN:
            veto.state, veto.reason, veto.decided_by, veto.decided_at = (
                VetoDecision.State.OPEN,
                "",
                None,
                None,
            )
            veto.raised_note = (note or "").strip()[:2000]
            veto.save()
        _audit(by, "veto.raise", submission, after={"item": item.title}, note=note or "")
    return veto


def veto_decide(*, veto: VetoDecision, confirmed: bool, reason: str, by: User) -> VetoDecision:
    """The panel confirms (no star) or clears a veto item, always with a reason."""
    with transaction.atomic():
        submission = _lock(veto.submission)
        _require_staff(by, submission.cycle.committee_id)
        _require_reviewable(submission)
        veto = VetoDecision.objects.select_for_update().select_related("item").get(pk=veto.pk)
        if not (reason or "").strip():
            raise ValidationError("认定或排除一票否决都必须写明理由。")
        before = {"state": veto.state}
        veto.state = VetoDecision.State.CONFIRMED if confirmed else VetoDecision.State.CLEARED
        veto.reason, veto.decided_by, veto.decided_at = reason.strip()[:2000], by, timezone.now()
        veto.save()
        _audit(by, "veto.decide", submission, before=before, after={"state": veto.state}, note=reason.strip())
    transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=submission.cycle_id))
    return veto


def submission_review(*, submission: Submission, by: User) -> Submission:
    """The panel completes the review: final scores default to the inspectors' average."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        target = _require(submission, "review")
        if submission.vetoes.filter(state=VetoDecision.State.OPEN).exists():
            raise ValidationError("还有待认定的一票否决事项，请先认定或排除。")
        averages = inspector_averages([submission.pk])
        have = set(submission.final_scores.values_list("indicator_id", flat=True))
        for ind in Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id).exclude(
            pk__in=have
        ):
            avg = averages.get((submission.pk, ind.pk))
            if avg is None:
                raise ValidationError("指标 %s 没有验收分，请先设定最终得分。" % ind.code)
            FinalScore.objects.create(submission=submission, indicator=ind, score=avg, set_by=by)
        submission.status = target
        submission.reviewed_at = timezone.now()
        submission.save(update_fields=["status", "reviewed_at"])
        _audit(
            by, "submission.review", submission, before={"status": Status.INSPECTED}, after={"status": target}
        )
        tally_request(cycle=submission.cycle, by=by, reason="results_changed")
    cycle_recompute_levels(cycle_id=submission.cycle_id)
    submission.refresh_from_db()
    return submission


def submission_reopen(*, submission: Submission, by: User, reason: str) -> Submission:
    """Staff step a submission back one stage, with a reason (re-review, re-inspection, re-check)."""
    with transaction.atomic():
        submission = _lock(submission)
        _require_staff(by, submission.cycle.committee_id)
        target = _require(submission, "reopen")
        if not (reason or "").strip():
            raise ValidationError("重新打开必须说明原因。")
        before = submission.status
        if target == Status.ACCEPTED:
            submission.assignments.update(signed_off_at=None)
        submission.status = target
        submission.save(update_fields=["status"])
        _audit(
            by,
            "submission.reopen",
            submission,
            before={"status": before},
            after={"status": target},
            note=reason.strip(),
        )
        if before == Status.REVIEWED:
            tally_request(cycle=submission.cycle, by=by, reason="results_changed")
    transaction.on_commit(lambda: cycle_recompute_levels(cycle_id=submission.cycle_id))
    return submission


# --- Star levels across a cycle ---------------------------------------------------------------


def previous_levels(cycle: Cycle) -> dict[int, int | None]:
    """Last cycle's level per party organisation (0 where rated without a star or vetoed)."""
    prev = (
        Cycle.objects.filter(committee_id=cycle.committee_id, year__lt=cycle.year).order_by("-year").first()
    )
    if prev is None:
        return {}
    rows = prev.submissions.filter(status=Status.REVIEWED).values_list(
        "party_organization_id", "proposed_level", "vetoed"
    )
    return {po: (0 if vetoed or level is None else level) for po, level, vetoed in rows}


def cycle_candidates(cycle: Cycle, statuses=(Status.INSPECTED, Status.REVIEWED)):
    """The inputs of the star rules for every submission in review, in a fixed number of queries."""
    subs = list(
        Submission.objects.filter(cycle=cycle, status__in=statuses).values("pk", "party_organization_id")
    )
    ids = [s["pk"] for s in subs]
    if not ids:
        return []
    indicator_ids = list(
        Indicator.objects.filter(category__rubric_id=cycle.rubric_id).values_list("pk", flat=True)
    )
    averages = inspector_averages(ids)
    finals = {
        (s, i): v
        for s, i, v in FinalScore.objects.filter(submission_id__in=ids).values_list(
            "submission_id", "indicator_id", "score"
        )
    }
    bonus, deduction = defaultdict(Decimal), defaultdict(Decimal)
    for adj in AppliedAdjustment.objects.filter(submission_id__in=ids).select_related("item"):
        (bonus if adj.item.kind == AdjustmentItem.Kind.BONUS else deduction)[adj.submission_id] += adj.points
    vetoes = defaultdict(list)
    for sid, title in VetoDecision.objects.filter(
        submission_id__in=ids, state=VetoDecision.State.CONFIRMED
    ).values_list("submission_id", "item__title"):
        vetoes[sid].append(title)
    prev = previous_levels(cycle)
    out = []
    for s in subs:
        sid = s["pk"]
        total = sum(
            (finals.get((sid, i), averages.get((sid, i), Decimal(0))) for i in indicator_ids), Decimal(0)
        )
        out.append(
            rules.Candidate(
                key=sid,
                indicator_total=total,
                bonus=bonus[sid],
                deduction=deduction[sid],
                vetoed=bool(vetoes[sid]),
                veto_titles=tuple(vetoes[sid]),
                previous_level=prev.get(s["party_organization_id"]),
            )
        )
    return out


@transaction.atomic
def cycle_recompute_levels(*, cycle_id: int) -> int:
    """Recompute totals and proposed star levels of every submission under review in a cycle.

    Quotas rank branches across the cycle, so one changed score can move another branch.
    """
    cycle = Cycle.objects.select_for_update().select_related("rubric").get(pk=cycle_id)
    outcomes = rules.decide(cycle_candidates(cycle), rules_for(cycle.rubric))
    prev = previous_levels(cycle)
    by_id = {o.key: o for o in outcomes}
    subs = list(Submission.objects.filter(pk__in=by_id).select_related("party_organization"))
    for sub in subs:
        o = by_id[sub.pk]
        sub.total = o.total
        sub.bonus_total = o.bonus
        sub.deduction_total = o.deduction
        sub.indicator_total = o.total - o.bonus + o.deduction if o.total is not None else None
        sub.vetoed = o.level is None
        sub.proposed_level = o.level
        sub.previous_level = prev.get(sub.party_organization_id)
        sub.level_explanation = o.explanation
    Submission.objects.bulk_update(
        subs,
        [
            "total",
            "bonus_total",
            "deduction_total",
            "indicator_total",
            "vetoed",
            "proposed_level",
            "previous_level",
            "level_explanation",
        ],
        batch_size=500,
    )
    # A submission reopened out of review keeps no proposal (nor a place in the quotas above).
    Submission.objects.filter(cycle=cycle, total__isnull=False).exclude(pk__in=by_id).update(
        indicator_total=None,
        bonus_total=None,
        deduction_total=None,
        total=None,
        vetoed=False,
        proposed_level=None,
        level_explanation="",
    )
    return len(subs)
