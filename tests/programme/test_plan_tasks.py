"""The secretary's work page lists the open actions of the branch's improvement plan with their
due dates, the overdue first, each linking to the plan — in the same queries for more actions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programme import plans as services
from programme.models import ImprovementPlan, PlanAction
from starfire import worklists
from tests import factories

pytestmark = pytest.mark.django_db


def _plan_and_secretary(finished):
    services.plans_generate(cycle=finished.cycle)
    plan = ImprovementPlan.objects.get(
        cycle=finished.cycle, party_organization=finished.none.party_organization
    )
    return plan, factories.SecretaryUserFactory(party_organization=plan.party_organization)


def _act(plan, by, days, text):
    return services.plan_action_add(
        plan=plan,
        by=by,
        text=text,
        owner="王书记",
        due_on=timezone.localdate() + dt.timedelta(days=days),
        indicator_code="1.1",
    )


def _plan_tasks(po_id):
    url_part = "/programme/plans/"
    return [t for t in worklists.secretary_tasks(po_id) if url_part in t.url]


def test_open_actions_are_tasks_overdue_first_linking_to_the_plan(finished, client):
    plan, secretary = _plan_and_secretary(finished)
    _act(plan, secretary, 30, "建立支委会台账")
    late = _act(plan, secretary, 10, "补开组织生活会")
    done = _act(plan, secretary, 5, "已经完成的措施")
    PlanAction.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    PlanAction.objects.filter(pk=done.pk).update(done_at=timezone.now())

    tasks = _plan_tasks(plan.party_organization_id)
    assert [t.label for t in tasks] == ["提升措施：补开组织生活会", "提升措施：建立支委会台账"]
    assert [t.overdue for t in tasks] == [True, False]
    assert tasks[0].due == timezone.localdate() - dt.timedelta(days=3)
    assert {t.url for t in tasks} == {reverse("programme:plan-detail", args=[plan.pk])}
    assert "王书记" in tasks[0].note

    other = factories.SecretaryUserFactory(party_organization=finished.three.party_organization)
    assert _plan_tasks(other.party_organization_id) == []  # another branch's plan is not theirs

    client.force_login(secretary)
    home = client.get(reverse("home")).content.decode()
    assert home.index("补开组织生活会") < home.index("建立支委会台账")
    assert "已经完成的措施" not in home


def test_the_same_queries_for_more_actions(finished):
    plan, secretary = _plan_and_secretary(finished)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            tasks = _plan_tasks(plan.party_organization_id)
        return len(ctx.captured_queries), len(tasks)

    _act(plan, secretary, 20, "措施一")
    few, one = queries()
    for n in range(5):
        _act(plan, secretary, 30 + n, f"措施{n}")
    many, six = queries()
    assert (one, six) == (1, 6)
    assert many == few
