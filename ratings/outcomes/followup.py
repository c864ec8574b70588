"""动态管理: follow-up during an award's validity.

- 跟踪评估: staff draw a reproducible random sample of the valid 4★/5★ awards of a cycle — the
  share comes from the committee's settings, the seed is stored and shown, and the same seed over
  the same awards draws the same sample (`sample_award_ids`, a pure function).
- 核查评估: events open a check by themselves — the organisation put on the abnormal list or
  deregistered (the register's status), a veto reported on the branch, a rectification overdue
  past the committee's limit (`open_checks_for_events`, daily and on the register's save).
- Either is scheduled (date, inspector, chosen indicators), scored per indicator, and ends as
  confirmed, downgraded or revoked; a downgrade or revocation goes through `award_downgrade` /
  `award_revoke`, a confirmation is recorded as an award event, so each is on the award's history
  and the public verification page.
"""

import datetime as dt
import math
import random
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import OrgStatus, Role, SocialOrganization, User
from branches.services import audit_record

from ..models import (
    Award,
    AwardEvent,
    Cycle,
    FollowUpCheck,
    FollowUpSample,
    FollowUpScore,
    Indicator,
    RatingSettings,
    Rectification,
    VetoDecision,
    VetoItem,
)
from .awards import award_downgrade, award_revoke

HIGH_LEVELS = (4, 5)
GROUNDS_OF = {
    FollowUpCheck.Trigger.SAMPLE: "other",
    FollowUpCheck.Trigger.ABNORMAL: "abnormal",
    FollowUpCheck.Trigger.DEREGISTERED: "deregistered",
    FollowUpCheck.Trigger.VETO: "veto",
    FollowUpCheck.Trigger.RECTIFICATION_OVERDUE: "rectification",
}


def valid_high_awards(cycle: Cycle, today: dt.date | None = None):
    """The awards of `cycle` that may be sampled: valid, in force, at 4★ or 5★."""
    today = today or timezone.localdate()
    return Award.objects.filter(
        Award.in_force_q(today), cycle=cycle, state=Award.State.VALID, level__in=HIGH_LEVELS
    ).order_by("pk")


def sample_award_ids(award_ids: list[int], share: int, seed: int) -> list[int]:
    """The sample: ceil(share % of the awards), drawn with `seed` from the ids in ascending order."""
    ordered = sorted(award_ids)
    if not ordered:
        return []
    size = min(len(ordered), max(1, math.ceil(len(ordered) * share / 100)))
    return sorted(random.Random(seed).sample(ordered, size))


def followup_sample_draw(
    *, cycle: Cycle, by: User, share: int | None = None, seed: int | None = None
) -> FollowUpSample:
    """Draw the 跟踪评估 sample of a cycle and open one check per drawn award."""
    access.require(by, "rating.manage", cycle)
    share = share or RatingSettings.for_committee(cycle.committee_id).followup_share
    if not 1 <= share <= 100:
        raise ValidationError({"share": _("抽取比例应在 1% 到 100% 之间。")})
    seed = secrets.randbelow(10**9) if seed is None else int(seed)
    if not 0 <= seed < 2**63:
        raise ValidationError({"seed": _("随机种子应为非负整数。")})
    with transaction.atomic():
        eligible = list(valid_high_awards(cycle).select_for_update().values_list("pk", flat=True))
        if not eligible:
            raise ValidationError(_("本周期没有有效的四星、五星命名可供抽取。"))
        sample = FollowUpSample.objects.create(
            cycle=cycle, seed=seed, share=share, eligible=len(eligible), drawn_by=by
        )
        drawn = sample_award_ids(eligible, share, seed)
        open_already = set(
            FollowUpCheck.objects.filter(
                award_id__in=drawn, trigger=FollowUpCheck.Trigger.SAMPLE, state=FollowUpCheck.State.OPEN
            ).values_list("award_id", flat=True)
        )
        FollowUpCheck.objects.bulk_create(
            FollowUpCheck(award_id=pk, sample=sample, trigger=FollowUpCheck.Trigger.SAMPLE)
            for pk in drawn
            if pk not in open_already
        )
        audit_record(
            actor=by,
            action="followup.sample",
            target=cycle,
            committee_id=cycle.committee_id,
            after={"seed": seed, "share": share, "eligible": len(eligible), "drawn": drawn},
        )
    return sample


def followup_check_open(*, award: Award, trigger: str, note: str = "", by: User | None = None):
    """Open a 核查评估 of `award` for `trigger`, unless one is open already (then None)."""
    if award.state == Award.State.REVOKED or award.has_lapsed():
        return None
    try:
        with transaction.atomic():
            check = FollowUpCheck.objects.create(award=award, trigger=trigger, note=note[:300])
            audit_record(
                actor=by,
                action="followup.open",
                target=award,
                committee_id=award.cycle.committee_id,
                after={"trigger": trigger, "note": note[:300]},
            )
    except IntegrityError:  # one open check per award and trigger
        return None
    return check


