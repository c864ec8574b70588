"""Self-assessment services of the branch secretary: scores, evidence, submitting."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import User
from core.dates import short_datetime
from core.uploads import DOCUMENTS, sniff

from ..models import Evidence, Indicator, IndicatorScore, Status, Submission
from .edges import (
    EDITABLE_BY_BRANCH,
    TransitionNotAllowed,
    audit,
    audit_value,
    indicator_of,
    lock_submission,
    require_transition,
    score_bounds,
    stored_file,
    submission_target,
)
from .levels import rules_for
from .rules import band_level
from .versions import require_version, self_score_version


def self_score_save(
    *, submission: Submission, indicator_id, score, comment: str, by: User, if_version: str | None = None
) -> IndicatorScore:
    """Save one indicator of the self-assessment; allowed while the branch holds the submission.
    `if_version`: the version the change was based on (the API); another one is a Conflict."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.self_assess", submission_target(submission))
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(
                _("申报已提交，不能再修改（当前状态：%(state)s）。")
                % {"state": Status(submission.status).label}
            )
        indicator = indicator_of(submission, indicator_id)
        score = score_bounds(score, indicator, _("自评分"))
        comment = (comment or "").strip()
        if len(comment) > 2000:
            raise ValidationError(_("自评说明不能超过2000字。"))
        row, _created = IndicatorScore.objects.get_or_create(submission=submission, indicator=indicator)
        before = {"score": audit_value(row.score), "comment": row.comment}
        require_version(if_version, self_score_version(row), {"indicator": indicator.pk, **before})
        row.score, row.comment = score, comment
        row.save()
        after = {"score": audit_value(score), "comment": comment}
        if before != after:
            audit(by, "self_score.save", submission, before=before, after=after, note=indicator.code)
    return row


def evidence_add(*, submission: Submission, indicator_id, upload, by: User) -> Evidence:
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.self_assess", submission_target(submission))
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(_("申报已提交，不能再上传佐证材料。"))
        indicator = indicator_of(submission, indicator_id)
        mime = sniff(upload, DOCUMENTS)
        ev = Evidence(
            submission=submission,
            indicator=indicator,
            original_name=upload.name[:200],
            content_type=mime,
            size=upload.size,
            uploaded_by=by,
        )
        with stored_file(ev, upload):
            audit(by, "evidence.add", submission, after={"file": ev.original_name}, note=indicator.code)
    return ev


def evidence_attach_meeting(*, submission: Submission, indicator_id, meeting_id, by: User) -> Evidence:
    """Attach a held meeting record of the branch, of a type linked to the indicator, as evidence."""
    from meetings.models import Meeting, MeetingStatus

    from .meeting_evidence import indicator_codes

    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.self_assess", submission_target(submission))
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(_("申报已提交，不能再添加佐证材料。"))
        indicator = indicator_of(submission, indicator_id)
        codes = indicator_codes(submission.cycle.rubric_id).get(indicator.pk, [])
        if not codes:
            raise ValidationError(
                _("指标 %(code)s 没有关联会议类型，不能以会议记录作佐证。") % {"code": indicator.code}
            )
        meeting = (
            Meeting.objects.select_related("meeting_type")
            .filter(pk=meeting_id)
            .filter(
                Q(party_organization_id=submission.party_organization_id)
                | Q(partner_organization_id=submission.party_organization_id)
            )
            .first()
        )
        if meeting is None:
            raise ValidationError(_("找不到本党组织的这条会议记录。"))
        if (
            meeting.status != MeetingStatus.HELD
            or timezone.localtime(meeting.starts_at).year != submission.cycle.year
        ):
            raise ValidationError(_("只能附上%(year)s年已召开的会议记录。") % {"year": submission.cycle.year})
        if meeting.meeting_type.code not in codes:
            raise ValidationError(
                _("“%(name)s”不是指标 %(code)s 关联的会议类型。")
                % {"name": meeting.meeting_type.name, "code": indicator.code}
            )
        if submission.evidence.filter(indicator=indicator, meeting=meeting).exists():
            raise ValidationError(_("这条会议记录已经附上。"))
        name = _("会议记录：%(date)s %(type)s %(topic)s") % {
            "date": f"{timezone.localtime(meeting.starts_at):%Y-%m-%d}",
            "type": meeting.meeting_type.name,
            "topic": meeting.topic,
        }
        ev = Evidence.objects.create(
            submission=submission,
            indicator=indicator,
            meeting=meeting,
            original_name=name[:200],
            uploaded_by=by,
        )
        audit(by, "evidence.meeting", submission, after={"meeting": meeting.pk}, note=indicator.code)
    return ev


def evidence_attach_meetings(
    *, submission: Submission, indicator_id, meeting_ids, by: User
) -> list[Evidence]:
    """Attach several held meetings at once: all of them or, when one is refused, none."""
    ids = [m for m in dict.fromkeys(meeting_ids or []) if m not in ("", None)]
    if not ids:
        raise ValidationError(_("请至少选择一条会议记录。"))
    with transaction.atomic():
        return [
            evidence_attach_meeting(submission=submission, indicator_id=indicator_id, meeting_id=m, by=by)
            for m in ids
        ]


def self_estimate(submission: Submission) -> dict:
    """The self scores added up and the star that total would give under the rubric's bands: an
    estimate, because bonus and deduction points, vetoes, the promotion limit and quotas come later."""
    rubric = submission.cycle.rubric
    total = IndicatorScore.objects.filter(submission=submission, score__isnull=False).aggregate(
        t=Sum("score")
    )["t"] or Decimal(0)
    maximum = Indicator.objects.filter(category__rubric_id=rubric.pk).aggregate(m=Sum("max_score"))["m"]
    return {"total": total, "max": maximum or Decimal(0), "level": band_level(total, rules_for(rubric))}


def evidence_remove(*, evidence: Evidence, by: User) -> None:
    with transaction.atomic():
        submission = lock_submission(evidence.submission)
        access.require(by, "rating.self_assess", submission_target(submission))
        if submission.status not in EDITABLE_BY_BRANCH:
            raise TransitionNotAllowed(_("申报已提交，不能再删除佐证材料。"))
        audit(
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
            missing.append(_("%(code)s %(title)s：未填写自评分") % {"code": ind.code, "title": ind.title})
        if ind.evidence_required and ind.pk not in with_evidence:
            missing.append(_("%(code)s %(title)s：须上传佐证材料") % {"code": ind.code, "title": ind.title})
    return missing


def submission_submit(*, submission: Submission, by: User) -> Submission:
    """Branch secretary hands the self-assessment to the committee."""
    with transaction.atomic():
        submission = lock_submission(submission)
        access.require(by, "rating.self_assess", submission_target(submission))
        target = require_transition(submission, "submit")
        if submission.deadline_passed:
            raise TransitionNotAllowed(
                _("自评截止时间（%(deadline)s）已过，不能再提交；如需延期请联系综合党委。")
                % {"deadline": short_datetime(submission.deadline)}
            )
        missing = submission_missing(submission)
        if missing:
            raise ValidationError([_("还不能提交，以下内容未完成：")] + missing, code="incomplete")
        before = submission.status
        submission.status = target
        submission.submitted_at = timezone.now()
        submission.save(update_fields=["status", "submitted_at"])
        audit(by, "submission.submit", submission, before={"status": before}, after={"status": target})
    return submission
