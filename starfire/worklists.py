"""What waits for each person: the work page that is every role's home.

Each function returns a list of `Task`s (one line of work, with a link to where it is done, a count
and a deadline) or a small record for the page. Queries are aggregates: their number does not grow
with the rows. Only the rows the access policy lets the user see are read (the secretary's own branch,
the inspector's own assignments, the staff member's own committee).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import selectors as register
from branches.models import Committee, ImportBatch, Member, MemberRole, PartyOrganization, SocialOrganization
from meetings.compliance import GAP, OPEN, branch_compliance, period_compliance
from programme.models import PlanAction
from ratings.models import (
    Award,
    Cycle,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    Objection,
    Plaque,
    Rectification,
    Status,
    Submission,
)
from ratings.models.common import level_name
from ratings.workflow.levels import rules_for
from ratings.workflow.selectors import assignments_of, last_return_reasons


@dataclass
class Task:
    label: str
    url: str
    count: int | None = None
    due: dt.date | dt.datetime | None = None
    overdue: bool = False
    note: str = ""
    details: list[str] = field(default_factory=list)


def _open_rectifications(qs):
    return qs.filter(state__in=[Rectification.State.OPEN, Rectification.State.SENT_BACK])


# --- secretary ---------------------------------------------------------------------------------------


@dataclass
class SecretaryResult:
    cycle: Cycle
    level: int | None
    level_name: str
    total: Decimal | None
    next_level_name: str = ""
    points_to_next: Decimal | None = None
    award: object = None


def secretary_tasks(party_organization_id: int, *, today: dt.date | None = None) -> list[Task]:
    """The open self-assessment, rectification items, open improvement-plan actions and this
    quarter's meeting gaps of one branch."""
    today = today or timezone.localdate()
    now = timezone.now()
    tasks: list[Task] = []
    submissions = Submission.objects.filter(
        party_organization_id=party_organization_id, cycle__status=Cycle.Status.OPEN
    ).select_related("cycle")
    for sub in submissions:
        tasks.append(_self_assessment_task(sub, now))
    rectifications = _open_rectifications(
        Rectification.objects.filter(submission__party_organization_id=party_organization_id)
    ).select_related("indicator", "submission__cycle")
    for item in rectifications.order_by("due_on", "pk"):
        tasks.append(
            Task(
                label=_("整改：%(problem)s") % {"problem": item.problem[:60]},
                url=reverse("ratings:rectification-detail", args=[item.pk]),
                due=item.due_on,
                overdue=item.due_on < today,
                note=item.get_state_display(),
            )
        )
    tasks.extend(_plan_action_tasks(party_organization_id, today))
    tasks.extend(_meeting_gap_tasks(party_organization_id, today))
    return tasks


def _plan_action_tasks(party_organization_id: int, today: dt.date) -> list[Task]:
    """The actions of the branch's 查找不足 plans not yet done, the overdue first then by due date,
    each linking to its plan: one query."""
    actions = (
        PlanAction.objects.filter(plan__party_organization_id=party_organization_id, done_at__isnull=True)
        .select_related("plan__cycle")
        .order_by("due_on", "pk")
    )
    tasks = []
    for action in actions:
        note = _("%(year)s年度提升计划 · 责任人：%(owner)s") % {
            "year": action.plan.cycle.year,
            "owner": action.owner,
        }
        if action.indicator_code:
            note += " · " + " ".join(filter(None, [action.indicator_code, action.indicator_title]))
        tasks.append(
            Task(
                label=_("提升措施：%(text)s") % {"text": action.text[:60]},
                url=reverse("programme:plan-detail", args=[action.plan_id]),
                due=action.due_on,
                overdue=action.is_overdue(today),
                note=note,
            )
        )
    return tasks


