"""The demo register: idempotent, valid, and complete enough to show every page: one committee
with about 40 social organisations, joint branches, instructors, members and a login per role."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from branches import demo, selectors
from branches.models import (
    Committee,
    Division,
    Instructor,
    Member,
    Membership,
    OrgType,
    PartyOrganization,
    PartyOrgKind,
    Role,
    SocialOrganization,
    User,
)
from branches.uscc import validate_uscc

pytestmark = pytest.mark.django_db

MODELS = [Committee, SocialOrganization, PartyOrganization, Member, Instructor, User]


def _counts():
    return {
        **{m.__name__: m.objects.count() for m in MODELS},
        "coverage": PartyOrganization.organizations.through.objects.count(),
        "instructed": Instructor.organizations.through.objects.count(),
    }


@pytest.fixture
def demo_committee():
    out = io.StringIO()
    call_command("load_demo", "--register-only", stdout=out)
    return Committee.objects.get(name=demo.COMMITTEE), out.getvalue()


def test_load_demo_is_idempotent(demo_committee):
    first = _counts()
    names = sorted(SocialOrganization.objects.values_list("uscc", "name"))
    call_command("load_demo", "--register-only", stdout=io.StringIO())
    assert _counts() == first
    assert sorted(SocialOrganization.objects.values_list("uscc", "name")) == names


def test_about_forty_organisations_of_all_types(demo_committee):
    committee, _out = demo_committee
    orgs = SocialOrganization.objects.filter(committee=committee)
    assert 35 <= orgs.count() <= 50
    assert {OrgType.ASSOCIATION, OrgType.PRIVATE_NON_ENTERPRISE, OrgType.FOUNDATION} <= set(
        orgs.values_list("org_type", flat=True)
    )
    assert orgs.filter(is_trade_association=True).exists()


def test_every_demo_organisation_is_valid(demo_committee):
    known_divisions = set(Division.objects.values_list("code", flat=True))
    for org in SocialOrganization.objects.all():
        validate_uscc(org.uscc)
        org.full_clean()
        assert org.division_code.startswith("51") and org.division_code in known_divisions, org
        assert org.uscc[2:8] == org.division_code


def test_wuhou_foundation_and_its_branch(demo_committee):
    committee, _out = demo_committee
    org = SocialOrganization.objects.get(name="成都市武侯社区发展基金会", committee=committee)
    assert org.org_type == OrgType.FOUNDATION and org.division_code == "510107"
    po = PartyOrganization.objects.get(name="成都市武侯社区发展基金会党支部", committee=committee)
    assert po.kind == PartyOrgKind.BRANCH and po.is_active
    assert list(po.organizations.all()) == [org]
    assert po.secretary is not None
    assert po.members.filter(membership=Membership.FULL).count() >= 3


def test_joint_branches_instructors_and_uncovered(demo_committee):
    committee, _out = demo_committee
    joints = PartyOrganization.objects.filter(committee=committee, kind=PartyOrgKind.JOINT_BRANCH)
    assert joints.count() >= 2
    for po in joints:
        assert 2 <= po.organizations.count() <= committee.max_orgs_per_joint_branch
    instructor_only = (
        SocialOrganization.objects.filter(committee=committee)
        .counted()
        .with_coverage()
        .filter(has_party_org=False, has_instructor=True)
    )
    assert instructor_only.count() >= 2
    assert selectors.uncovered_organizations(committee.pk).exists()
    report = selectors.coverage_report(committee.pk).overall
    assert report.party_covered < report.work_covered < report.total


def test_every_party_organisation_obeys_the_coverage_rules(demo_committee):
    from branches.models import validate_coverage

    for po in PartyOrganization.objects.select_related("committee"):
        validate_coverage(po.kind, list(po.organizations.all()), po.committee)
        assert po.members.exists(), po
        assert po.secretary is not None, po


def test_an_understaffed_branch_is_there_to_be_flagged(demo_committee):
    committee, _out = demo_committee
    flagged = [
        po
        for po in selectors.party_organization_list(
            User(role=Role.STAFF, committee=committee, is_active=True)
        )
        if po.kind == PartyOrgKind.BRANCH and po.full_members < committee.min_full_members_per_branch
    ]
    assert flagged


@pytest.mark.parametrize(
    "username, role", [("staff", Role.STAFF), ("wuhou", Role.SECRETARY), ("inspector1", Role.INSPECTOR)]
)
def test_one_user_per_role_with_the_printed_password(demo_committee, username, role):
    committee, out = demo_committee
    # As the login form does it: with the request (login throttling needs its address).
    request = RequestFactory().post("/login/")
    user = authenticate(request, username=username, password=demo.DEMO_PASSWORD)
    assert user is not None and user.role == role and user.committee == committee
    assert username in out and demo.DEMO_PASSWORD in out


def test_the_wuhou_secretary_sees_their_branch(demo_committee):
    user = User.objects.get(username="wuhou")
    assert user.party_organization.name == "成都市武侯社区发展基金会党支部"
    assert [o.name for o in selectors.organizations_visible_to(user)] == ["成都市武侯社区发展基金会"]


def test_the_other_committee_is_kept_apart(demo_committee):
    committee, _out = demo_committee
    other = User.objects.get(username="staff1")
    assert other.committee != committee
    assert not selectors.organizations_visible_to(other).filter(committee=committee).exists()
    assert selectors.organizations_visible_to(other).exists()


def test_load_demo_prints_every_demo_login_at_the_end(demo_committee):
    _committee, out = demo_committee
    logins = out.split("演示账号")[1]
    for username in ("admin", "staff", "wuhou", "inspector1", "inspector2", "inspector3", "staff1"):
        assert f"  {username} " in logins
    assert "回避" in logins.split("inspector3")[1].splitlines()[0]
    assert "其他" in logins and "支部书记" in logins


def test_task_logs_are_quiet_in_the_embedded_default(settings):
    import logging

    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert logging.getLogger("celery.app.trace").getEffectiveLevel() == logging.WARNING
