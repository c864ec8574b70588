"""The register's invariants: what the USCC decides, coverage rules, secretaries, the member flag."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from branches import services
from branches.models import (
    AuditEntry,
    Member,
    MemberRole,
    Membership,
    OrgType,
    PartyOrganization,
    PartyOrgKind,
    Role,
    SocialOrganization,
    User,
    validate_coverage,
)
from branches.uscc import make_uscc, validate_uscc
from tests import factories

pytestmark = pytest.mark.django_db


# --- type and division from the USCC --------------------------------------------------------


@pytest.mark.parametrize(
    "digit, expected",
    [
        ("1", OrgType.ASSOCIATION),
        ("2", OrgType.PRIVATE_NON_ENTERPRISE),
        ("3", OrgType.FOUNDATION),
        ("9", OrgType.OTHER),
    ],
)
@pytest.mark.parametrize("chosen", [OrgType.ASSOCIATION, OrgType.FOUNDATION, OrgType.OTHER])
def test_civil_affairs_code_fixes_the_type_whatever_was_chosen(committee, digit, expected, chosen):
    code = make_uscc(f"5{digit}510107MJ0000001")
    org = SocialOrganization(committee=committee, name="测试", uscc=code, org_type=chosen, division_code="")
    org.full_clean()
    assert org.org_type == expected
    org.save()
    org.refresh_from_db()
    assert org.org_type == expected
    assert org.type_fixed_by_uscc


def test_saving_corrects_a_type_that_contradicts_a_civil_affairs_code(committee):
    org = factories.SocialOrganizationFactory(committee=committee, org_type=OrgType.FOUNDATION)
    org.org_type = OrgType.ASSOCIATION
    org.save()
    org.refresh_from_db()
    assert org.org_type == OrgType.FOUNDATION


@pytest.mark.parametrize(
    "chosen", [OrgType.ASSOCIATION, OrgType.PRIVATE_NON_ENTERPRISE, OrgType.FOUNDATION, OrgType.OTHER]
)
def test_type_is_kept_when_the_code_is_not_from_civil_affairs(committee, chosen):
    org = SocialOrganization(
        committee=committee, name="市场监管登记的组织", uscc="91350100M000100Y43", org_type=chosen
    )
    org.full_clean()
    org.save()
    org.refresh_from_db()
    assert org.org_type == chosen
    assert not org.type_fixed_by_uscc


def test_a_non_civil_affairs_code_needs_a_type(committee):
    org = SocialOrganization(committee=committee, name="未选类型", uscc="91350100M000100Y43", org_type="")
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    assert "org_type" in info.value.message_dict


def test_a_civil_affairs_code_with_an_unknown_type_digit_keeps_the_chosen_type(committee):
    code = make_uscc("5A510107MJ0000001")
    org = SocialOrganization(
        committee=committee, name="未知类别", uscc=code, org_type=OrgType.OTHER, division_code=""
    )
    org.full_clean()
    org.save()
    assert org.org_type == OrgType.OTHER


def test_division_defaults_to_positions_3_to_8(committee):
    org = SocialOrganization(
        committee=committee, name="福建某组织", uscc="91350100M000100Y43", org_type=OrgType.OTHER
    )
    org.save()
    assert org.division_code == "350100"


def test_division_default_applies_through_the_service(committee, staff_user):
    org = SocialOrganization(committee=committee, name="宁夏某基金会", uscc="53640000MJX173680A", org_type="")
    services.organization_save(organization=org, by=staff_user)
    org.refresh_from_db()
    assert (org.division_code, org.org_type) == ("640000", OrgType.FOUNDATION)


def test_a_division_that_was_given_is_kept(committee):
    org = SocialOrganization(
        committee=committee, name="武侯某组织", uscc="53640000MJX173680A", division_code="510107"
    )
    org.full_clean()
    org.save()
    assert org.division_code == "510107"


def test_letters_in_positions_3_to_8_are_a_valid_code_but_not_a_division(committee):
    code = make_uscc("51ABCDEFMJ0000001")
    validate_uscc(code)
    org = SocialOrganization(committee=committee, name="字母区划", uscc=code, org_type="")
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    assert list(info.value.message_dict) == ["division_code"]
    org.division_code = "510107"
    org.full_clean()
    assert org.org_type == OrgType.ASSOCIATION


def test_the_uscc_is_normalised_before_it_is_validated(committee):
    org = SocialOrganization(committee=committee, name="小写", uscc=" 53640000mjx173680a ", org_type="")
    org.full_clean()
    org.save()
    assert org.uscc == "53640000MJX173680A"


def test_the_uscc_is_unique(committee, other_committee):
    factories.SocialOrganizationFactory(committee=committee, uscc="53640000MJX173680A")
    dup = SocialOrganization(committee=other_committee, name="重复", uscc="53640000MJX173680A")
    with pytest.raises(ValidationError) as info:
        dup.full_clean()
    assert "uscc" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


def test_an_invalid_uscc_is_refused_by_full_clean(committee):
    org = SocialOrganization(
        committee=committee, name="错码", uscc="53640000MJX173680B", org_type=OrgType.OTHER
    )
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    assert [e.code for e in info.value.error_dict["uscc"]] == ["uscc_check"]


# --- candidate vetting only for 行业协会商会 ---------------------------------------------------


def test_candidates_vetted_is_refused_by_the_database_for_other_organisations(committee):
    org = factories.SocialOrganizationFactory.build(
        committee=committee, is_trade_association=False, candidates_vetted=True
    )
    with pytest.raises(ValidationError) as info:
        org.validate_constraints()
    assert "只有行业协会商会填写" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        org.save()


@pytest.mark.parametrize("vetted", [True, False, None])
def test_candidates_vetted_is_stored_for_trade_associations(committee, vetted):
    org = factories.SocialOrganizationFactory(
        committee=committee, is_trade_association=True, candidates_vetted=vetted
    )
    org.refresh_from_db()
    assert org.candidates_vetted is vetted


def test_clean_drops_vetting_when_the_organisation_is_not_a_trade_association(committee):
    org = factories.SocialOrganizationFactory.build(
        committee=committee, is_trade_association=False, candidates_vetted=False
    )
    org.full_clean()
    assert org.candidates_vetted is None


# --- what a party organisation may cover ------------------------------------------------------


def _orgs(committee, n):
    return factories.SocialOrganizationFactory.create_batch(n, committee=committee)


@pytest.mark.parametrize("n, ok", [(0, False), (1, True), (2, False)])
def test_a_plain_branch_covers_exactly_one_organisation(committee, n, ok):
    orgs = _orgs(committee, n)
    if ok:
        validate_coverage(PartyOrgKind.BRANCH, orgs, committee)
    else:
        with pytest.raises(ValidationError) as info:
            validate_coverage(PartyOrgKind.BRANCH, orgs, committee)
        assert f"当前选择了{n}个" in info.value.messages[0]


@pytest.mark.parametrize("n, ok", [(1, False), (2, True), (5, True), (6, False)])
def test_a_joint_branch_covers_two_to_the_default_maximum_of_five(committee, n, ok):
    assert committee.max_orgs_per_joint_branch == 5
    orgs = _orgs(committee, n)
    if ok:
        validate_coverage(PartyOrgKind.JOINT_BRANCH, orgs, committee)
    else:
        with pytest.raises(ValidationError):
            validate_coverage(PartyOrgKind.JOINT_BRANCH, orgs, committee)


def test_the_joint_branch_maximum_is_the_committees_setting(committee):
    committee.max_orgs_per_joint_branch = 3
    committee.save()
    validate_coverage(PartyOrgKind.JOINT_BRANCH, _orgs(committee, 3), committee)
    with pytest.raises(ValidationError) as info:
        validate_coverage(PartyOrgKind.JOINT_BRANCH, _orgs(committee, 4), committee)
    assert "最多覆盖3个" in info.value.messages[0]


@pytest.mark.parametrize("kind", [PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH])
def test_a_party_committee_or_general_branch_needs_an_organisation(committee, kind):
    with pytest.raises(ValidationError):
        validate_coverage(kind, [], committee)
    validate_coverage(kind, _orgs(committee, 1), committee)


@pytest.mark.parametrize("kind", list(PartyOrgKind))
def test_another_committees_organisation_is_refused(committee, other_committee, kind):
    orgs = _orgs(committee, 1) + _orgs(other_committee, 1)
    with pytest.raises(ValidationError) as info:
        validate_coverage(kind, orgs, committee)
    assert "不属于本综合党委" in info.value.messages[0]


def test_the_coverage_service_validates_writes_and_audits(committee, staff_user):
    po = factories.PartyOrganizationFactory(committee=committee, kind=PartyOrgKind.JOINT_BRANCH)
    new = _orgs(committee, 3)
    services.party_organization_set_organizations(party_organization=po, organizations=new, by=staff_user)
    assert set(po.organizations.all()) == set(new)
    entry = AuditEntry.objects.get(action="party_organization.coverage")
    assert entry.after == {"organizations": sorted(o.pk for o in new)}
    assert entry.committee_id == committee.pk

    with pytest.raises(ValidationError):
        services.party_organization_set_organizations(
            party_organization=po, organizations=new[:1], by=staff_user
        )
    assert set(po.organizations.all()) == set(new)  # nothing changed


def test_the_coverage_service_refuses_another_committees_organisation(committee, other_committee, staff_user):
    po = factories.PartyOrganizationFactory(committee=committee)
    before = list(po.organizations.all())
    with pytest.raises(ValidationError):
        services.party_organization_set_organizations(
            party_organization=po, organizations=_orgs(other_committee, 1), by=staff_user
        )
    assert list(po.organizations.all()) == before


def test_an_instructor_is_not_assigned_to_an_organisation_with_a_party_organisation(committee, staff_user):
    po = factories.PartyOrganizationFactory(committee=committee)
    ins = factories.InstructorFactory(committee=committee)
    with pytest.raises(ValidationError) as info:
        services.instructor_set_organizations(
            instructor=ins, organizations=list(po.organizations.all()), by=staff_user
        )
    assert "已有党组织" in info.value.messages[0]
    free = _orgs(committee, 1)
    services.instructor_set_organizations(instructor=ins, organizations=free, by=staff_user)
    assert list(ins.organizations.all()) == free


def test_an_instructor_is_not_assigned_to_another_committees_organisation(
    committee, other_committee, staff_user
):
    ins = factories.InstructorFactory(committee=committee)
    with pytest.raises(ValidationError):
        services.instructor_set_organizations(
            instructor=ins, organizations=_orgs(other_committee, 1), by=staff_user
        )
    assert not ins.organizations.exists()


def test_a_parent_must_be_of_the_same_committee_and_not_a_cycle(committee, other_committee):
    a = factories.PartyOrganizationFactory(committee=committee, kind=PartyOrgKind.COMMITTEE)
    b = factories.PartyOrganizationFactory(committee=committee, parent=a)
    a.parent = b
    with pytest.raises(ValidationError) as info:
        a.full_clean()
    assert "循环" in str(info.value)
    foreign = factories.PartyOrganizationFactory(committee=other_committee)
    b.parent = foreign
    with pytest.raises(ValidationError) as info:
        b.full_clean()
    assert "同一综合党委" in str(info.value)


def test_party_organisation_names_are_unique_per_committee(committee, other_committee):
    factories.PartyOrganizationFactory(committee=committee, name="某党支部")
    factories.PartyOrganizationFactory(committee=other_committee, name="某党支部")
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyOrganization.objects.create(committee=committee, name="某党支部")


# --- members and secretaries -------------------------------------------------------------------


def test_one_secretary_per_party_organisation(committee):
    po = factories.PartyOrganizationFactory(committee=committee)
    factories.MemberFactory(party_organization=po, role=MemberRole.SECRETARY)
    second = Member(party_organization=po, name="第二书记", role=MemberRole.SECRETARY)
    with pytest.raises(ValidationError) as info:
        second.full_clean()
    assert "一个党组织只能有一名书记" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    # Another branch has its own secretary, and a branch has any number of ordinary members.
    factories.MemberFactory(role=MemberRole.SECRETARY)
    factories.MemberFactory.create_batch(3, party_organization=po)
    assert po.secretary.role == MemberRole.SECRETARY


def test_a_joining_date_in_the_future_is_refused(committee):
    m = factories.MemberFactory.build(
        party_organization=factories.PartyOrganizationFactory(committee=committee),
        joined_on=dt.date.today() + dt.timedelta(days=2),
    )
    with pytest.raises(ValidationError) as info:
        m.full_clean()
    assert "joined_on" in info.value.message_dict


def test_no_national_id_is_stored():
    names = {f.name for f in Member._meta.get_fields()} | {f.name for f in User._meta.get_fields()}
    assert not any(re.search(r"id_?(card|number)|身份证|national", n) for n in names)


# --- users and roles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.SECRETARY},  # secretary without a party organisation
        {"role": Role.STAFF},  # staff without a committee
        {"role": Role.INSPECTOR},
        {"role": "", "party_org": True},
        {"role": Role.STAFF, "committee": True, "party_org": True},
    ],
)
def test_a_role_must_fit_its_scope(committee, fields):
    po = factories.PartyOrganizationFactory(committee=committee)
    user = User(
        username="x",
        role=fields["role"],
        committee=committee if fields.get("committee") else None,
        party_organization=po if fields.get("party_org") else None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_a_secretarys_party_organisation_must_be_of_their_committee(committee, other_committee):
    po = factories.PartyOrganizationFactory(committee=other_committee)
    user = User(username="x", role=Role.SECRETARY, committee=committee, party_organization=po)
    with pytest.raises(ValidationError) as info:
        user.full_clean()
    assert "party_organization" in info.value.message_dict


def test_role_properties(staff_user, secretary_user, inspector_user):
    assert staff_user.is_committee_staff and not staff_user.is_secretary
    assert secretary_user.is_secretary and not secretary_user.is_committee_staff
    assert inspector_user.is_inspector and not inspector_user.is_committee_staff


# --- the flag for a 党支部 with fewer than 3 full members ---------------------------------------


def _row(html: str, name: str) -> str:
    rows = [r for r in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if name in r]
    assert len(rows) == 1, name
    return rows[0]


@pytest.fixture
def branches_by_strength(committee):
    def make(name, kind, full, probationary):
        po = factories.PartyOrganizationFactory(committee=committee, name=name, kind=kind)
        for i in range(full):
            factories.MemberFactory(
                party_organization=po,
                membership=Membership.FULL,
                role=MemberRole.SECRETARY if i == 0 else MemberRole.MEMBER,
            )
        factories.MemberFactory.create_batch(
            probationary, party_organization=po, membership=Membership.PROBATIONARY
        )
        return po

    return {
        "weak": make("两名正式党员党支部", PartyOrgKind.BRANCH, 2, 3),
        "ok": make("三名正式党员党支部", PartyOrgKind.BRANCH, 3, 0),
        "empty": make("没有党员党支部", PartyOrgKind.BRANCH, 0, 0),
        "joint": make("两名正式党员联合党支部", PartyOrgKind.JOINT_BRANCH, 2, 0),
    }


def test_the_list_flags_branches_with_fewer_than_three_full_members(staff_client, branches_by_strength):
    html = staff_client.get(reverse("branches:party-organization-list")).content.decode()
    weak = _row(html, "两名正式党员党支部")
    assert "不足3名" in weak
    assert "<td>5</td>" in weak  # all members, probationary included
    assert "不足3名" in _row(html, "没有党员党支部")
    assert "不足3名" not in _row(html, "三名正式党员党支部")
    assert "不足3名" not in _row(html, "两名正式党员联合党支部")  # the rule is for a 党支部


@pytest.mark.parametrize("key, flagged", [("weak", True), ("empty", True), ("ok", False), ("joint", False)])
def test_the_detail_page_flags_the_same_branches(staff_client, branches_by_strength, key, flagged):
    po = branches_by_strength[key]
    html = staff_client.get(reverse("branches:party-organization-detail", args=[po.pk])).content.decode()
    assert ("党支部正式党员应不少于3名" in html) is flagged


def test_list_and_detail_follow_the_committees_minimum(staff_client, committee, branches_by_strength):
    committee.min_full_members_per_branch = 4
    committee.save()
    po = branches_by_strength["ok"]  # three full members: now too few
    detail = staff_client.get(reverse("branches:party-organization-detail", args=[po.pk])).content.decode()
    assert "党支部正式党员应不少于4名" in detail
    listing = staff_client.get(reverse("branches:party-organization-list")).content.decode()
    assert "⚠" in _row(listing, "三名正式党员党支部")
