"""Committee staff keep the register in the app: create and change organisations, party
organisations, members and instructors through the services (validated, audited, in the history);
bad input is a form error on its field and writes nothing; another committee's rows are not found."""

import pytest
from django.urls import reverse

from branches.models import AuditEntry, Instructor, Member, PartyOrganization, SocialOrganization
from tests import factories

pytestmark = pytest.mark.django_db


def _org_data(**overrides):
    return {
        "name": "成都市某某协会",
        "uscc": factories.civil_affairs_uscc(777_001),
        "org_type": "",
        "division_code": "",
        "address": "成都市武侯区",
        "status": "active",
        **overrides,
    }


def test_staff_register_an_organisation_with_the_code_deciding_type_and_division(staff_client, committee):
    response = staff_client.post(reverse("branches:organization-create"), _org_data())
    org = SocialOrganization.objects.get(name="成都市某某协会")
    assert response["Location"] == reverse("branches:organization-detail", args=[org.pk])
    assert org.committee == committee and org.division_code == "510107" and org.org_type
    assert AuditEntry.objects.filter(action="socialorganization.create").exists()
    assert org.history.count() == 1
    page = staff_client.get(reverse("branches:organization-list")).content.decode()
    assert reverse("branches:organization-create") in page


def test_a_bad_code_is_a_form_error_and_nothing_is_written(staff_client):
    response = staff_client.post(reverse("branches:organization-create"), _org_data(uscc="123"))
    assert response.status_code == 400 and response.context["form"].errors["uscc"]
    assert not SocialOrganization.objects.filter(name="成都市某某协会").exists()


def test_a_code_of_another_committee_gets_a_neutral_answer(staff_client, other_committee, committee):
    theirs = factories.SocialOrganizationFactory(committee=other_committee)
    response = staff_client.post(reverse("branches:organization-create"), _org_data(uscc=theirs.uscc))
    message = " ".join(response.context["form"].errors["uscc"])
    assert "不能在此导入" in message and "已存在" not in message and other_committee.name not in message
    ours = factories.SocialOrganizationFactory(committee=committee)
    response = staff_client.post(reverse("branches:organization-create"), _org_data(uscc=ours.uscc))
    assert "已在本综合党委登记" in " ".join(response.context["form"].errors["uscc"])


def test_editing_an_organisation_is_audited_and_other_committees_rows_are_not_found(
    staff_client, login, other_staff_user, party_organization
):
    org = party_organization.organizations.get()
    data = _org_data(name="新名称", uscc=org.uscc, division_code=org.division_code)
    staff_client.post(reverse("branches:organization-edit", args=[org.pk]), data)
    org.refresh_from_db()
    assert org.name == "新名称"
    entry = AuditEntry.objects.get(action="socialorganization.update")
    assert entry.after["name"] == "新名称"
    assert (
        login(other_staff_user).post(reverse("branches:organization-edit", args=[org.pk]), data).status_code
        == 404
    )


def test_a_party_organisation_with_its_coverage_is_created_all_or_nothing(staff_client, committee):
    a, b = (factories.SocialOrganizationFactory(committee=committee) for _ in range(2))
    url = reverse("branches:party-organization-create")
    refused = staff_client.post(
        url, {"name": "某支部", "kind": "branch", "organizations": [a.pk, b.pk], "is_active": "on"}
    )
    assert refused.status_code == 400 and refused.context["form"].errors["organizations"]
    assert not PartyOrganization.objects.filter(name="某支部").exists()

    staff_client.post(
        url, {"name": "某联合支部", "kind": "joint_branch", "organizations": [a.pk, b.pk], "is_active": "on"}
    )
    po = PartyOrganization.objects.get(name="某联合支部")
    assert set(po.organizations.all()) == {a, b}
    assert AuditEntry.objects.filter(action="party_organization.coverage", target_id=po.pk).exists()


def test_members_are_added_changed_and_removed_with_a_reason(staff_client, party_organization):
    url = reverse("branches:member-create", args=[party_organization.pk])
    staff_client.post(
        url, {"name": "新党员", "role": "member", "membership": "probationary", "joined_on": "2024-07-01"}
    )
    member = Member.objects.get(name="新党员")
    bad = staff_client.post(
        reverse("branches:member-edit", args=[party_organization.pk, member.pk]),
        {"name": "新党员", "role": "member", "membership": "full", "joined_on": "1900-01-01"},
    )
    assert bad.status_code == 400 and bad.context["form"].errors["joined_on"]
    remove = reverse("branches:member-remove", args=[party_organization.pk, member.pk])
    staff_client.post(remove, {"reason": ""})
    assert Member.objects.filter(pk=member.pk).exists()
    staff_client.post(remove, {"reason": "组织关系转出"})
    assert not Member.objects.filter(pk=member.pk).exists()
    assert AuditEntry.objects.get(action="member.delete").note == "组织关系转出"


def test_an_instructor_is_not_assigned_where_a_party_organisation_exists(
    staff_client, committee, party_organization
):
    covered = party_organization.organizations.get()
    free = factories.SocialOrganizationFactory(committee=committee)
    url = reverse("branches:instructor-create")
    staff_client.post(
        url,
        {
            "name": "王指导",
            "kind": "instructor",
            "phone": "",
            "organizations": [covered.pk],
            "is_active": "on",
        },
    )
    assert not Instructor.objects.filter(name="王指导").exists()
    staff_client.post(
        url,
        {"name": "王指导", "kind": "instructor", "phone": "", "organizations": [free.pk], "is_active": "on"},
    )
    assert list(Instructor.objects.get(name="王指导").organizations.all()) == [free]
    assert "王指导" in staff_client.get(reverse("branches:instructor-list")).content.decode()


def test_the_register_lists_show_division_names_and_secretaries(staff_client, party_organization):
    page = staff_client.get(reverse("branches:organization-list")).content.decode()
    assert "武侯区" in page
    secretary = party_organization.members.get(role="secretary")
    page = staff_client.get(reverse("branches:party-organization-list")).content.decode()
    assert secretary.name in page


def test_the_party_organisation_list_shows_the_star_level_in_force(staff_client, committee, staff_user):
    from ratings.models import Award
    from tests.ratings.conftest import finalize_results, make_results_cycle

    results = finalize_results(make_results_cycle(committee, staff_user), staff_user)
    four = Award.objects.get(submission=results.four)
    page = staff_client.get(reverse("branches:party-organization-list")).content.decode()
    row = page.split(str(results.four.party_organization.name))[1].split("</tr>")[0]
    assert f"{four.level}★" in row
    Award.objects.filter(pk=four.pk).update(state=Award.State.REVOKED)
    page = staff_client.get(reverse("branches:party-organization-list")).content.decode()
    row = page.split(str(results.four.party_organization.name))[1].split("</tr>")[0]
    assert "★" not in row
