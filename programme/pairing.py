"""牵手 pairing: staff pair a starred branch with a weak or unrated one; the two record their joint
activities once, as joint meetings that count for both (meetings.Meeting.partner_organization);
the pair's page compares the weaker branch's scores in the cycle it was paired on with the next.

Writes: `pairing_create`, `pairing_update` (goals and period), `pairing_end` (early, with a reason),
`joint_activity_record`. Reads: `pairings_visible_to`, `pairing_rows`
(the list, a fixed number of queries) and `pairing_report` (one pair's page)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from branches import access
from branches.models import PartyOrganization, User
from branches.selectors import with_star_level
from branches.services import audit_record
from core.locking import locked
from meetings.models import Category, Meeting, MeetingStatus, MeetingType
from meetings.services import meeting_create
from ratings.models import Cycle, FinalScore, Status, Submission, level_name

from .models import Pairing, ProgrammeSettings

# --- who may be paired --------------------------------------------------------------------------


def _levels(committee_id: int) -> QuerySet:
    return with_star_level(PartyOrganization.objects.filter(committee_id=committee_id, is_active=True))


def strong_candidates(committee_id: int) -> QuerySet[PartyOrganization]:
    """Branches with a star in force (1★ and up), the highest first: 3★+ are the usual leaders."""
    return _levels(committee_id).filter(star_level__gte=1).order_by("-star_level", "name", "pk")


def weak_candidates(committee_id: int) -> QuerySet[PartyOrganization]:
    """Branches without a star in force or below the committee's target level."""
    target = ProgrammeSettings.for_committee(committee_id).target_level
    return (
        _levels(committee_id)
        .filter(Q(star_level__isnull=True) | Q(star_level__lt=target))
        .order_by("name", "pk")
    )


def pairing_cycles(committee_id: int) -> QuerySet[Cycle]:
    """The cycles a pair can start from: finished ones, the latest first."""
    return Cycle.objects.filter(committee_id=committee_id, status=Cycle.Status.FINAL).order_by("-year")


# --- writes -------------------------------------------------------------------------------------


def pairing_create(
    *,
    cycle: Cycle,
    strong: PartyOrganization,
    weak: PartyOrganization,
    starts_on: dt.date,
    ends_on: dt.date,
    goals: str,
    by: User,
) -> Pairing:
    """Staff pair a starred branch with a weaker one, from the final results of `cycle`."""
    access.require(by, "programme.manage", cycle)
    errors: dict[str, list] = defaultdict(list)
    if cycle.status != Cycle.Status.FINAL:
        errors["cycle"].append(_("只能依据已完成的评星周期结对。"))
    for key, po in (("strong", strong), ("weak", weak)):
        if po.committee_id != cycle.committee_id or not po.is_active:
            errors[key].append(_("须是本综合党委在册的党组织。"))
    if strong.pk == weak.pk:
        errors["weak"].append(_("带动方和帮扶对象不能是同一个党组织。"))
    levels = dict(
        with_star_level(PartyOrganization.objects.filter(pk__in=[strong.pk, weak.pk])).values_list(
            "pk", "star_level"
        )
    )
    strong_level, weak_level = levels.get(strong.pk) or 0, levels.get(weak.pk) or 0
    target = ProgrammeSettings.for_committee(cycle.committee_id).target_level
    if strong_level < 1:
        errors["strong"].append(_("带动方须持有一星及以上的有效星级。"))
    if weak_level >= target or (strong_level and weak_level >= strong_level):
        errors["weak"].append(_("帮扶对象须未评星或星级低于目标星级和带动方。"))
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"].append(_("结束日期须晚于开始日期。"))
    if not (goals or "").strip():
        errors["goals"].append(_("请填写结对目标。"))
    if Pairing.objects.filter(cycle=cycle, weak=weak).exists():
        errors["weak"].append(_("该党组织在这一周期已有牵手结对。"))
    if errors:
        raise ValidationError(dict(errors))
    pairing = Pairing(
        committee_id=cycle.committee_id,
        cycle=cycle,
        strong=strong,
        weak=weak,
        starts_on=starts_on,
        ends_on=ends_on,
        goals=goals.strip(),
        created_by=by,
    )
    pairing.full_clean()
    try:
        with transaction.atomic():
            pairing.save()
            audit_record(
                actor=by,
                action="pairing.create",
                target=pairing,
                after={
                    "strong": strong.name,
                    "weak": weak.name,
                    "period": f"{starts_on:%Y-%m-%d}–{ends_on:%Y-%m-%d}",
                    "goals": pairing.goals,
                },
            )
    except IntegrityError as exc:  # the same pair made at the same moment by someone else
        raise ValidationError({"weak": [_("该党组织在这一周期已有牵手结对。")]}) from exc
    return pairing


