"""命名/授牌 and dynamic management: awards and their certificate numbers, plaques, downgrade and
revocation."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from branches import access
from branches.models import Committee, User
from branches.services import audit_record
from core import outbox
from core.uploads import DOCUMENTS, sniff

from ..models import (
    Award,
    AwardEvent,
    Cycle,
    Plaque,
    RatingSettings,
    Submission,
    ended_by_naming,
    level_name,
    validity_end,
)
from ..workflow.edges import TransitionNotAllowed, stored_name
from . import tasks


class _SafeDict(dict):
    def __missing__(self, key):
        raise ValidationError(
            _("证书编号格式中有未知的占位符 {%(key)s}，只能用 {short}、{year}、{seq}。") % {"key": key}
        )


def certificate_number(pattern: str, *, committee: Committee, year: int, seq: int) -> str:
    try:
        return pattern.format_map(_SafeDict(short=committee.short_name or committee.name, year=year, seq=seq))
    except (ValueError, IndexError) as exc:
        raise ValidationError(_("证书编号格式无效：%(error)s") % {"error": exc}) from exc


def award_issue(*, submission: Submission, cycle: Cycle, by: User | None) -> Award:
    """Give a final plaque-level result its award and the next certificate number of the cycle.

    The caller holds the cycle row locked (select_for_update), which serialises numbering:
    numbers have no gaps and never repeat, whatever runs at the same time.
    """
    if hasattr(submission, "award"):
        return submission.award
    committee = Committee.objects.get(pk=cycle.committee_id)
    rating_settings = RatingSettings.for_committee(cycle.committee_id)
    pattern = rating_settings.certificate_pattern
    seq = (Award.objects.filter(cycle=cycle).aggregate(m=Max("seq"))["m"] or 0) + 1
    named_on = timezone.localdate()
    years = (
        rating_settings.award_validity_years
        if rating_settings.award_validity == RatingSettings.AwardValidity.YEARS
        else None
    )
    _end_previous_awards(cycle, named_on=named_on, by=by)
    award = Award.objects.create(
        submission=submission,
        cycle=cycle,
        party_organization_id=submission.party_organization_id,
        level=submission.final_level,
        awarded_level=submission.final_level,
        seq=seq,
        certificate_no=certificate_number(pattern, committee=committee, year=cycle.year, seq=seq),
        token=secrets.token_urlsafe(16)[:22],
        valid_from=named_on,
        valid_until=validity_end(named_on, years=years),
    )
    AwardEvent.objects.create(award=award, kind=AwardEvent.Kind.ISSUED, to_level=award.level, by=by)
    Plaque.objects.create(award=award)
    audit_record(
        actor=by,
        action="award.issue",
        target=award,
        committee_id=cycle.committee_id,
        after={"certificate_no": award.certificate_no, "level": award.level},
    )
    outbox.send(tasks.notify_award_change, award.pk, "issued")
    return award


def _end_previous_awards(cycle: Cycle, *, named_on: dt.date, by: User | None) -> None:
    """Naming a cycle's awards ends the committee's earlier awards that were valid until the next
    naming (those with no end date)."""
    earlier = list(
        Award.objects.select_for_update().filter(
            cycle__committee_id=cycle.committee_id, cycle__year__lt=cycle.year, valid_until__isnull=True
        )
    )
    if not earlier:
        return
    for award in earlier:
        award.valid_until = ended_by_naming(award.valid_from, named_on)
    bulk_update_with_history(earlier, Award, ["valid_until"], default_user=by)
    audit_record(
        actor=by,
        action="award.end_by_naming",
        target=cycle,
        committee_id=cycle.committee_id,
        after={"ended": [a.certificate_no for a in earlier], "named_on": str(named_on)},
    )


GROUNDS = {
    "veto": gettext_lazy("发生一票否决事项"),
    "rectification": gettext_lazy("整改逾期未完成"),
    "deregistered": gettext_lazy("社会组织注销或被撤销登记"),
    "abnormal": gettext_lazy("社会组织列入活动异常名录"),
    "other": gettext_lazy("其他"),
}


def _lock_award(award: Award, by: User) -> Award:
    award = Award.objects.select_for_update().select_related("cycle", "party_organization").get(pk=award.pk)
    access.require(by, "rating.manage", access.Target(committee_id=award.cycle.committee_id))
    if award.state == Award.State.REVOKED:
        raise TransitionNotAllowed(_("该命名已撤销。"))
    if award.has_lapsed():
        raise TransitionNotAllowed(_("该命名已过有效期。"))
    return award


def _event(award, kind, *, by, from_level, to_level, grounds, reason, evidence):
    if grounds not in GROUNDS:
        raise ValidationError(_("请选择事由。"))
    if not (reason or "").strip():
        raise ValidationError(_("请写明理由。"))
    event = AwardEvent(
        award=award,
        kind=kind,
        from_level=from_level,
        to_level=to_level,
        grounds=grounds,
        reason=reason.strip()[:2000],
        by=by,
    )
    if evidence is not None:
        sniff(evidence, DOCUMENTS)
        event.evidence_name = evidence.name[:200]
        event.evidence.save(stored_name(evidence.name), evidence, save=False)
    event.save()
    return event


def award_downgrade(
    *, award: Award, to_level: int, grounds: str, reason: str, by: User, evidence=None
) -> Award:
    """Lower a star during its validity (dynamic management)."""
    with transaction.atomic():
        award = _lock_award(award, by)
        if not (0 <= int(to_level) < award.level):
            raise ValidationError(
                _("降级后的星级必须低于当前的%(level)s。") % {"level": level_name(award.level)}
            )
        _event(
            award,
            AwardEvent.Kind.DOWNGRADED,
            by=by,
            from_level=award.level,
            to_level=int(to_level),
            grounds=grounds,
            reason=reason,
            evidence=evidence,
        )
        before = award.level
        award.level = int(to_level)
        award.state = Award.State.DOWNGRADED
        award.save(update_fields=["level", "state"])
        audit_record(
            actor=by,
            action="award.downgrade",
            target=award,
            committee_id=award.cycle.committee_id,
            before={"level": before},
            after={"level": award.level},
            note=reason,
        )
        outbox.send(tasks.notify_award_change, award.pk, "downgraded")
    return award


def award_revoke(*, award: Award, grounds: str, reason: str, by: User, evidence=None) -> Award:
    """Revoke a star: the plaque must be returned within the committee's period."""
    with transaction.atomic():
        award = _lock_award(award, by)
        _event(
            award,
            AwardEvent.Kind.REVOKED,
            by=by,
            from_level=award.level,
            to_level=None,
            grounds=grounds,
            reason=reason,
            evidence=evidence,
        )
        before = award.state
        award.state = Award.State.REVOKED
        award.save(update_fields=["state"])
        days = RatingSettings.for_committee(award.cycle.committee_id).plaque_return_days
        plaque, _c = Plaque.objects.get_or_create(award=award)
        if plaque.delivered_on and not plaque.returned_on:
            plaque.return_due_on = timezone.localdate() + dt.timedelta(days=days)
            plaque.save(update_fields=["return_due_on"])
        audit_record(
            actor=by,
            action="award.revoke",
            target=award,
            committee_id=award.cycle.committee_id,
            before={"state": before},
            after={"state": award.state},
            note=reason,
        )
        outbox.send(tasks.notify_award_change, award.pk, "revoked")
    return award


