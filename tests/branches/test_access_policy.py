"""The access policy as a table: actor × row × action, written out by hand.

The expectations below are not derived from `access.POLICY`; they restate the rules in words, so a
change to the policy that nobody meant shows up here. The second half proves that the queryset
scopes (`access.scoped`) and the object checks (`access.can`) agree on every row, so pages and
services cannot drift apart.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from branches import access
from branches.models import PartyOrganization
from ratings.models import InspectionAssignment
from tests import factories

pytestmark = pytest.mark.django_db

ACTIONS = sorted(access.POLICY)


@pytest.fixture
def world(committee, other_committee):
    """Committee A with branches a1 and a2, committee B with branch b1; one actor of each kind."""
    a1 = factories.PartyOrganizationFactory(committee=committee, name="A1")
    a2 = factories.PartyOrganizationFactory(committee=committee, name="A2")
    b1 = factories.PartyOrganizationFactory(committee=other_committee, name="B1")
    staff_a = factories.StaffUserFactory(committee=committee, username="staff-a")
    inspector_assigned = factories.InspectorUserFactory(committee=committee, username="insp-assigned")
    cycle = factories.CycleFactory(committee=committee)
    submission = factories.SubmissionFactory(cycle=cycle, party_organization=a1)
    InspectionAssignment.objects.create(
        submission=submission, inspector=inspector_assigned, assigned_by=staff_a
    )
    inactive = factories.StaffUserFactory(committee=committee, username="staff-gone", is_active=False)
    province_a = factories.ProvinceUserFactory(username="province-a")
    province_a.province_committees.set([committee])
    actors = {
        "anonymous": AnonymousUser(),
        "superuser": factories.UserFactory(username="root", is_superuser=True, is_staff=True),
        "staff_a": staff_a,
        "staff_b": factories.StaffUserFactory(committee=other_committee, username="staff-b"),
        "secretary_a1": factories.SecretaryUserFactory(party_organization=a1, username="sec-a1"),
        "secretary_a2": factories.SecretaryUserFactory(party_organization=a2, username="sec-a2"),
        "inspector_assigned": inspector_assigned,
        "inspector_free": factories.InspectorUserFactory(committee=committee, username="insp-free"),
        "inspector_b": factories.InspectorUserFactory(committee=other_committee, username="insp-b"),
        "no_role": factories.UserFactory(username="nobody"),
        "inactive_staff": inactive,
        "province_a": province_a,  # the province's 两新工委, assigned committee A
    }
    return {"actors": actors, "rows": {"a1": a1, "a2": a2, "b1": b1}, "submission": submission}


# Which (actor, row) pairs each action allows. Rows: party organisations a1, a2 (committee A), b1 (B).
EVERYONE_IN_SCOPE = {
    ("superuser", "a1"), ("superuser", "a2"), ("superuser", "b1"),
    ("staff_a", "a1"), ("staff_a", "a2"),
    ("staff_b", "b1"),
}  # fmt: skip
OWN_BRANCH = {("secretary_a1", "a1"), ("secretary_a2", "a2")}
ASSIGNED = {("inspector_assigned", "a1")}
SUPERUSER_ONLY = {("superuser", "a1"), ("superuser", "a2"), ("superuser", "b1")}

EXPECTED = {
    "register.view": EVERYONE_IN_SCOPE | OWN_BRANCH,
    "register.manage": EVERYONE_IN_SCOPE,
    "meetings.view": EVERYONE_IN_SCOPE | OWN_BRANCH | ASSIGNED,
    "meetings.record": OWN_BRANCH,
    "rating.manage": EVERYONE_IN_SCOPE,
    "rating.view": EVERYONE_IN_SCOPE | OWN_BRANCH | ASSIGNED,
    "rating.self_assess": OWN_BRANCH,
    "rating.inspect": ASSIGNED,
    # on a branch, as any inspector's action; a follow-up check names its own inspector
    # (tests/ratings/test_followup_inspector.py)
    "followup.score": ASSIGNED,
    "rating.export": EVERYONE_IN_SCOPE,  # staff of the job's committee, superusers
    "outcome.view": EVERYONE_IN_SCOPE | OWN_BRANCH,
    "outcome.respond": OWN_BRANCH,
    # the province reads its assigned committees (A) and nothing else anywhere in this table
    "province.view": SUPERUSER_ONLY | {("province_a", "a1"), ("province_a", "a2")},
    "province.assign": SUPERUSER_ONLY,
    "programme.manage": EVERYONE_IN_SCOPE,
    "programme.view": EVERYONE_IN_SCOPE | OWN_BRANCH,
    "programme.record": OWN_BRANCH,
}


def test_the_expectations_cover_every_action_of_the_policy():
    assert set(EXPECTED) == set(access.POLICY)


@pytest.mark.parametrize("action", ACTIONS)
def test_each_actor_may_act_exactly_on_the_rows_the_table_says(world, action):
    got = {
        (actor_name, row_name)
        for actor_name, actor in world["actors"].items()
        for row_name, row in world["rows"].items()
        if access.can(actor, action, row)
    }
    assert got == EXPECTED[action]


@pytest.mark.parametrize("action", ACTIONS)
def test_the_queryset_scope_agrees_with_the_object_check(world, action):
    """What a selector lists is what `can` allows, row for row, for every actor."""
    paths = access.Paths(committee="committee", party_organization="pk")
    rows = PartyOrganization.objects.filter(pk__in=[r.pk for r in world["rows"].values()])
    for actor_name, actor in world["actors"].items():
        listed = set(access.scoped(rows, actor, action, paths).values_list("name", flat=True))
        allowed = {row.name for row in world["rows"].values() if access.can(actor, action, row)}
        assert listed == allowed, (actor_name, action)


def test_rows_that_know_their_inspectors_are_limited_to_them(world):
    """A submission names its inspectors: another inspector of the same committee sees nothing of it."""
    submission = world["submission"]
    target = access.Target(
        submission.cycle.committee_id,
        submission.party_organization_id,
        inspector_ids=frozenset(submission.assignments.values_list("inspector_id", flat=True)),
    )
    actors = world["actors"]
    assert access.can(actors["inspector_assigned"], "rating.inspect", target)
    assert not access.can(actors["inspector_free"], "rating.inspect", target)
    assert not access.can(actors["inspector_b"], "rating.inspect", target)


def test_require_raises_with_the_reason_and_the_rules_permission_answers_the_same(world):
    actors, a1 = world["actors"], world["rows"]["a1"]
    with pytest.raises(PermissionDenied, match="书记"):
        access.require(actors["staff_a"], "rating.self_assess", a1)
    access.require(actors["secretary_a1"], "rating.self_assess", a1)
    assert actors["secretary_a1"].has_perm("starfire.rating.self_assess", a1)
    assert not actors["secretary_a2"].has_perm("starfire.rating.self_assess", a1)
    assert actors["staff_a"].has_perm("starfire.register.manage", a1)
    assert not actors["staff_b"].has_perm("starfire.register.manage", a1)


def test_a_superuser_works_in_no_committee_until_they_pick_one(world, rf):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.user = world["actors"]["superuser"]
    assert access.acting_committee_id(request) is None
    with pytest.raises(access.CommitteeNotChosen):
        access.require_acting_committee(request)
    b = world["rows"]["b1"].committee_id
    access.set_acting_committee(request, b)
    assert access.require_acting_committee(request) == b

    request.user = world["actors"]["staff_a"]
    assert access.acting_committee_id(request) == world["rows"]["a1"].committee_id
    with pytest.raises(PermissionDenied):
        access.set_acting_committee(request, b)
