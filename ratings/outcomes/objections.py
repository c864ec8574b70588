"""复核: objections filed during the notice period, investigated, rejected or upheld by staff."""

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import access
from branches.models import User
from core import outbox
from core.uploads import DOCUMENTS, sniff

from ..models import Cycle, Objection, ObjectionAttachment, RatingSettings, Status, Submission
from ..workflow.edges import TransitionNotAllowed, audit, stored_name
from ..workflow.levels import cycle_recompute_levels
from ..workflow.panel import final_score_set, submission_reopen, submission_review, veto_decide, veto_raise
from . import tasks
from .publication import listed_results, notice_is_open, public_notice_cache_clear

MAX_OBJECTION_FILES = 3


def _new_reference(cycle: Cycle) -> str:
    return f"YY{cycle.year}-{secrets.token_hex(3).upper()}"


def client_ip_hash(ip: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def _rate_key(ip_hash: str) -> str:
    return f"objection-rate:{ip_hash}"


def rate_limited(ip_hash: str, limit: int) -> bool:
    """True when this address has filed `limit` objections within the last hour.

    The count is in the shared cache (Redis in production, see CACHE_URL), so every worker
    process counts together; the address is the one core.clientip gives behind the proxies."""
    key = _rate_key(ip_hash)
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


def objection_needs_captcha(ip: str) -> bool:
    """The objection form asks for a CAPTCHA from the second objection from an address within the
    hour on (the first comes without); an unknown address always gets one."""
    if not ip:
        return True
    return (cache.get(_rate_key(client_ip_hash(ip))) or 0) >= 1


def _same_text(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _refuse_duplicate(cycle: Cycle, ip_hash: str, reason: str) -> None:
    """The same objection text from the same address on the same notice is filed once."""
    wanted = _same_text(reason)
    earlier = Objection.objects.filter(submission__cycle=cycle, ip_hash=ip_hash).values_list(
        "reason", flat=True
    )
    if any(_same_text(text) == wanted for text in earlier):
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("您已就本次公示提交过相同内容的异议，不必重复提交；如有新的情况，请写明后再提交。"),
                    code="duplicate",
                )
            }
        )


LOOKUPS_PER_IP_PER_HOUR = 30
_REFERENCE = re.compile(r"^YY\d{4}-[0-9A-F]{6}$")


def objection_public_status(reference: str, *, ip: str = "") -> dict | None:
    """What the objector may read by their reference number: the state and, once decided, the
    conclusion. Nothing else of the objection (no name, contact, reason), nothing of another.

    Lookups are counted per address, so reference numbers cannot be guessed in bulk; over the
    limit, or for an unknown number, the answer is the same None."""
    reference = re.sub(r"\s+", "", reference or "").upper()
    if not _REFERENCE.match(reference):
        return None
    if rate_limited(f"lookup:{client_ip_hash(ip)}", LOOKUPS_PER_IP_PER_HOUR):
        return None
    o = (
        Objection.objects.select_related("submission__cycle", "submission__party_organization")
        .filter(reference=reference)
        .first()
    )
    if o is None:
        return None
    decided = o.state in (Objection.State.REJECTED, Objection.State.UPHELD)
    return {
        "reference": o.reference,
        "state": o.state,
        "state_label": o.get_state_display(),
        "filed_on": timezone.localdate(o.filed_at),
        "handled_on": timezone.localdate(o.handled_at) if decided and o.handled_at else None,
        "outcome": o.outcome if decided else "",
        "party_organization": o.submission.party_organization.name,
        "cycle": o.submission.cycle,
    }