def _awards_of_branches(po_ids, today):
    return Award.objects.filter(
        Award.in_force_q(today),
        party_organization_id__in=po_ids,
        state__in=[Award.State.VALID, Award.State.DOWNGRADED],
    ).select_related("cycle")


def followup_event_report(*, award: Award, by: User, description: str, item: VetoItem | None = None):
    """Staff report an event that may affect the level during the award's validity (between
    cycles, when there is no submission in review to raise a veto on): it opens a 核查评估 of the
    award for a reported veto event, with what was reported as its note."""
    award = Award.objects.select_related("cycle").get(pk=award.pk)
    access.require(by, "rating.manage", award.cycle)
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = _("请写明报告的事项。")
    if item is not None and item.rubric_id != award.cycle.rubric_id:
        errors["item"] = _("否决事项须属于该周期的测评标准。")
    if errors:
        raise ValidationError(errors)
    if award.state == Award.State.REVOKED or award.has_lapsed():
        raise ValidationError(_("该命名已撤销或已过有效期，不再开启核查。"))
    note = f"{item.code} {item.title}：{description}" if item is not None else description
    with transaction.atomic():
        check = followup_check_open(award=award, trigger=FollowUpCheck.Trigger.VETO, note=note, by=by)
        if check is None:
            raise ValidationError(_("该命名已有一项因报告一票否决事项开启的核查尚未结束，请在该核查中处理。"))
        audit_record(
            actor=by,
            action="followup.report",
            target=award,
            committee_id=award.cycle.committee_id,
            after={"item": item.code if item is not None else "", "check": check.pk},
            note=description,
        )
    return check


def open_checks_for_organization(organization) -> int:
    """The register says an organisation is on the abnormal list or deregistered: check its awards."""
    trigger = {
        OrgStatus.ABNORMAL: FollowUpCheck.Trigger.ABNORMAL,
        OrgStatus.DEREGISTERED: FollowUpCheck.Trigger.DEREGISTERED,
    }.get(organization.status)
    if trigger is None:
        return 0
    po_ids = list(organization.party_organizations.values_list("pk", flat=True))
    opened = 0
    for award in _awards_of_branches(po_ids, timezone.localdate()):
        if followup_check_open(award=award, trigger=trigger, note=organization.name):
            opened += 1
    return opened


@receiver(post_save, sender=SocialOrganization, dispatch_uid="followup-on-organization-status")
def check_when_organization_status_changes(sender, instance, **kwargs) -> None:
    """The register saved an organisation: if it is abnormal or deregistered, check its awards."""
    if instance.status in (OrgStatus.ABNORMAL, OrgStatus.DEREGISTERED):
        transaction.on_commit(lambda: open_checks_for_organization(instance), robust=True)


def open_checks_for_events(today: dt.date | None = None) -> int:
    """Daily: organisations abnormal or deregistered (also those written in bulk, without a save
    signal), vetoes reported on a branch with a valid award in a later cycle, and rectification
    overdue past the committee's limit open a check (idempotent: one open check per award and
    trigger)."""
    today = today or timezone.localdate()
    opened = 0
    flagged = SocialOrganization.objects.filter(
        status__in=[OrgStatus.ABNORMAL, OrgStatus.DEREGISTERED],
        party_organizations__awards__in=Award.objects.filter(Award.in_force_q(today)),
    ).distinct()
    for organization in flagged:
        opened += open_checks_for_organization(organization)
    awards = _awards_of_branches(
        Award.objects.filter(Award.in_force_q(today)).values("party_organization_id"), today
    )
    by_branch: dict[int, list[Award]] = {}
    for award in awards:
        by_branch.setdefault(award.party_organization_id, []).append(award)
    vetoes = VetoDecision.objects.filter(
        submission__party_organization_id__in=list(by_branch),
        state__in=[VetoDecision.State.OPEN, VetoDecision.State.CONFIRMED],
    ).select_related("submission__cycle", "item")
    for veto in vetoes:
        for award in by_branch.get(veto.submission.party_organization_id, []):
            if veto.submission.cycle.year <= award.cycle.year:
                continue  # raised in the award's own review (or earlier): already weighed
            if followup_check_open(award=award, trigger=FollowUpCheck.Trigger.VETO, note=str(veto.item)):
                opened += 1
    overdue = Rectification.objects.filter(
        submission__party_organization_id__in=list(by_branch),
        state__in=[Rectification.State.OPEN, Rectification.State.SENT_BACK],
    ).select_related("submission__cycle")
    limits: dict[int, int] = {}
    for item in overdue:
        committee_id = item.submission.cycle.committee_id
        if committee_id not in limits:
            limits[committee_id] = RatingSettings.for_committee(committee_id).followup_overdue_days
        if (today - item.due_on).days <= limits[committee_id]:
            continue
        for award in by_branch.get(item.submission.party_organization_id, []):
            note = _("整改期限 %(due)s") % {"due": item.due_on}
            if followup_check_open(
                award=award, trigger=FollowUpCheck.Trigger.RECTIFICATION_OVERDUE, note=note
            ):
                opened += 1
    return opened


