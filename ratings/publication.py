"""公示 and 复核: publishing reviewed results, objections, and making results final.

Services of domain.md steps 5–6 (STYLE.md: lock, check the state, write, audit, side effects
after commit).
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import User
from core.uploads import DOCUMENTS, sniff

from . import services
from .models import Cycle, Objection, ObjectionAttachment, RatingSettings, Status, Submission, VetoDecision
from .services import TransitionNotAllowed, _audit, _require_staff

MAX_OBJECTION_FILES = 3


def listed_results(cycle: Cycle):
    """What the public notice lists: reviewed, not vetoed, at one star or more."""
    return (
        Submission.objects.filter(cycle=cycle, status=Status.REVIEWED, vetoed=False, proposed_level__gte=1)
        .select_related("party_organization")
        .prefetch_related("party_organization__organizations")
        .order_by("-proposed_level", "party_organization__name")
    )


def notice_is_open(cycle: Cycle, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        cycle.status == Cycle.Status.PUBLISHED
        and cycle.notice_starts_on is not None
        and cycle.notice_starts_on <= today <= cycle.notice_ends_on
    )


@transaction.atomic
def cycle_publish(*, cycle: Cycle, by: User, starts_on: dt.date | None = None) -> Cycle:
    """Staff publish the reviewed results for the notice period (公示)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_staff(by, cycle.committee_id)
    if cycle.status != Cycle.Status.OPEN:
        raise TransitionNotAllowed(
            "只有进行中的评星周期可以发布公示（当前：%s）。" % cycle.get_status_display()
        )
    in_progress = list(
        cycle.submissions.filter(
            status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED]
        ).values_list("party_organization__name", flat=True)
    )
    if in_progress:
        raise ValidationError("以下党组织的申报尚未完成评审，不能公示：%s。" % "、".join(in_progress[:20]))
    if not cycle.submissions.filter(status=Status.REVIEWED).exists():
        raise ValidationError("还没有完成评审的申报，无可公示的结果。")
    starts_on = starts_on or timezone.localdate()
    cycle.status = Cycle.Status.PUBLISHED
    cycle.notice_starts_on = starts_on
    cycle.notice_ends_on = starts_on + dt.timedelta(days=cycle.notice_days - 1)
    cycle.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    services.audit_record(
        actor=by,
        action="cycle.publish",
        target=cycle,
        after={"from": str(cycle.notice_starts_on), "to": str(cycle.notice_ends_on)},
    )
    from . import tasks

    transaction.on_commit(lambda: tasks.notify_results_published.delay(cycle.pk), robust=True)
    return cycle


def _new_reference(cycle: Cycle) -> str:
    return f"YY{cycle.year}-{secrets.token_hex(3).upper()}"


