"""查找不足 improvement plans: generated from a final cycle's own scores for the branches below
target, committed and carried out by the secretary, overdue read from the actions, reminded once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from programme import plans as services
from programme.models import ImprovementPlan, PlanAction, ProgrammeSettings
from ratings.models import CycleExclusion, Submission
from tests import factories

pytestmark = pytest.mark.django_db
State = ImprovementPlan.State
TODAY = timezone.localdate


def _plan(finished, key="none"):
    return ImprovementPlan.objects.get(
        cycle=finished.cycle, party_organization=getattr(finished, key).party_organization
    )


def _secretary(plan):
    return factories.SecretaryUserFactory(party_organization=plan.party_organization)


def _act(plan, by, days=30, code="1.1", text="每月召开支委会并留存记录"):
    return services.plan_action_add(
        plan=plan,
        by=by,
        text=text,
        owner="王书记",
        due_on=TODAY() + dt.timedelta(days=days),
        indicator_code=code,
    )


# --- generation ---------------------------------------------------------------------------------


def test_branches_below_target_get_a_plan_from_their_own_scores(finished, staff_user):
    plans = services.plans_generate(cycle=finished.cycle, by=staff_user)
    below = {finished.none, finished.vetoed, finished.draft}
    assert {p.party_organization_id for p in plans} == {s.party_organization_id for s in below}

    plan = _plan(finished)
    assert (plan.state, plan.level, plan.target_level, plan.next_level) == (State.GENERATED, 0, 3, 1)
    assert plan.points_to_next == Decimal(10)  # 50 points, 1★ from 60
    assert [(f["code"], f["lost"], f["evidence"]) for f in plan.findings] == [
        ("1.1", "40.0", "指标1.1的佐证"),
        ("1.2", "10.0", "指标1.2的佐证"),
    ]
    assert plan.meeting_gaps and all(g["gaps"] > 0 for g in plan.meeting_gaps)  # no meetings held
    assert _plan(finished, "draft").findings[0]["score"] is None  # never rated: every point lost

    assert services.plans_generate(cycle=finished.cycle) == []  # safe to run again
    assert ImprovementPlan.objects.count() == 3


def test_branches_left_out_or_never_rated_get_a_plan_too(staff_user, committee, client):
    from tests.ratings.conftest import finalize_results, make_results_cycle

    year = TODAY().year
    older = finalize_results(make_results_cycle(committee, staff_user, year=year - 2), staff_user)
    newer = make_results_cycle(committee, staff_user, year=year - 1, rubric=older.cycle.rubric)
    newer = finalize_results(newer, staff_user)
    left_out = factories.PartyOrganizationFactory(committee=committee, name="不参评测试党支部")
    CycleExclusion.objects.create(cycle=older.cycle, party_organization=left_out, reason="当年未开展活动")
    joined = factories.PartyOrganizationFactory(committee=committee, name="新成立测试党支部", with_members=3)
    gone = factories.PartyOrganizationFactory(committee=committee, name="已撤销测试党支部", is_active=False)

    in_older = {p.party_organization_id for p in services.plans_generate(cycle=older.cycle)}
    assert left_out.pk in in_older  # left out of that cycle: its plan comes from it
    assert joined.pk not in in_older  # registered later: not from every earlier cycle ...
    in_newer = {p.party_organization_id for p in services.plans_generate(cycle=newer.cycle)}
    assert joined.pk in in_newer and left_out.pk in in_newer  # ... from the latest final one
    assert gone.pk not in in_older | in_newer

    plan = ImprovementPlan.objects.get(cycle=newer.cycle, party_organization=joined)
    assert (plan.level, plan.total, plan.next_level, plan.points_to_next) == (0, None, 1, Decimal(60))
    assert [(f["code"], f["score"], f["lost"]) for f in plan.findings] == [
        ("1.1", None, "40.0"),
        ("1.2", None, "30.0"),
        ("2.1", None, "30.0"),
    ]  # never rated: what every indicator asks for
    assert services.plans_generate(cycle=newer.cycle) == []  # safe to run again

    client.force_login(_secretary(plan))
    page = client.get(reverse("programme:plan-detail", args=[plan.pk])).content.decode()
    assert joined.name in page and "1.1" in page


def test_a_branch_registered_later_that_is_in_the_next_cycle_gets_no_plan_from_the_last(
    finished, staff_user, committee
):
    from ratings.workflow.cycle_setup import cycle_open

    before = factories.PartyOrganizationFactory(committee=committee, name="下一周期参评测试党支部")
    cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=finished.cycle.rubric, year=TODAY().year),
        by=staff_user,
    )
    after = factories.PartyOrganizationFactory(committee=committee, name="启动后成立测试党支部")
    made = {p.party_organization_id for p in services.plans_generate(cycle=finished.cycle)}
    assert after.pk in made and before.pk not in made  # `before` will have its own result


def test_the_meeting_gaps_are_read_in_the_readers_language(finished, staff_user):
    with translation.override("en"):  # made by someone reading English ...
        services.plans_generate(cycle=finished.cycle, by=staff_user)
    plan = _plan(finished)
    with translation.override("zh-hans"):  # ... read in Chinese
        shown = services.meeting_gaps_shown(plan)
    assert shown and [g["type"] for g in shown] == [g["type"] for g in plan.meeting_gaps]
    assert all(("月" in g["label"]) or ("季度" in g["label"]) or g["label"] == "全年" for g in shown)
    with translation.override("en"):
        english = services.meeting_gaps_shown(plan)
    assert english and all(
        "月" not in g["label"] and "季度" not in g["label"] and "、" not in g["label"] for g in english
    )
    # a plan made before the periods were kept shows the label it was made with
    plan.meeting_gaps = [{"type": "支委会", "gaps": 2, "label": "1、2月"}]
    assert services.meeting_gaps_shown(plan) == plan.meeting_gaps


def test_the_target_is_the_committees(finished, committee):
    ProgrammeSettings.objects.update_or_create(committee=committee, defaults={"target_level": 5})
    services.plans_generate(cycle=finished.cycle)
    assert _plan(finished, "four").next_level == 5
    assert not ImprovementPlan.objects.filter(party_organization=finished.five.party_organization).exists()


def test_plans_come_only_from_final_results_and_only_from_staff(next_cycle, finished, other_staff_user):
    with pytest.raises(ValidationError):
        services.plans_generate(cycle=next_cycle)
    with pytest.raises(PermissionDenied):
        services.plans_generate(cycle=finished.cycle, by=other_staff_user)
    assert not ImprovementPlan.objects.exists()


# --- the plan's edges ---------------------------------------------------------------------------


def _in_state(plan, state, secretary):
    _act(plan, secretary)
    _act(plan, secretary, code="", text="补齐党建台账")
    if state != State.GENERATED:
        services.plan_commit(plan=plan, by=secretary)
    if state in (State.IN_PROGRESS, State.DONE):
        services.plan_action_done(action=plan.actions.first(), by=secretary)
    if state == State.DONE:
        services.plan_action_done(action=plan.actions.last(), by=secretary)
    plan.refresh_from_db()
    assert plan.state == state
    return plan


EDGE_CALLS = {
    "commit": lambda plan, by: services.plan_commit(plan=plan, by=by),
    "action_add": lambda plan, by: _act(plan, by, text="新措施"),
    "action_done": lambda plan, by: services.plan_action_done(
        action=PlanAction.objects.create(plan=plan, text="另一项", owner="李", due_on=TODAY()), by=by
    ),
}


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("edge", list(EDGE_CALLS))
def test_every_edge_from_every_state(finished, state, edge):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    secretary = _secretary(plan)
    plan = _in_state(plan, state, secretary)
    before = (plan.state, plan.actions.filter(done_at__isnull=True).count())
    if state in services.EDGES[edge]:
        EDGE_CALLS[edge](plan, secretary)
    else:
        with pytest.raises(ValidationError):
            with_savepoint = EDGE_CALLS[edge]
            with_savepoint(plan, secretary)
        plan.refresh_from_db()
        assert plan.state == before[0]


def test_a_plan_is_committed_with_actions_and_done_with_the_last(finished):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    secretary = _secretary(plan)
    with pytest.raises(ValidationError):
        services.plan_commit(plan=plan, by=secretary)
    with pytest.raises(ValidationError) as exc:
        services.plan_action_add(
            plan=plan, by=secretary, text="", owner="", due_on=TODAY() - dt.timedelta(days=1)
        )
    assert {"text", "owner", "due_on"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        _act(plan, secretary, code="9.9")  # not an indicator of the plan
    first, second = _act(plan, secretary), _act(plan, secretary, days=60, code="1.2")
    services.plan_commit(plan=plan, by=secretary)
    services.plan_action_done(action=first, by=secretary, note="已建立台账")
    plan.refresh_from_db()
    assert plan.state == State.IN_PROGRESS
    services.plan_action_done(action=second, by=secretary)
    plan.refresh_from_db()
    assert plan.state == State.DONE and plan.done_at is not None
    assert plan.history.count() >= 4


def test_only_the_branch_secretary_works_on_the_plan(finished, staff_user):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    other = factories.SecretaryUserFactory(party_organization=finished.vetoed.party_organization)
    for user in (other, staff_user):
        with pytest.raises(PermissionDenied):
            _act(plan, user)
    assert not PlanAction.objects.exists()


def test_overdue_is_read_from_the_actions(finished):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    secretary = _secretary(plan)
    _act(plan, secretary, days=5)
    services.plan_commit(plan=plan, by=secretary)
    later = TODAY() + dt.timedelta(days=6)
    qs = ImprovementPlan.objects.all()
    assert list(services.filter_state(qs, services.OVERDUE, later)) == [plan]
    assert plan not in services.filter_state(qs, State.COMMITTED, later)
    assert list(services.filter_state(qs, services.OVERDUE, TODAY())) == []
    [row] = services.with_progress(qs.filter(pk=plan.pk), later)
    assert services.display_state(row, overdue=row.has_late)[0] == services.OVERDUE


def test_reminders_a_week_and_a_day_before_once_each(finished):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    secretary = _secretary(plan)
    action = _act(plan, secretary, days=10)
    _act(plan, secretary, days=10, text="已完成的不提醒")
    services.plan_commit(plan=plan, by=secretary)
    services.plan_action_done(action=plan.actions.get(text="已完成的不提醒"), by=secretary)
    due = action.due_on
    assert services.plan_reminders_send(today=due - dt.timedelta(days=8)) == 0
    assert services.plan_reminders_send(today=due - dt.timedelta(days=7)) == 1
    assert services.plan_reminders_send(today=due - dt.timedelta(days=6)) == 0
    assert services.plan_reminders_send(today=due - dt.timedelta(days=1)) == 1
    assert services.plan_reminders_send(today=due - dt.timedelta(days=1)) == 0
    keys = set(Notification.objects.filter(recipient=secretary).values_list("key", flat=True))
    assert {f"plan-action:{action.pk}:due-7", f"plan-action:{action.pk}:due-1"} <= keys


# --- pages --------------------------------------------------------------------------------------


def test_next_cycles_self_assessment_shows_last_years_actions(finished, next_cycle, client):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    secretary = _secretary(plan)
    _act(plan, secretary, text="每季度上一次党课")
    sub = Submission.objects.get(cycle=next_cycle, party_organization=plan.party_organization)
    client.force_login(secretary)
    page = client.get(reverse("ratings:self-assessment", args=[sub.pk])).content.decode()
    assert "每季度上一次党课" in page
    assert page.index("每季度上一次党课") > page.index('id="ind-')  # beside an indicator


def test_the_secretary_works_through_the_pages(finished, client):
    services.plans_generate(cycle=finished.cycle)
    plan = _plan(finished)
    client.force_login(_secretary(plan))
    url = reverse("programme:plan-detail", args=[plan.pk])
    assert "指标1.1的佐证" in client.get(url).content.decode()
    add = reverse("programme:plan-action-add", args=[plan.pk])
    assert client.post(add, {}).status_code == 400
    due = (TODAY() + dt.timedelta(days=20)).isoformat()
    assert (
        client.post(
            add, {"indicator_code": "1.1", "text": "建台账", "owner": "王", "due_on": due}
        ).status_code
        == 302
    )
    assert client.post(reverse("programme:plan-commit", args=[plan.pk])).status_code == 302
    action = plan.actions.get()
    assert (
        client.post(reverse("programme:plan-action-done", args=[action.pk]), {"note": "完成"}).status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.state == State.DONE


def test_the_list_shows_states_in_a_fixed_number_of_queries(finished, staff_user, client, committee):
    client.force_login(staff_user)

    def queries(**params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("programme:plan-list"), params)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    services.plans_generate(cycle=finished.cycle)
    one, _page = queries()
    ProgrammeSettings.objects.filter(committee=committee).update(target_level=5)
    services.plans_generate(cycle=finished.cycle)
    assert ImprovementPlan.objects.count() == 5  # every branch but the 5★ one
    many, page = queries()
    assert many == one
    assert page.count("programme/plans/") >= 5
    _n, filtered = queries(state="done")
    assert "没有提升计划" in filtered
