"""查找不足 improvement plans: after a cycle is final, every branch below the committee's target
level gets a plan generated from its own results — the indicators where it lost the most points,
what evidence the rubric asks for there, the points it lacks for the next band and its meeting
gaps of that year; the secretary commits actions with owners and due dates and marks them done.

The plan's edges (`EDGES`): commit {generated}; add an action {generated, committed, in progress};
mark an action done {committed, in progress} → in progress, or done with the last one. Overdue is
read from the actions (`overdue_q`), never stored. Reminders: `plan_reminders_send`, daily."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import access
from branches.models import PartyOrganization, Role, User
from branches.services import audit_record
from core.locking import locked
from meetings.compliance import compliance_summary
from meetings.compliance_rules import gaps_label
from notifications.services import notify
from ratings.models import Cycle, CycleExclusion, FinalScore, Indicator, Status, Submission, level_name

from .models import ImprovementPlan, PlanAction, ProgrammeSettings

State = ImprovementPlan.State
TOP_FINDINGS = 5
REMINDER_DAYS = (7, 1)
OVERDUE = "overdue"
EDGES = {
    "commit": {State.GENERATED},
    "action_add": {State.GENERATED, State.COMMITTED, State.IN_PROGRESS},
    "action_done": {State.COMMITTED, State.IN_PROGRESS},
}
STATE_LABELS = {**dict(State.choices), OVERDUE: gettext_lazy("已逾期")}


class TransitionNotAllowed(ValidationError):
    pass


def _require_edge(plan: ImprovementPlan, edge: str) -> None:
    if plan.state not in EDGES[edge]:
        raise TransitionNotAllowed(
            _("提升计划当前状态为“%(state)s”，不能进行此操作。") % {"state": plan.get_state_display()}
        )


# --- generation ---------------------------------------------------------------------------------


def result_level(sub: Submission) -> int:
    """The level a final result gave (0: no star, vetoed, or not rated at all)."""
    if sub.status != Status.REVIEWED or sub.vetoed:
        return 0
    return sub.final_level or 0


def _points(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))


def _findings(indicators, scores: dict[int, Decimal]) -> list[dict]:
    lost = []
    for ind in indicators:
        score = scores.get(ind.pk)
        points = ind.max_score - (score or Decimal(0))
        if points > 0:
            lost.append((points, ind, score))
    lost.sort(key=lambda t: (-t[0], t[1].category.order, t[1].order, t[1].pk))
    return [
        {
            "code": ind.code,
            "title": ind.title,
            "category": ind.category.title,
            "max": _points(ind.max_score),
            "score": None if score is None else _points(score),
            "lost": _points(points),
            "evidence": ind.evidence_description,
        }
        for points, ind, score in lost[:TOP_FINDINGS]
    ]


def _unrated(cycle: Cycle, have: set[int], with_result: set[int]) -> list[PartyOrganization]:
    """Active branches with no result in `cycle`: those left out of it before it opened (their
    exclusion), and — from the committee's latest final cycle only, so that a branch registered
    later gets one plan and not one for every earlier cycle — those that joined after it opened
    and are not in a later cycle either (one that is will have its own result there)."""
    left_out = CycleExclusion.objects.filter(cycle=cycle).values("party_organization_id")
    latest = (
        Cycle.objects.filter(committee_id=cycle.committee_id, status=Cycle.Status.FINAL)
        .order_by("-year", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    wanted = Q(pk__in=left_out)
    if latest == cycle.pk:
        later = Submission.objects.filter(cycle__committee_id=cycle.committee_id, cycle__year__gt=cycle.year)
        wanted |= Q(committee_id=cycle.committee_id) & ~Q(pk__in=later.values("party_organization_id"))
    return list(
        PartyOrganization.objects.filter(wanted, is_active=True)
        .exclude(pk__in=have | with_result)
        .order_by("name", "pk")
    )


def plans_generate(*, cycle: Cycle, by: User | None = None) -> list[ImprovementPlan]:
    """Every active branch of a final cycle below the committee's target gets its plan — no star,
    vetoed, never submitted, left out of the cycle, or (from the latest final cycle) registered
    after it opened; a branch that has one keeps it (safe to run again). A fixed number of queries
    before the writes."""
    if by is not None:
        access.require(by, "programme.manage", cycle)
    if cycle.status != Cycle.Status.FINAL:
        raise ValidationError(_("评星结果确定后才能生成提升计划。"))
    target = ProgrammeSettings.for_committee(cycle.committee_id).target_level
    have = set(ImprovementPlan.objects.filter(cycle=cycle).values_list("party_organization_id", flat=True))
    all_subs = list(
        Submission.objects.filter(cycle=cycle, party_organization__is_active=True)
        .select_related("party_organization")
        .order_by("party_organization__name", "pk")
    )
    subs = [s for s in all_subs if s.party_organization_id not in have and result_level(s) < target]
    with_result = {s.party_organization_id for s in all_subs}
    # (branch, its result in the cycle or None): below target with a result, then those without one.
    rows = [(s.party_organization, s) for s in subs] + [
        (po, None) for po in _unrated(cycle, have, with_result)
    ]
    if not rows:
        return []
    indicators = list(
        Indicator.objects.filter(category__rubric_id=cycle.rubric_id)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    bands = sorted(cycle.rubric.bands.all(), key=lambda b: b.level)
    scores: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for sid, iid, score in FinalScore.objects.filter(submission__in=subs).values_list(
        "submission_id", "indicator_id", "score"
    ):
        scores[sid][iid] = score
    compliance = compliance_summary([po.pk for po, _sub in rows], cycle.year)
    plans = []
    with transaction.atomic():
        for po, sub in rows:
            level = result_level(sub) if sub else 0
            band = next((b for b in bands if b.level > level), None)
            total = sub.total if sub and sub.status == Status.REVIEWED else None
            branch = compliance.get(po.pk)
            gaps = [
                {
                    "type": t.rule.name,
                    "gaps": len(t.gaps),
                    # the periods, so that the label is read in the reader's language
                    "frequency": t.rule.frequency,
                    "periods": [p.index for p in t.gaps],
                    "label": str(t.gaps_label),
                }
                for t in (branch.types if branch else [])
                if t.gaps
            ]
            plan = ImprovementPlan.objects.create(
                committee_id=cycle.committee_id,
                cycle=cycle,
                party_organization=po,
                level=level,
                target_level=target,
                total=total,
                next_level=band.level if band else None,
                points_to_next=max(band.min_total - (total or 0), Decimal(0)) if band else None,
                findings=_findings(indicators, scores.get(sub.pk, {}) if sub else {}),
                meeting_gaps=gaps,
            )
            audit_record(
                actor=by, action="plan.generate", target=plan, after={"level": level, "target": target}
            )
            plans.append(plan)
    transaction.on_commit(lambda: _notify_generated([p.pk for p in plans]))
    return plans


def _secretaries(party_organization_ids) -> dict[int, list[User]]:
    found = defaultdict(list)
    for u in User.objects.filter(
        role=Role.SECRETARY, party_organization_id__in=list(party_organization_ids), is_active=True
    ):
        found[u.party_organization_id].append(u)
    return found


def _notify_generated(plan_ids) -> None:
    plans = list(ImprovementPlan.objects.filter(pk__in=plan_ids).select_related("cycle"))
    people = _secretaries({p.party_organization_id for p in plans})
    for plan in plans:
        notify(
            recipients=people.get(plan.party_organization_id, []),
            kind="rectification_issued",
            key=f"plan:{plan.pk}:generated",
            title=lambda: _("%(year)s年度提升计划已生成") % {"year": plan.cycle.year},  # noqa: B023 (notify() calls it at once)
            body=lambda: _(
                "系统根据本支部的评星得分和组织生活情况列出了失分较多的指标，请制定提升措施并确认。"
            ),
            url=reverse("programme:plan-detail", args=[plan.pk]),
        )


# --- the secretary's actions --------------------------------------------------------------------


def plan_action_add(
    *, plan: ImprovementPlan, by: User, text: str, owner: str, due_on: dt.date, indicator_code: str = ""
) -> PlanAction:
    """The secretary adds an action to the plan: what, who is responsible, by when."""
    access.require(by, "programme.record", plan)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("请填写措施。")
    if not (owner or "").strip():
        errors["owner"] = _("请填写责任人。")
    if due_on is None or due_on < timezone.localdate():
        errors["due_on"] = _("完成期限不能早于今天。")
    codes = {f["code"]: f["title"] for f in plan.findings}
    if indicator_code and indicator_code not in codes:
        errors["indicator_code"] = _("请选择计划列出的指标。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = locked(plan)
        _require_edge(plan, "action_add")
        action = PlanAction(
            plan=plan,
            indicator_code=indicator_code,
            indicator_title=codes.get(indicator_code, ""),
            text=text.strip(),
            owner=owner.strip(),
            due_on=due_on,
        )
        action.full_clean()
        action.save()
        audit_record(
            actor=by,
            action="plan.action_add",
            target=plan,
            after={"text": action.text, "owner": action.owner, "due_on": due_on.isoformat()},
        )
    return action


def plan_commit(*, plan: ImprovementPlan, by: User) -> ImprovementPlan:
    """The secretary commits the branch to the plan's actions."""
    access.require(by, "programme.record", plan)
    with transaction.atomic():
        plan = locked(plan)
        _require_edge(plan, "commit")
        if not plan.actions.exists():
            raise ValidationError(_("请至少制定一项措施再确认计划。"))
        plan.state, plan.committed_at, plan.committed_by = State.COMMITTED, timezone.now(), by
        plan.save(update_fields=["state", "committed_at", "committed_by"])
        audit_record(actor=by, action="plan.commit", target=plan)
    return plan