# --- the visit and its end ----------------------------------------------------------------------------


def _lock_open(check: FollowUpCheck, by: User, *, scoring: bool = False) -> FollowUpCheck:
    """The open check, locked; staff of its committee — or, to score, its assigned inspector."""
    check = FollowUpCheck.objects.select_for_update().select_related("award__cycle").get(pk=check.pk)
    if not (scoring and access.can(by, "followup.score", check)):
        access.require(by, "rating.manage", check.award.cycle)
    if check.state != FollowUpCheck.State.OPEN:
        raise ValidationError(_("该核查已结束。"))
    return check


def followup_schedule(
    *, check: FollowUpCheck, by: User, visit_on: dt.date, inspector: User | None, indicators
) -> FollowUpCheck:
    """Schedule the visit like an inspection: the day, the inspector, the indicators to check."""
    with transaction.atomic():
        check = _lock_open(check, by)
        committee_id = check.award.cycle.committee_id
        if inspector is not None and not (
            inspector.role == Role.INSPECTOR and inspector.committee_id == committee_id
        ):
            raise ValidationError({"inspector": _("请选择本综合党委的验收人员。")})
        rubric_id = check.award.cycle.rubric_id
        indicators = list(indicators)
        if not indicators:
            raise ValidationError({"indicators": _("请至少选择一个核查指标。")})
        if any(i.category.rubric_id != rubric_id for i in indicators):
            raise ValidationError({"indicators": _("核查指标须属于该周期的测评标准。")})
        check.visit_on, check.inspector = visit_on, inspector
        check.save(update_fields=["visit_on", "inspector"])
        check.indicators.set(indicators)
        audit_record(
            actor=by,
            action="followup.schedule",
            target=check.award,
            committee_id=committee_id,
            after={"visit_on": str(visit_on), "indicators": [i.code for i in indicators]},
        )
    return check


def followup_score(
    *, check: FollowUpCheck, by: User, indicator: Indicator, score: Decimal, finding: str = ""
) -> FollowUpScore:
    """Record the score found for one chosen indicator (0 to its maximum), and who found it: the
    inspector assigned to the check on the visit, or the committee's staff."""
    with transaction.atomic():
        check = _lock_open(check, by, scoring=True)
        if not check.indicators.filter(pk=indicator.pk).exists():
            raise ValidationError({"indicator": _("该指标不在本次核查的范围内。")})
        if not Decimal(0) <= Decimal(score) <= indicator.max_score:
            raise ValidationError({"score": _("分数应在 0 到 %(max)s 之间。") % {"max": indicator.max_score}})
        row, _created = FollowUpScore.objects.update_or_create(
            check_row=check,
            indicator=indicator,
            defaults={"score": score, "finding": finding, "scored_by": by},
        )
        audit_record(
            actor=by,
            action="followup.score",
            target=check.award,
            committee_id=check.award.cycle.committee_id,
            after={"indicator": indicator.code, "score": str(score)},
        )
    return row


def followup_conclude(
    *, check: FollowUpCheck, by: User, outcome: str, conclusion: str, to_level: int | None = None
) -> FollowUpCheck:
    """End the check: confirmed (an award event), downgraded or revoked (the award's own services)."""
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _("请写明核查结论。")})
    with transaction.atomic():
        check = _lock_open(check, by)
        award = check.award
        grounds = GROUNDS_OF[check.trigger]
        reason = _("%(trigger)s：%(conclusion)s") % {
            "trigger": check.get_trigger_display(),
            "conclusion": conclusion,
        }
        if outcome == FollowUpCheck.State.CONFIRMED:
            AwardEvent.objects.create(
                award=award,
                kind=AwardEvent.Kind.CONFIRMED,
                from_level=award.level,
                to_level=award.level,
                grounds=grounds,
                reason=reason[:2000],
                by=by,
            )
        elif outcome == FollowUpCheck.State.DOWNGRADED:
            if to_level is None:
                raise ValidationError({"to_level": _("请选择降级后的星级。")})
            award_downgrade(award=award, to_level=to_level, grounds=grounds, reason=reason, by=by)
        elif outcome == FollowUpCheck.State.REVOKED:
            award_revoke(award=award, grounds=grounds, reason=reason, by=by)
        else:
            raise ValidationError({"outcome": _("请选择核查结果。")})
        check.state, check.conclusion = outcome, conclusion.strip()
        check.closed_at, check.closed_by = timezone.now(), by
        check.save(update_fields=["state", "conclusion", "closed_at", "closed_by"])
        audit_record(
            actor=by,
            action="followup.conclude",
            target=award,
            committee_id=award.cycle.committee_id,
            after={"outcome": outcome, "trigger": check.trigger},
            note=conclusion,
        )
    return check