def client_ip_hash(ip: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def rate_limited(ip_hash: str, limit: int) -> bool:
    """True when this address has filed `limit` objections within the last hour."""
    key = f"objection-rate:{ip_hash}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


def objection_file(
    *, submission: Submission, reason: str, name: str = "", contact: str = "", files=(), ip: str = ""
) -> Objection:
    """Anyone files an objection against one listed result while the notice is open."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明异议理由。"})
    if len(reason) > 2000:
        raise ValidationError({"reason": "异议理由不能超过2000字。"})
    if len(files) > MAX_OBJECTION_FILES:
        raise ValidationError({"files": f"附件最多 {MAX_OBJECTION_FILES} 个。"})
    for f in files:
        try:
            sniff(f, DOCUMENTS)
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=submission.cycle_id)
        if not notice_is_open(cycle):
            raise TransitionNotAllowed("公示期不在进行中，不能提出异议。")
        if not listed_results(cycle).filter(pk=submission.pk).exists():
            raise ValidationError("该结果不在公示名单中。")
        ip_hash = client_ip_hash(ip) if ip else ""
        limit = RatingSettings.for_committee(cycle.committee_id).objections_per_ip_per_hour
        if ip_hash and rate_limited(ip_hash, limit):
            raise ValidationError("提交过于频繁，请一小时后再试。", code="rate_limited")
        objection = Objection.objects.create(
            submission=submission,
            reference=_new_reference(cycle),
            reason=reason,
            name=(name or "").strip()[:50],
            contact=(contact or "").strip()[:100],
            ip_hash=ip_hash,
        )
        for f in files:
            mime = sniff(f, DOCUMENTS)
            att = ObjectionAttachment(
                objection=objection, original_name=f.name[:200], content_type=mime, size=f.size
            )
            att.file.save(services._safe_name(f.name), f, save=False)
            att.save()
        _audit(None, "objection.file", submission, after={"reference": objection.reference})
        from . import tasks

        transaction.on_commit(lambda: tasks.notify_objection_filed.delay(objection.pk), robust=True)
    return objection


OBJECTION_TRANSITIONS = {
    "investigate": {Objection.State.OPEN: Objection.State.INVESTIGATING},
    "reject": {
        Objection.State.OPEN: Objection.State.REJECTED,
        Objection.State.INVESTIGATING: Objection.State.REJECTED,
    },
    "uphold": {
        Objection.State.OPEN: Objection.State.UPHELD,
        Objection.State.INVESTIGATING: Objection.State.UPHELD,
    },
}
_OBJECTION_LABELS = {"investigate": "开始核查", "reject": "不予采纳", "uphold": "采纳"}


def _lock_objection(objection: Objection, action: str, by: User) -> tuple[Objection, str]:
    objection = (
        Objection.objects.select_for_update()
        .select_related("submission__cycle", "submission__party_organization")
        .get(pk=objection.pk)
    )
    _require_staff(by, objection.submission.cycle.committee_id)
    allowed = OBJECTION_TRANSITIONS[action]
    if objection.state not in allowed:
        raise TransitionNotAllowed(
            "该异议当前为“%s”，不能%s。" % (objection.get_state_display(), _OBJECTION_LABELS[action])
        )
    return objection, allowed[objection.state]


def objection_investigate(*, objection: Objection, by: User) -> Objection:
    with transaction.atomic():
        objection, target = _lock_objection(objection, "investigate", by)
        objection.state = target
        objection.save(update_fields=["state"])
        _audit(by, "objection.investigate", objection.submission, after={"reference": objection.reference})
    return objection


def objection_reject(*, objection: Objection, by: User, outcome: str) -> Objection:
    """复核: the result stands; the objector (if they left contact details) is told why."""
    outcome = (outcome or "").strip()
    with transaction.atomic():
        objection, target = _lock_objection(objection, "reject", by)
        if not outcome:
            raise ValidationError("请写明不予采纳的理由。")
        _close(objection, target, outcome, by)
        _audit(
            by,
            "objection.reject",
            objection.submission,
            after={"reference": objection.reference},
            note=outcome,
        )
    return objection


def objection_uphold(
    *, objection: Objection, by: User, outcome: str, final_scores: dict | None = None, veto_item_id=None
) -> Objection:
    """复核: the objection is right. The result is corrected through the review services (reopen →
    changed final scores and/or a confirmed veto → review), so the star and its explanation are
    recomputed and every change is audited."""
    outcome = (outcome or "").strip()
    final_scores = final_scores or {}
    with transaction.atomic():
        objection, target = _lock_objection(objection, "uphold", by)
        if not outcome:
            raise ValidationError("请写明采纳的理由。")
        if not final_scores and not veto_item_id:
            raise ValidationError("采纳异议须同时改正结果：调整指标最终得分或认定一票否决。")
        submission = objection.submission
        if submission.status != Status.REVIEWED:
            raise TransitionNotAllowed("该结果当前不处于“已评审”状态，无法改正。")
        reason = f"异议 {objection.reference} 复核：{outcome}"
        services.submission_reopen(submission=submission, by=by, reason=reason)
        for indicator_id, score in final_scores.items():
            services.final_score_set(
                submission=submission, indicator_id=indicator_id, score=score, reason=reason, by=by
            )
        if veto_item_id:
            veto = services.veto_raise(submission=submission, item_id=veto_item_id, note=reason, by=by)
            services.veto_decide(veto=veto, confirmed=True, reason=reason, by=by)
        services.submission_review(submission=submission, by=by)
        _close(objection, target, outcome, by)
        _audit(by, "objection.uphold", submission, after={"reference": objection.reference}, note=outcome)
    services.cycle_recompute_levels(cycle_id=objection.submission.cycle_id)
    return objection


def _close(objection: Objection, state, outcome: str, by: User) -> None:
    objection.state = state
    objection.outcome = outcome[:2000]
    objection.handled_by = by
    objection.handled_at = timezone.now()
    objection.save(update_fields=["state", "outcome", "handled_by", "handled_at"])
    if objection.contact:
        from . import tasks

        transaction.on_commit(lambda: tasks.tell_objector.delay(objection.pk), robust=True)


def results_finalize(*, cycle: Cycle, by: User | None = None, today: dt.date | None = None) -> dict:
    """After the notice period: every listed result without an open objection becomes final, and
    plaque-level results get their award. Results with an open objection wait. Called by the daily
    beat job and by staff; running it again changes nothing more."""
    from .awards import award_issue

    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().select_related("rubric").get(pk=cycle.pk)
        if by is not None:
            _require_staff(by, cycle.committee_id)
        if cycle.status == Cycle.Status.FINAL:
            return {"finalized": 0, "waiting": 0, "awards": 0}
        if cycle.status != Cycle.Status.PUBLISHED:
            raise TransitionNotAllowed("只有公示中的评星周期可以确定结果。")
        if today <= cycle.notice_ends_on:
            raise TransitionNotAllowed("公示期至 %s 结束，期满后才能确定结果。" % cycle.notice_ends_on)
        waiting = set(
            Objection.objects.filter(
                submission__cycle=cycle, state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING]
            ).values_list("submission_id", flat=True)
        )
        todo = (
            Submission.objects.select_for_update()
            .filter(cycle=cycle, status=Status.REVIEWED, finalized_at__isnull=True)
            .exclude(pk__in=waiting)
            .select_related("party_organization")
            .order_by("-total", "pk")
        )
        now = timezone.now()
        finalized = awards = 0
        for sub in todo:
            sub.final_level = None if sub.vetoed else sub.proposed_level
            sub.finalized_at = now
            sub.save(update_fields=["final_level", "finalized_at"])
            finalized += 1
            if sub.final_level and sub.final_level >= cycle.rubric.plaque_min_level:
                award_issue(submission=sub, cycle=cycle, by=by)
                awards += 1
        if not waiting:
            cycle.status = Cycle.Status.FINAL
            cycle.finalized_at = now
            cycle.save(update_fields=["status", "finalized_at"])
        if finalized or not waiting:  # a daily run that only finds results still waiting records nothing
            services.audit_record(
                actor=by,
                action="cycle.finalize",
                target=cycle,
                after={"finalized": finalized, "awards": awards, "waiting": len(waiting)},
            )
    return {"finalized": finalized, "waiting": len(waiting), "awards": awards}


def open_vetoes(submission: Submission) -> bool:
    return submission.vetoes.filter(state=VetoDecision.State.OPEN).exists()