def pair_activities(pairing: Pairing, first: dt.date, last: dt.date) -> QuerySet[Meeting]:
    """The pair's joint activities (either branch holding, the other as partner) held from
    `first` to `last`, cancelled ones left out, oldest first."""
    return (
        Meeting.objects.filter(
            Q(party_organization_id=pairing.strong_id, partner_organization_id=pairing.weak_id)
            | Q(party_organization_id=pairing.weak_id, partner_organization_id=pairing.strong_id),
            starts_at__date__gte=first,
            starts_at__date__lte=last,
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("party_organization", "meeting_type")
        .order_by("starts_at", "pk")
    )


SHOWN_DROPPED = 5  # activities named in the question before a shorter period drops them


def _dropped_activities(pairing: Pairing, starts_on: dt.date, ends_on: dt.date) -> list[Meeting]:
    """The activities that count for the pair now and would not within the new period."""
    return [
        m
        for m in pair_activities(pairing, pairing.starts_on, pairing.last_day)
        if not starts_on <= timezone.localtime(m.starts_at).date() <= ends_on
    ]


def pairing_update(
    *,
    pairing: Pairing,
    starts_on: dt.date,
    ends_on: dt.date,
    goals: str,
    by: User,
    drop_activities: bool = False,
) -> Pairing:
    """Staff change an active pair's goals and period. A period that would leave recorded joint
    activities outside it (so they no longer count for the pair) is refused unless the staff
    member confirms it with `drop_activities`, having been told which ones."""
    access.require(by, "programme.manage", pairing)
    errors: dict[str, list] = defaultdict(list)
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"].append(_("结束日期须晚于开始日期。"))
    if not (goals or "").strip():
        errors["goals"].append(_("请填写结对目标。"))
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        pairing = locked(pairing)
        if pairing.is_ended:
            raise ValidationError(_("该结对已提前结束，不能再修改。"))
        dropped = _dropped_activities(pairing, starts_on, ends_on)
        if dropped and not drop_activities:
            named = _("；").join(
                f"{timezone.localtime(m.starts_at):%Y-%m-%d} {m.topic}" for m in dropped[:SHOWN_DROPPED]
            )
            if len(dropped) > SHOWN_DROPPED:
                named += _("……")
            raise ValidationError(
                {
                    "drop_activities": ngettext(
                        "已记录的 %(n)s 次联合活动在新的结对期之外，保存后将不再计入本结对：%(list)s。"
                        "如确要这样修改，请勾选确认后再保存。",
                        "已记录的 %(n)s 次联合活动在新的结对期之外，保存后将不再计入本结对：%(list)s。"
                        "如确要这样修改，请勾选确认后再保存。",
                        len(dropped),
                    )
                    % {"n": len(dropped), "list": named}
                }
            )
        before = {
            "period": f"{pairing.starts_on:%Y-%m-%d}–{pairing.ends_on:%Y-%m-%d}",
            "goals": pairing.goals,
        }
        pairing.starts_on, pairing.ends_on, pairing.goals = starts_on, ends_on, goals.strip()
        pairing.full_clean()
        pairing.save(update_fields=["starts_on", "ends_on", "goals"])
        audit_record(
            actor=by,
            action="pairing.update",
            target=pairing,
            before=before,
            after={
                "period": f"{starts_on:%Y-%m-%d}–{ends_on:%Y-%m-%d}",
                "goals": pairing.goals,
                **({"activities_no_longer_counted": [m.pk for m in dropped]} if dropped else {}),
            },
        )
    return pairing


def pairing_end(*, pairing: Pairing, ended_on: dt.date, reason: str, by: User) -> Pairing:
    """Staff end an active pair before its period is over, with a reason; it stays in the list."""
    access.require(by, "programme.manage", pairing)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写提前结束的原因。")]})
    with transaction.atomic():
        pairing = locked(pairing)
        if pairing.is_ended:
            raise ValidationError(_("该结对已提前结束。"))
        if ended_on is None or not pairing.starts_on <= ended_on <= pairing.ends_on:
            raise ValidationError(
                {
                    "ended_on": [
                        _("提前结束日期须在结对期内（%(a)s 至 %(b)s）。")
                        % {"a": pairing.starts_on.isoformat(), "b": pairing.ends_on.isoformat()}
                    ]
                }
            )
        pairing.state, pairing.ended_on, pairing.end_reason = Pairing.State.ENDED, ended_on, reason.strip()
        pairing.full_clean()
        pairing.save(update_fields=["state", "ended_on", "end_reason"])
        audit_record(
            actor=by,
            action="pairing.end",
            target=pairing,
            before={"state": Pairing.State.ACTIVE},
            after={"state": pairing.state, "ended_on": f"{ended_on:%Y-%m-%d}", "reason": pairing.end_reason},
        )
    return pairing


def joint_meeting_type(committee_id: int) -> MeetingType | None:
    """The committee's meeting type for joint activities (联建共建)."""
    return (
        MeetingType.objects.filter(committee_id=committee_id, category=Category.JOINT, is_active=True)
        .order_by("sort_order", "pk")
        .first()
    )


def joint_activity_record(
    *, pairing: Pairing, by: User, starts_at: dt.datetime, place: str, topic: str, minutes: str = ""
) -> Meeting:
    """The secretary of either branch records a joint activity of the pair, once: held by their
    branch, with the other as partner, so it counts for both."""
    access.require(by, "programme.record", pairing)
    partner_id = pairing.partner_of(by.party_organization_id)
    if partner_id is None:
        raise PermissionDenied(access.DENIED_MESSAGES["programme.record"])
    if starts_at is not None:
        day = timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
        if not pairing.starts_on <= day <= pairing.last_day:
            raise ValidationError(
                {
                    "starts_at": _("联合活动须在结对期内（%(a)s 至 %(b)s）。")
                    % {"a": pairing.starts_on.isoformat(), "b": pairing.last_day.isoformat()}
                }
            )
    meeting_type = joint_meeting_type(pairing.committee_id)
    if meeting_type is None:
        raise ValidationError(_("本综合党委没有启用“联建共建”类的会议类型，请联系工作人员。"))
    host = PartyOrganization.objects.get(pk=by.party_organization_id)
    partner = PartyOrganization.objects.get(pk=partner_id)
    return meeting_create(
        party_organization=host,
        partner_organization=partner,
        meeting_type=meeting_type,
        starts_at=starts_at,
        place=place,
        topic=topic,
        minutes=minutes,
        by=by,
    )


# --- reads --------------------------------------------------------------------------------------


def pairings_visible_to(user: User) -> QuerySet[Pairing]:
    """Staff: their committee's pairs; a secretary: the pairs their branch belongs to (either side)."""
    q = None
    for side in ("strong", "weak"):
        part = access.scope(
            user, "programme.view", access.Paths(committee="committee", party_organization=side)
        )
        if part is not None:
            q = part if q is None else q | part
    return Pairing.objects.none() if q is None else Pairing.objects.filter(q)


@dataclass
class Result:
    """A branch's result in one cycle: its level (0: rated without a star or vetoed), or None when
    there is none to show yet; provisional while the cycle is not final."""

    cycle: Cycle | None
    level: int | None = None
    provisional: bool = False
    total: Decimal | None = None

    @property
    def label(self) -> str:
        if self.cycle is None:
            return _("尚无下一周期")
        if self.level is None:
            return _("尚未评定")
        name = level_name(self.level) if self.level else _("未评星")
        return _("%(level)s（待确定）") % {"level": name} if self.provisional else str(name)


def result_of(cycle: Cycle | None, sub: Submission | None, *, unpublished: bool) -> Result:
    """The level `sub` reached in `cycle`; proposed levels only for those who may see them
    (`unpublished`: staff) before the results are published."""
    if cycle is None:
        return Result(None)
    if sub is None or sub.status != Status.REVIEWED:
        return Result(cycle)
    published = cycle.status in (Cycle.Status.PUBLISHED, Cycle.Status.FINAL)
    if not published and not unpublished:
        return Result(cycle)
    final = cycle.status == Cycle.Status.FINAL and sub.finalized_at is not None
    if sub.vetoed:
        return Result(cycle, 0, not final, sub.total)
    level = sub.final_level if final else sub.proposed_level
    return Result(cycle, level or 0, not final, sub.total)


def change_label(before: Result, after: Result) -> str:
    if before.level is None or after.level is None:
        return _("待下一周期评定") if after.cycle is None or after.level is None else ""
    if after.level > before.level:
        return _("提升 %(n)d 星") % {"n": after.level - before.level}
    if after.level < before.level:
        return _("下降 %(n)d 星") % {"n": before.level - after.level}
    return _("持平")


@dataclass
class PairRow:
    pairing: Pairing
    activities: int
    before: Result
    after: Result
    today: dt.date

    @property
    def change(self) -> str:
        return change_label(self.before, self.after)

    @property
    def progress(self) -> int:
        """Share of the period gone by, in per cent."""
        p = self.pairing
        if p.is_ended:
            return 100
        days = (p.ends_on - p.starts_on).days or 1
        return max(0, min(100, round(100 * (self.today - p.starts_on).days / days)))

    @property
    def state(self) -> str:
        p = self.pairing
        if p.is_ended:
            return _("已提前结束（%(day)s）") % {"day": p.ended_on.isoformat()}
        if self.today < p.starts_on:
            return _("未开始")
        return _("进行中") if self.today <= p.ends_on else _("已结束")


def _next_cycles(committee_ids) -> dict[int, Cycle | None]:
    """Each cycle id of these committees → the committee's next cycle (None for the latest)."""
    by_committee = defaultdict(list)
    for c in Cycle.objects.filter(committee_id__in=committee_ids).order_by("year"):
        by_committee[c.committee_id].append(c)
    following = {}
    for cycles in by_committee.values():
        for i, c in enumerate(cycles):
            following[c.pk] = cycles[i + 1] if i + 1 < len(cycles) else None
    return following


def _joint_counts(pairings: list[Pairing]) -> dict[int, int]:
    """Joint activities held by each pair within its period: one query for the whole page."""
    ids = {p.strong_id for p in pairings} | {p.weak_id for p in pairings}
    if not pairings:
        return {}
    first, last = min(p.starts_on for p in pairings), max(p.last_day for p in pairings)
    rows = list(
        Meeting.objects.filter(
            party_organization_id__in=ids,
            partner_organization_id__in=ids,
            status=MeetingStatus.HELD,
            starts_at__date__gte=first,
            starts_at__date__lte=last,
        ).values_list("party_organization_id", "partner_organization_id", "starts_at")
    )
    counts = {}
    for p in pairings:
        pair = {p.strong_id, p.weak_id}
        counts[p.pk] = sum(
            1
            for host, partner, at in rows
            if {host, partner} == pair and p.starts_on <= timezone.localtime(at).date() <= p.last_day
        )
    return counts


def pairing_rows(pairings, *, unpublished: bool, today: dt.date | None = None) -> list[PairRow]:
    """The list's rows with activities and the weaker branch's results: four queries, any length."""
    today = today or timezone.localdate()
    pairings = list(pairings)
    following = _next_cycles({p.committee_id for p in pairings}) if pairings else {}
    cycle_ids = {p.cycle_id for p in pairings} | {c.pk for c in following.values() if c is not None}
    subs = {
        (s.cycle_id, s.party_organization_id): s
        for s in Submission.objects.filter(
            cycle_id__in=cycle_ids, party_organization_id__in={p.weak_id for p in pairings}
        )
    }
    counts = _joint_counts(pairings)
    rows = []
    for p in pairings:
        nxt = following.get(p.cycle_id)
        rows.append(
            PairRow(
                pairing=p,
                activities=counts.get(p.pk, 0),
                before=result_of(p.cycle, subs.get((p.cycle_id, p.weak_id)), unpublished=True),
                after=result_of(nxt, subs.get((nxt.pk, p.weak_id)) if nxt else None, unpublished=unpublished),
                today=today,
            )
        )
    return rows


@dataclass
class PairReport:
    row: PairRow
    activities: list[Meeting]
    scores: list[dict] = field(default_factory=list)


def pairing_report(pairing: Pairing, *, unpublished: bool) -> PairReport:
    """One pair's page: its joint activities, and the weaker branch's final score per indicator in
    the cycle it was paired on next to the next cycle (matched by indicator code)."""
    row = pairing_rows([pairing], unpublished=unpublished)[0]
    activities = list(pair_activities(pairing, pairing.starts_on, pairing.last_day))
    sides = {"before": row.before, "after": row.after}
    sub_ids = {}
    for key, result in sides.items():
        if result.level is not None:
            sub = Submission.objects.filter(cycle=result.cycle, party_organization_id=pairing.weak_id).first()
            sub_ids[key] = sub.pk if sub else None
    scores: dict[str, dict[str, Decimal]] = defaultdict(dict)
    indicators = {}
    if sub_ids:
        key_of = {pk: key for key, pk in sub_ids.items() if pk}
        for fs in (
            FinalScore.objects.filter(submission_id__in=key_of)
            .select_related("indicator__category")
            .order_by("indicator__category__order", "indicator__order", "indicator__pk")
        ):
            scores[key_of[fs.submission_id]][fs.indicator.code] = fs.score
            indicators.setdefault(fs.indicator.code, fs.indicator)
    table = []
    for code, ind in indicators.items():
        before, after = scores["before"].get(code), scores["after"].get(code)
        table.append(
            {
                "indicator": ind,
                "before": before,
                "after": after,
                "diff": after - before if before is not None and after is not None else None,
            }
        )
    return PairReport(row=row, activities=activities, scores=table)
