"""branches.tasks.coverage_figures, eagerly and through a real Celery worker on Redis.

The hand-computed example (committee "甲"):
  A  own 党支部                      → organisational + work coverage
  B  joint branch (with C)          → organisational + work coverage
  C  joint branch (with B)          → organisational + work coverage
  D  instructor only                → work coverage only
  E  nothing                        → uncovered
  F  deregistered, own 党支部        → not counted at all
  G  another committee, own branch  → not counted for 甲
counted 5, organisational 3 → 组织覆盖率 60.0 %, work 4 → 工作覆盖率 80.0 %, uncovered 1.
"""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from branches import uscc
from branches.models import (
    Committee,
    Instructor,
    OrgStatus,
    PartyOrganization,
    PartyOrgKind,
    SocialOrganization,
)
from branches.tasks import coverage_figures
from starfire.celery import app as celery_app

EXPECTED = {
    "total": 5,
    "party_covered": 3,
    "work_covered": 4,
    "uncovered": 1,
    "org_rate": "60.0",
    "work_rate": "80.0",
}


def _org(committee, n, name, status=OrgStatus.ACTIVE):
    return SocialOrganization.objects.create(
        committee=committee, name=name, uscc=uscc.make_uscc(f"53510100MJ{n:07d}"), status=status
    )


def _branch(committee, name, orgs, kind=PartyOrgKind.BRANCH):
    po = PartyOrganization.objects.create(committee=committee, name=name, kind=kind)
    po.organizations.set(orgs)
    return po


@pytest.fixture
def coverage_example():
    jia = Committee.objects.create(name="甲综合党委")
    yi = Committee.objects.create(name="乙综合党委")
    a, b, c, d, _e = (_org(jia, n, f"组织{x}") for n, x in enumerate("ABCDE", start=1))
    f = _org(jia, 6, "组织F", status=OrgStatus.DEREGISTERED)
    g = _org(yi, 7, "组织G")
    _branch(jia, "组织A党支部", [a])
    _branch(jia, "B、C联合党支部", [b, c], kind=PartyOrgKind.JOINT_BRANCH)
    _branch(jia, "组织F党支部", [f])
    _branch(yi, "组织G党支部", [g])
    Instructor.objects.create(committee=jia, name="王指导").organizations.set([d])
    return jia


@pytest.fixture
def eager_celery():
    """Tasks run in-process, as in the embedded default, whatever broker this run has."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_eager_task_returns_the_hand_computed_figures(coverage_example, eager_celery):
    result = coverage_figures.delay(coverage_example.pk).get(timeout=10)
    assert result == {"committee_id": coverage_example.pk, **EXPECTED}


@pytest.mark.django_db
def test_committee_without_organisations_has_no_rate():
    empty = Committee.objects.create(name="空综合党委")
    assert coverage_figures(empty.pk) == {
        "committee_id": empty.pk,
        "total": 0,
        "party_covered": 0,
        "work_covered": 0,
        "uncovered": 0,
        "org_rate": None,
        "work_rate": None,
    }


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker thread reads through its own connection
def test_a_real_worker_on_redis_computes_the_figures(coverage_example):
    # A queue of our own, so a worker of another test run on the same Redis cannot take the task.
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(celery_app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=30):
        async_result = coverage_figures.apply_async(args=[coverage_example.pk], queue=queue)
        result = async_result.get(timeout=30)
    assert async_result.successful()
    assert result == {"committee_id": coverage_example.pk, **EXPECTED}