def plan_action_done(*, action: PlanAction, by: User, note: str = "") -> PlanAction:
    """The secretary marks an action done; the plan is done with its last action."""
    access.require(by, "programme.record", action)
    with transaction.atomic():
        plan = locked(action.plan)
        _require_edge(plan, "action_done")
        action = locked(action)
        if action.is_done:
            raise TransitionNotAllowed(_("这项措施已标记完成。"))
        action.done_at, action.done_note = timezone.now(), (note or "").strip()
        action.full_clean()
        action.save(update_fields=["done_at", "done_note"])
        remaining = plan.actions.filter(done_at__isnull=True).exists()
        plan.state = State.IN_PROGRESS if remaining else State.DONE
        plan.done_at = None if remaining else timezone.now()
        plan.save(update_fields=["state", "done_at"])
        audit_record(actor=by, action="plan.action_done", target=plan, after={"action": action.text[:200]})
    return action


# --- reminders ----------------------------------------------------------------------------------


def plan_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind the branch of each open action 7 days and 1 day before it is due: once per action
    and reminder (the notice key), however often this runs."""
    today = today or timezone.localdate()
    actions = list(
        PlanAction.objects.filter(
            done_at__isnull=True,
            plan__state__in=EDGES["action_done"],
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=max(REMINDER_DAYS)),
        ).select_related("plan")
    )
    people = _secretaries({a.plan.party_organization_id for a in actions})
    sent = 0
    for action in actions:
        days = (action.due_on - today).days
        reminder = min(d for d in REMINDER_DAYS if days <= d)
        sent += len(
            notify(
                recipients=people.get(action.plan.party_organization_id, []),
                kind="rectification_due",
                key=f"plan-action:{action.pk}:due-{reminder}",
                title=lambda: _("提升措施将于 %(d)s 到期") % {"d": action.due_on.isoformat()},  # noqa: B023 (notify() calls it at once)
                body=lambda: (
                    _("措施：%(text)s；责任人：%(owner)s。完成后请在提升计划中标记。")
                    % {"text": action.text[:500], "owner": action.owner}  # noqa: B023 (notify() calls it at once)
                ),
                url=reverse("programme:plan-detail", args=[action.plan_id]),
            )
        )
    return sent


# --- reads --------------------------------------------------------------------------------------


def plans_visible_to(user: User) -> QuerySet[ImprovementPlan]:
    paths = access.Paths(committee="committee", party_organization="party_organization")
    return access.scoped(ImprovementPlan.objects.all(), user, "programme.view", paths)


def overdue_q(today: dt.date) -> Q:
    """Plans under way with an open action past its due date."""
    late = PlanAction.objects.filter(plan=OuterRef("pk"), done_at__isnull=True, due_on__lt=today)
    return Q(state__in=EDGES["action_done"]) & Q(Exists(late))


def with_progress(qs: QuerySet[ImprovementPlan], today: dt.date | None = None) -> QuerySet:
    """Annotated with the actions' counts and `overdue`; one query for a page of plans."""
    today = today or timezone.localdate()
    late = PlanAction.objects.filter(plan=OuterRef("pk"), done_at__isnull=True, due_on__lt=today)
    return qs.annotate(
        action_count=Count("actions", distinct=True),
        done_count=Count("actions", filter=Q(actions__done_at__isnull=False), distinct=True),
        has_late=Exists(late),
    )


def filter_state(qs: QuerySet[ImprovementPlan], state: str, today: dt.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    if state == OVERDUE:
        return qs.filter(overdue_q(today))
    if state in State.values:
        return qs.filter(state=state).exclude(overdue_q(today))
    return qs


def display_state(plan: ImprovementPlan, *, overdue: bool) -> tuple[str, str]:
    """(code, label) of the state a page shows: overdue wins over committed and in progress."""
    if overdue and plan.state in EDGES["action_done"]:
        return OVERDUE, str(STATE_LABELS[OVERDUE])
    return plan.state, plan.get_state_display()


def level_label(level: int | None) -> str:
    return str(level_name(level)) if level else _("未评星")


def meeting_gaps_shown(plan: ImprovementPlan) -> list[dict]:
    """The plan's meeting gaps with their periods labelled in the active language (plans made
    before the periods were kept show the label they were made with)."""
    return [
        {**g, "label": gaps_label(g["frequency"], g["periods"])} if "periods" in g else g
        for g in plan.meeting_gaps
    ]