def plaque_update(*, plaque: Plaque, by: User, **fields) -> Plaque:
    """Record making, delivery or return of a plaque."""
    allowed = {"made_on", "delivered_on", "delivered_by", "received_by", "returned_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不能修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        plaque = Plaque.objects.select_for_update().select_related("award__cycle").get(pk=plaque.pk)
        access.require(by, "rating.manage", access.Target(committee_id=plaque.award.cycle.committee_id))
        today = timezone.localdate()
        for name in ("made_on", "delivered_on", "returned_on"):
            if fields.get(name) and fields[name] > today:
                raise ValidationError(_("日期不能晚于今天。"))
        if fields.get("delivered_on") and not (fields.get("made_on") or plaque.made_on):
            raise ValidationError(_("请先登记制作日期。"))
        if fields.get("returned_on") and plaque.award.state != Award.State.REVOKED:
            raise ValidationError(_("只有已撤销命名的牌匾需要退回。"))
        before = {k: str(getattr(plaque, k) or "") for k in fields}
        for k, v in fields.items():
            setattr(plaque, k, v)
        plaque.save()
        audit_record(
            actor=by,
            action="plaque.update",
            target=plaque.award,
            committee_id=plaque.award.cycle.committee_id,
            before=before,
            after={k: str(v or "") for k, v in fields.items()},
        )
    return plaque


def current_level_expression():
    """The star level in force of the party organisation of the outer row (`OuterRef("pk")`): its
    latest valid or downgraded award whose validity has not ended today."""
    from django.db.models import OuterRef, Subquery

    awards = (
        Award.objects.filter(
            party_organization=OuterRef("pk"), state__in=[Award.State.VALID, Award.State.DOWNGRADED]
        )
        .filter(Award.in_force_q(timezone.localdate()))
        .order_by("-cycle__year", "-pk")
    )
    return Subquery(awards.values("level")[:1])