def _self_assessment_task(sub: Submission, now: dt.datetime) -> Task:
    rubric_id = sub.cycle.rubric_id
    indicators = Indicator.objects.filter(category__rubric_id=rubric_id)
    total = indicators.count()
    scored = IndicatorScore.objects.filter(submission=sub, score__isnull=False).count()
    needing = (
        indicators.filter(evidence_required=True).exclude(pk__in=sub.evidence.values("indicator_id")).count()
    )
    url = reverse("ratings:self-assessment", args=[sub.pk])
    if sub.status in (Status.DRAFT, Status.RETURNED):
        details = []
        if sub.status == Status.RETURNED:
            details = [
                f"{r.indicator.code} {r.reason}" if r.indicator_id else r.reason
                for r in last_return_reasons(sub)
            ]
        note = _("已填 %(scored)d/%(total)d 项") % {"scored": scored, "total": total}
        if needing:
            note += _("，%(n)d 项须补佐证材料") % {"n": needing}
        return Task(
            label=(_("%(cycle)s：退回修改") if sub.status == Status.RETURNED else _("%(cycle)s：填写自评"))
            % {"cycle": sub.cycle},
            url=url,
            due=sub.deadline,
            overdue=now > sub.deadline,
            note=note,
            details=details,
        )
    return Task(
        label=_("%(cycle)s：%(state)s") % {"cycle": sub.cycle, "state": sub.get_status_display()},
        url=url,
        note=_("无需操作，等待综合党委办理。"),
    )


def _meeting_gap_tasks(party_organization_id: int, today: dt.date) -> list[Task]:
    """One line per meeting type still short this quarter: held against required, overdue when a
    period of it has already ended short."""
    branch = branch_compliance(party_organization_id, today.year, today=today)
    quarter = (today.month - 1) // 3 + 1
    url = reverse("meetings:compliance-branch", args=[party_organization_id])
    tasks = []
    for row in period_compliance(branch, quarter=quarter):
        short = [p for p in row.periods if p.state in (GAP, OPEN) and p.held < p.required]
        if not short:
            continue
        missed = [p for p in short if p.state == GAP]
        tasks.append(
            Task(
                label=_("组织生活：%(type)s") % {"type": row.rule.name},
                url=url,
                due=max(p.end for p in short) - dt.timedelta(days=1),
                overdue=bool(missed),
                note=_("本季度已开 %(held)d 次，至少 %(required)d 次")
                % {"held": row.held, "required": row.required}
                + (
                    _("；%(periods)s未达要求") % {"periods": "、".join(p.label for p in missed)}
                    if missed
                    else ""
                ),
            )
        )
    return tasks


def secretary_result(party_organization_id: int) -> SecretaryResult | None:
    """The branch's latest final result, and how many points the next star needs."""
    sub = (
        Submission.objects.filter(
            party_organization_id=party_organization_id,
            cycle__status=Cycle.Status.FINAL,
            final_level__isnull=False,
        )
        .select_related("cycle__rubric")
        .order_by("-cycle__year")
        .first()
    )
    if sub is None:
        return None
    result = SecretaryResult(
        cycle=sub.cycle, level=sub.final_level, level_name=level_name(sub.final_level), total=sub.total
    )
    result.award = Award.objects.filter(submission=sub).first()
    if sub.total is not None and not sub.vetoed:
        higher = [b for b in rules_for(sub.cycle.rubric).sorted_bands() if b.level > (sub.final_level or 0)]
        if higher:
            nearest = higher[-1]
            result.next_level_name = level_name(nearest.level)
            result.points_to_next = max(Decimal(0), nearest.min_total - sub.total)
    return result


# --- inspector ---------------------------------------------------------------------------------------


@dataclass
class Visit:
    assignment: InspectionAssignment
    organizations: list[SocialOrganization]
    secretary: str
    scored: int
    total: int
    deadline: dt.datetime


