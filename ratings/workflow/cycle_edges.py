"""The cycle's transition table, the working-day calendar of the notice, and the rules each cycle
edge checks before it writes.

Every edge is one service (cycle_setup.cycle_open, outcomes.publication.cycle_publish and
results_finalize) that locks the cycle row, asks `require_cycle_transition`, checks the edge's date
and completeness rules below, writes, audits and leaves side effects to the commit."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import validate_date_in_range

from ..models import Cycle, Objection, Status
from .edges import TransitionNotAllowed

CYCLE_ACTION_LABELS = {
    "open": gettext_lazy("启动"),
    "publish": gettext_lazy("发布公示"),
    "finalize": gettext_lazy("确定结果"),
}

# Where each cycle action may start, and where it leads.
#   open      筹备 → 进行中     the rubric is valid; submissions are created
#   publish   进行中 → 公示中   the self-assessment deadline has passed; every submission is
#                               reviewed or its branch excluded with a reason; the notice starts
#                               today or later and lasts the committee's minimum of working days
#   finalize  公示中 → 已完成   the notice has ended and every objection is closed (results
#                               without an open objection are made final before that, one by one)
CYCLE_TRANSITIONS = {
    "open": {Cycle.Status.DRAFT: Cycle.Status.OPEN},
    "publish": {Cycle.Status.OPEN: Cycle.Status.PUBLISHED},
    "finalize": {Cycle.Status.PUBLISHED: Cycle.Status.FINAL},
}


def lock_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update(of=("self",)).select_related("rubric").get(pk=cycle.pk)


def require_cycle_transition(cycle: Cycle, action: str) -> Cycle.Status:
    allowed = CYCLE_TRANSITIONS[action]
    if cycle.status not in allowed:
        raise TransitionNotAllowed(
            _("评星周期当前状态为“%(state)s”，不能%(action)s：只有“%(allowed)s”的评星周期可以%(action)s。")
            % {
                "state": Cycle.Status(cycle.status).label,
                "action": CYCLE_ACTION_LABELS[action],
                "allowed": "、".join(str(Cycle.Status(s).label) for s in allowed),
            },
            code="transition_not_allowed",
        )
    return allowed[cycle.status]


# --- working days (工作日) ------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday. Public holidays are not known to Starfire; a committee that needs them
    counted raises its minimum of working days."""
    return day.weekday() < 5


def nth_working_day(start: dt.date, n: int) -> dt.date:
    """The date of the n-th working day counting from `start` (included when it is one)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, seen = start, 0
    while True:
        if is_working_day(day):
            seen += 1
            if seen == n:
                return day
        day += dt.timedelta(days=1)


def notice_ends_on(starts_on: dt.date, calendar_days: int, min_working_days: int) -> dt.date:
    """The last day of a notice that starts on `starts_on`: the cycle's number of calendar days,
    extended until it holds at least the committee's minimum of working days."""
    by_calendar = starts_on + dt.timedelta(days=max(calendar_days, 1) - 1)
    return max(by_calendar, nth_working_day(starts_on, min_working_days))


# --- what each edge checks --------------------------------------------------------------------------


def check_publish(cycle: Cycle, *, starts_on: dt.date, today: dt.date, min_working_days: int) -> dt.date:
    """Refuse 公示 unless its rules hold; return the last day of the notice."""
    in_progress = list(
        cycle.submissions.filter(status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED])
        .order_by("party_organization__name")
        .values_list("party_organization__name", flat=True)
    )
    if in_progress:
        raise ValidationError(
            _("以下党组织的申报尚未完成评审，不能公示：%(in_progress)s。")
            % {"in_progress": "、".join(in_progress[:20])}
        )
    if not cycle.submissions.filter(status=Status.REVIEWED).exists():
        raise ValidationError(_("还没有完成评审的申报，无可公示的结果。"))
    deadline = timezone.localdate(cycle.self_assessment_deadline)
    if today <= deadline:
        raise ValidationError(
            _("自评截止时间 %(deadline)s 之后才能发布公示。") % {"deadline": deadline},
            code="before_deadline",
        )
    excluded = cycle.exclusions.values("party_organization_id")
    unsubmitted = list(
        cycle.submissions.filter(status__in=[Status.DRAFT, Status.RETURNED])
        .exclude(party_organization_id__in=excluded)
        .order_by("party_organization__name")
        .values_list("party_organization__name", flat=True)
    )
    if unsubmitted:
        raise ValidationError(
            _(
                "以下 %(n)d 个党组织的申报未提交或被退回后未再提交，须完成评审或说明不参评原因后才能公示："
                "%(names)s。"
            )
            % {"n": len(unsubmitted), "names": "、".join(unsubmitted[:20])},
            code="unreviewed",
        )
    try:
        validate_date_in_range(starts_on)
    except ValidationError as exc:
        raise ValidationError({"starts_on": exc.messages}) from exc
    if starts_on < today:
        raise ValidationError(
            {"starts_on": _("公示开始日期不能早于今天（%(today)s）。") % {"today": today}}, code="in_past"
        )
    return notice_ends_on(starts_on, cycle.notice_days, min_working_days)


def open_objections(cycle: Cycle):
    return Objection.objects.filter(
        submission__cycle=cycle, state__in=[Objection.State.OPEN, Objection.State.INVESTIGATING]
    )


def check_finalize(cycle: Cycle, *, today: dt.date) -> None:
    """Refuse to make results final before the notice has ended (the day after its last day)."""
    if cycle.notice_ends_on is None or today <= cycle.notice_ends_on:
        raise TransitionNotAllowed(
            _("公示期至 %(notice_ends_on)s 结束，期满后才能确定结果。")
            % {"notice_ends_on": cycle.notice_ends_on}
        )