def objection_file(
    *, submission: Submission, reason: str, name: str = "", contact: str = "", files=(), ip: str = ""
) -> Objection:
    """Anyone files an objection against one listed result while the notice is open."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明异议理由。")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("异议理由不能超过2000字。")})
    if len(files) > MAX_OBJECTION_FILES:
        raise ValidationError({"files": _("附件最多 %(max)s 个。") % {"max": MAX_OBJECTION_FILES}})
    mimes = []
    for f in files:
        try:
            mimes.append(sniff(f, DOCUMENTS))
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=submission.cycle_id)
        if not notice_is_open(cycle):
            raise TransitionNotAllowed(_("公示期不在进行中，不能提出异议。"))
        if not listed_results(cycle).filter(pk=submission.pk).exists():
            raise ValidationError(_("该结果不在公示名单中。"))
        ip_hash = client_ip_hash(ip) if ip else ""
        if ip_hash:
            _refuse_duplicate(cycle, ip_hash, reason)
        limit = RatingSettings.for_committee(cycle.committee_id).objections_per_ip_per_hour
        if ip_hash and rate_limited(ip_hash, limit):
            raise ValidationError(_("提交过于频繁，请一小时后再试。"), code="rate_limited")
        objection = Objection.objects.create(
            submission=submission,
            reference=_new_reference(cycle),
            reason=reason,
            name=(name or "").strip()[:50],
            contact=(contact or "").strip()[:100],
            ip_hash=ip_hash,
        )
        for f, mime in zip(files, mimes, strict=True):
            att = ObjectionAttachment(
                objection=objection, original_name=f.name[:200], content_type=mime, size=f.size
            )
            att.file.save(stored_name(f.name), f, save=False)
            att.save()
        audit(None, "objection.file", submission, after={"reference": objection.reference})
        outbox.send(tasks.notify_objection_filed, objection.pk)
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


_OBJECTION_LABELS = {
    "investigate": gettext_lazy("开始核查"),
    "reject": gettext_lazy("不予采纳"),
    "uphold": gettext_lazy("采纳"),
}


def _lock_objection(objection: Objection, action: str, by: User) -> tuple[Objection, str]:
    objection = (
        Objection.objects.select_for_update()
        .select_related("submission__cycle", "submission__party_organization")
        .get(pk=objection.pk)
    )
    access.require(by, "rating.manage", access.Target(committee_id=objection.submission.cycle.committee_id))
    allowed = OBJECTION_TRANSITIONS[action]
    if objection.state not in allowed:
        raise TransitionNotAllowed(
            _("该异议当前为“%(state)s”，不能%(action)s。")
            % {"state": objection.get_state_display(), "action": _OBJECTION_LABELS[action]}
        )
    return objection, allowed[objection.state]


def objection_investigate(*, objection: Objection, by: User) -> Objection:
    with transaction.atomic():
        objection, target = _lock_objection(objection, "investigate", by)
        objection.state = target
        objection.save(update_fields=["state"])
        audit(by, "objection.investigate", objection.submission, after={"reference": objection.reference})
    return objection


def objection_reject(*, objection: Objection, by: User, outcome: str) -> Objection:
    """复核: the result stands; the objector (if they left contact details) is told why."""
    outcome = (outcome or "").strip()
    with transaction.atomic():
        objection, target = _lock_objection(objection, "reject", by)
        if not outcome:
            raise ValidationError(_("请写明不予采纳的理由。"))
        _close(objection, target, outcome, by)
        audit(
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
            raise ValidationError(_("请写明采纳的理由。"))
        if not final_scores and not veto_item_id:
            raise ValidationError(_("采纳异议须同时改正结果：调整指标最终得分或认定一票否决。"))
        submission = objection.submission
        if submission.status != Status.REVIEWED:
            raise TransitionNotAllowed(_("该结果当前不处于“已评审”状态，无法改正。"))
        reason = _("异议 %(reference)s 复核：%(outcome)s") % {
            "reference": objection.reference,
            "outcome": outcome,
        }
        submission_reopen(submission=submission, by=by, reason=reason)
        for indicator_id, score in final_scores.items():
            final_score_set(
                submission=submission, indicator_id=indicator_id, score=score, reason=reason, by=by
            )
        if veto_item_id:
            veto = veto_raise(submission=submission, item_id=veto_item_id, note=reason, by=by)
            veto_decide(veto=veto, confirmed=True, reason=reason, by=by)
        submission_review(submission=submission, by=by)
        _close(objection, target, outcome, by)
        audit(by, "objection.uphold", submission, after={"reference": objection.reference}, note=outcome)
    cycle_recompute_levels(cycle_id=objection.submission.cycle_id)
    public_notice_cache_clear(objection.submission.cycle_id)  # the recomputed levels, too
    return objection


def _close(objection: Objection, state, outcome: str, by: User) -> None:
    """Every outcome (rejected or upheld) is shown on the public page: its cache is cleared."""
    public_notice_cache_clear(objection.submission.cycle_id)
    objection.state = state
    objection.outcome = outcome[:2000]
    objection.handled_by = by
    objection.handled_at = timezone.now()
    objection.save(update_fields=["state", "outcome", "handled_by", "handled_at"])
    if objection.contact:
        outbox.send(tasks.tell_objector, objection.pk)