def inspector_visits(user) -> list[Visit]:
    """The inspector's open assignments: where, whom to ask for, progress and the deadline."""
    assignments = list(
        assignments_of(user)
        .filter(signed_off_at__isnull=True, submission__status=Status.ACCEPTED)
        .select_related("submission__cycle", "submission__party_organization")
        .prefetch_related("submission__party_organization__organizations")
        .annotate(scored=Count("scores", filter=Q(scores__score__isnull=False)))
        .order_by(
            F("visit_at").asc(nulls_last=True),
            "submission__cycle__inspection_deadline",
            "submission__party_organization__name",
        )
    )
    po_ids = [a.submission.party_organization_id for a in assignments]
    secretaries = dict(
        Member.objects.filter(party_organization_id__in=po_ids, role=MemberRole.SECRETARY).values_list(
            "party_organization_id", "name"
        )
    )
    rubric_ids = {a.submission.cycle.rubric_id for a in assignments}
    totals = dict(
        Indicator.objects.filter(category__rubric_id__in=rubric_ids)
        .values("category__rubric_id")
        .annotate(n=Count("pk"))
        .values_list("category__rubric_id", "n")
    )
    return [
        Visit(
            assignment=a,
            organizations=list(a.submission.party_organization.organizations.all()),
            secretary=secretaries.get(a.submission.party_organization_id, ""),
            scored=a.scored,
            total=totals.get(a.submission.cycle.rubric_id, 0),
            deadline=a.submission.cycle.inspection_deadline,
        )
        for a in assignments
    ]


# --- committee staff ---------------------------------------------------------------------------------


def staff_tasks(committee_id: int, *, today: dt.date | None = None) -> list[Task]:
    """The committee's work by stage, with overdue counts; every figure one aggregate."""
    today = today or timezone.localdate()
    now = timezone.now()
    tasks: list[Task] = []
    for cycle in Cycle.objects.filter(
        committee_id=committee_id, status__in=[Cycle.Status.OPEN, Cycle.Status.PUBLISHED]
    ).order_by("-year"):
        tasks.extend(_cycle_tasks(cycle, now, today))
    rect = Rectification.objects.filter(submission__cycle__committee_id=committee_id)
    figures = rect.aggregate(
        overdue=Count(
            "pk",
            filter=Q(state__in=[Rectification.State.OPEN, Rectification.State.SENT_BACK], due_on__lt=today),
        ),
        answered=Count("pk", filter=Q(state=Rectification.State.ANSWERED)),
    )
    url = reverse("ratings:rectification-list")
    if figures["answered"]:
        tasks.append(Task(_("整改情况待核查"), f"{url}?state=answered", count=figures["answered"]))
    if figures["overdue"]:
        tasks.append(Task(_("整改逾期"), f"{url}?overdue=on", count=figures["overdue"], overdue=True))
    plaques = Plaque.objects.filter(
        award__cycle__committee_id=committee_id, return_due_on__lt=today, returned_on__isnull=True
    ).count()
    if plaques:
        tasks.append(
            Task(
                _("牌匾逾期未交回"),
                reverse("ratings:award-list") + "?plaque=return_due",
                count=plaques,
                overdue=True,
            )
        )
    coverage = register.coverage_report(committee_id).overall
    if coverage.uncovered:
        tasks.append(
            Task(
                _("未实现工作覆盖的社会组织"),
                reverse("branches:coverage"),
                count=coverage.uncovered,
                note=_("既无党组织也无党建指导员"),
            )
        )
    batches = ImportBatch.objects.filter(
        committee_id=committee_id, status=ImportBatch.Status.CHECKED, error_count=0
    )
    for batch in batches.order_by("-uploaded_at")[:5]:
        tasks.append(
            Task(
                _("导入待确认：%(name)s") % {"name": batch.original_name},
                reverse("branches:import-batch", args=[batch.pk]),
                count=batch.row_count,
                note=_("预检通过，尚未导入"),
            )
        )
    return tasks


def _cycle_tasks(cycle: Cycle, now: dt.datetime, today: dt.date) -> list[Task]:
    subs = Submission.objects.filter(cycle=cycle)
    c = subs.aggregate(
        submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
        unassigned=Count(
            "pk",
            filter=Q(status=Status.ACCEPTED)
            & ~Q(Exists(InspectionAssignment.objects.filter(submission=OuterRef("pk")))),
        ),
        unsigned=Count("pk", filter=Q(status=Status.ACCEPTED)),
        inspected=Count("pk", filter=Q(status=Status.INSPECTED)),
        overdue=Count(
            "pk",
            filter=Q(status__in=[Status.DRAFT, Status.RETURNED])
            & (
                Q(deadline_extended_to__lt=now)
                | Q(deadline_extended_to__isnull=True, cycle__self_assessment_deadline__lt=now)
            ),
        ),
        outstanding=Count("pk", filter=~Q(status=Status.REVIEWED)),
    )
    queue = reverse("ratings:queue", args=[cycle.pk])
    tasks = []
    if cycle.status == Cycle.Status.OPEN:
        rows = [
            (c["submitted"], _("待初核"), f"{queue}?status=submitted", None, False),
            (c["unassigned"], _("初核通过、未分配验收人员"), f"{queue}?status=accepted", None, False),
            (c["unsigned"], _("实地验收中"), f"{queue}?status=accepted", cycle.inspection_deadline, False),
            (c["inspected"], _("待集中评审"), f"{queue}?status=inspected", cycle.review_deadline, False),
            (c["overdue"], _("逾期未提交自评"), f"{queue}?overdue=on", None, True),
        ]
        for count, label, url, due, overdue in rows:
            if count:
                tasks.append(
                    Task(
                        _("%(cycle)s：%(what)s") % {"cycle": cycle, "what": label},
                        url,
                        count=count,
                        due=due,
                        overdue=overdue or bool(due and due < now),
                    )
                )
        if cycle.self_assessment_deadline < now and not c["outstanding"] and subs.exists():
            tasks.append(
                Task(
                    _("%(cycle)s：评审已全部完成，可以发布公示") % {"cycle": cycle},
                    reverse("ratings:cycle-results", args=[cycle.pk]),
                )
            )
    else:
        objections = Objection.objects.filter(
            submission__cycle=cycle, state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING]
        ).count()
        if objections:
            tasks.append(
                Task(
                    _("%(cycle)s：异议待处理") % {"cycle": cycle},
                    reverse("ratings:objection-list", args=[cycle.pk]),
                    count=objections,
                    due=cycle.notice_ends_on,
                )
            )
        if cycle.notice_ends_on and cycle.notice_ends_on < today:
            tasks.append(
                Task(
                    _("%(cycle)s：公示期已结束，可以确定结果") % {"cycle": cycle},
                    reverse("ratings:results-finalize", args=[cycle.pk]),
                    due=cycle.notice_ends_on,
                    overdue=True,
                )
            )
    return tasks


# --- superuser ---------------------------------------------------------------------------------------


@dataclass
class CommitteeFigures:
    committee: Committee
    organizations: int
    party_organizations: int
    org_rate: float | None
    work_rate: float | None
    cycle: Cycle | None
    by_status: dict = field(default_factory=dict)


def committees_side_by_side() -> list[CommitteeFigures]:
    """Every committee's register and current cycle in one table (a few queries per committee)."""
    rows = []
    party_orgs = dict(
        PartyOrganization.objects.filter(is_active=True)
        .values("committee_id")
        .annotate(n=Count("pk"))
        .values_list("committee_id", "n")
    )
    for committee in Committee.objects.order_by("name"):
        overall = register.coverage_report(committee.pk).overall
        cycle = (
            Cycle.objects.filter(committee=committee)
            .exclude(status=Cycle.Status.DRAFT)
            .order_by("-year")
            .first()
        )
        by_status = {}
        if cycle:
            by_status = dict(
                Submission.objects.filter(cycle=cycle)
                .values("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
        rows.append(
            CommitteeFigures(
                committee=committee,
                organizations=overall.total,
                party_organizations=party_orgs.get(committee.pk, 0),
                org_rate=overall.org_rate,
                work_rate=overall.work_rate,
                cycle=cycle,
                by_status={label: by_status.get(value, 0) for value, label in Status.choices},
            )
        )
    return rows
