"""The register's scopes: what each role sees of the register, on its pages and in the selectors.

What every URL answers every role (anonymous → login, outsider → 404, wrong role → 403, owner →
200) is the project's one table, tests/access_matrix.py.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches import import_batches, selectors, tasks
from branches.models import ImportBatch, PartyOrgKind, SocialOrganization
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    committee,
    other_committee,
    staff_user,
    other_staff_user,
    secretary_user,
    other_secretary_user,
    inspector_user,
    party_organization,
):
    org = party_organization.organizations.get()
    csv = f"名称,统一社会信用代码\n某协会,{factories.civil_affairs_uscc(999_001)}\n"
    batch, error = import_batches.import_batch_create(
        committee=committee,
        by=staff_user,
        upload=SimpleUploadedFile("orgs.csv", csv.encode("utf-8-sig"), content_type="text/csv"),
    )
    assert not error
    tasks.check_import_batch(batch.pk)  # the dry run, as a worker runs it after the upload commits
    return {
        "users": {
            "anonymous": None,
            "staff": staff_user,
            "other_staff": other_staff_user,
            "secretary": secretary_user,
            "other_secretary": other_secretary_user,
            "inspector": inspector_user,
            "no_role": factories.UserFactory(username="no-role"),
        },
        "org": org,
        "po": party_organization,
        "batch": batch,
        "instructor": factories.InstructorFactory(committee=committee),
    }


@pytest.mark.parametrize(
    "actor", ["anonymous", "staff", "other_staff", "secretary", "other_secretary", "inspector", "no_role"]
)
def test_only_the_own_committees_staff_confirm_an_import(
    login, world, actor, django_capture_on_commit_callbacks
):
    """Who gets which answer is in tests/access_matrix.py; here: a refused POST imports nothing."""
    url = reverse("branches:import-confirm", args=[world["batch"].pk])
    with django_capture_on_commit_callbacks(execute=True):  # the import task, queued on commit
        login(world["users"][actor]).post(url)
    imported = ImportBatch.objects.get(pk=world["batch"].pk).status == ImportBatch.Status.IMPORTED
    assert imported is (actor == "staff")


def test_a_secretarys_work_page_links_their_own_branch_only(login, world):
    response = login(world["users"]["secretary"]).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("branches:party-organization-detail", args=[world["po"].pk]) in html
    assert response.context["party_organization"] == world["po"]


def test_import_confirm_refuses_get(staff_client, world):
    url = reverse("branches:import-confirm", args=[world["batch"].pk])
    assert staff_client.get(url).status_code == 405


def test_a_secretary_sees_only_the_organisations_of_their_branch(login, world, committee):
    client = login(world["users"]["secretary"])
    elsewhere = factories.SocialOrganizationFactory(committee=committee)
    assert client.get(reverse("branches:organization-detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("branches:organization-detail", args=[world["org"].pk])).status_code == 200


def test_a_joint_branch_secretary_sees_each_organisation_it_covers(login, committee):
    po = factories.PartyOrganizationFactory(committee=committee, kind=PartyOrgKind.JOINT_BRANCH)
    client = login(factories.SecretaryUserFactory(party_organization=po))
    for org in po.organizations.all():
        assert client.get(reverse("branches:organization-detail", args=[org.pk])).status_code == 200


def test_staff_lists_show_only_their_committee(login, world, other_committee):
    foreign_org = factories.SocialOrganizationFactory(committee=other_committee, name="别家的协会")
    foreign_po = factories.PartyOrganizationFactory(
        committee=other_committee, name="别家的党支部", organizations=[foreign_org]
    )
    client = login(world["users"]["staff"])
    orgs = client.get(reverse("branches:organization-list")).content.decode()
    assert world["org"].name in orgs and foreign_org.name not in orgs
    pos = client.get(reverse("branches:party-organization-list")).content.decode()
    assert world["po"].name in pos and foreign_po.name not in pos
    uncovered = factories.SocialOrganizationFactory(committee=other_committee, name="别家未覆盖")
    assert uncovered.name not in client.get(reverse("branches:coverage")).content.decode()
    # and the other way round
    other = login(world["users"]["other_staff"])
    assert world["org"].name not in other.get(reverse("branches:organization-list")).content.decode()
    assert foreign_org.name in other.get(reverse("branches:organization-list")).content.decode()


def test_a_superuser_without_a_committee_may_use_the_staff_pages(login, world):
    client = login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(reverse("home")).status_code == 200
    # the staff pages are about one committee: a superuser picks it first (the committee switcher)
    pages = ("branches:organization-list", "branches:party-organization-list", "branches:coverage")
    for name in pages:
        assert client.get(reverse(name)).url.startswith(reverse("committee-switch"))
    client.post(reverse("committee-switch"), {"committee": world["org"].committee_id})
    for name in ("home", *pages):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    "actor, shown, hidden",
    [
        ("staff", ["社会组织", "党组织", "覆盖情况", "导入", "管理后台"], ["本支部"]),
        ("secretary", ["本支部"], ["覆盖情况", "导入", "管理后台"]),
        ("inspector", ["首页"], ["覆盖情况", "导入", "本支部", "管理后台"]),
    ],
)
def test_navigation_per_role(login, world, actor, shown, hidden):
    response = login(world["users"][actor]).get(reverse("home"), follow=True)
    nav = response.content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label not in nav


# --- selectors: one filter per role ---------------------------------------------------------------


@pytest.fixture
def registers(committee, other_committee, party_organization):
    """Our committee: the secretary's branch (1 org), a joint branch (2), an instructor-covered org,
    an uncovered org. The other committee: a branch and an instructor."""
    joint = factories.PartyOrganizationFactory(
        committee=committee, kind=PartyOrgKind.JOINT_BRANCH, with_members=2
    )
    lone = factories.SocialOrganizationFactory(committee=committee)
    ins = factories.InstructorFactory(committee=committee, organizations=[lone])
    factories.SocialOrganizationFactory(committee=committee)
    foreign_po = factories.PartyOrganizationFactory(committee=other_committee, with_members=4)
    foreign_ins = factories.InstructorFactory(committee=other_committee)
    return {"joint": joint, "ins": ins, "foreign_po": foreign_po, "foreign_ins": foreign_ins}


def _ids(qs):
    ids = list(qs.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)), "a row appears twice"
    return set(ids)


def test_selectors_for_committee_staff(staff_user, committee, party_organization, registers):
    assert _ids(selectors.organizations_visible_to(staff_user)) == _ids(
        SocialOrganization.objects.filter(committee=committee)
    )
    assert len(_ids(selectors.organizations_visible_to(staff_user))) == 5
    assert _ids(selectors.party_organizations_visible_to(staff_user)) == {
        party_organization.pk,
        registers["joint"].pk,
    }
    assert len(_ids(selectors.members_visible_to(staff_user))) == 3 + 2
    assert _ids(selectors.instructors_visible_to(staff_user)) == {registers["ins"].pk}


def test_selectors_for_staff_of_another_committee(other_staff_user, other_committee, registers):
    assert _ids(selectors.organizations_visible_to(other_staff_user)) == _ids(
        SocialOrganization.objects.filter(committee=other_committee)
    )
    assert _ids(selectors.party_organizations_visible_to(other_staff_user)) == {registers["foreign_po"].pk}
    assert len(_ids(selectors.members_visible_to(other_staff_user))) == 4
    assert _ids(selectors.instructors_visible_to(other_staff_user)) == {registers["foreign_ins"].pk}


def test_selectors_for_a_secretary(secretary_user, party_organization, registers):
    assert _ids(selectors.organizations_visible_to(secretary_user)) == _ids(
        party_organization.organizations.all()
    )
    assert _ids(selectors.party_organizations_visible_to(secretary_user)) == {party_organization.pk}
    assert _ids(selectors.members_visible_to(secretary_user)) == _ids(party_organization.members.all())
    assert not selectors.instructors_visible_to(secretary_user).exists()


def test_selectors_for_a_joint_branch_secretary(registers):
    joint = registers["joint"]
    user = factories.SecretaryUserFactory(party_organization=joint)
    assert _ids(selectors.organizations_visible_to(user)) == _ids(joint.organizations.all())
    assert len(_ids(selectors.organizations_visible_to(user))) == 2


@pytest.mark.parametrize("who", ["inspector", "anonymous", "no_role", "inactive_staff"])
def test_selectors_show_nothing_to_others(who, inspector_user, committee, registers):
    user = {
        "inspector": inspector_user,
        "anonymous": AnonymousUser(),
        "no_role": factories.UserFactory(),
        "inactive_staff": factories.StaffUserFactory(committee=committee, is_active=False),
    }[who]
    for selector in (
        selectors.organizations_visible_to,
        selectors.party_organizations_visible_to,
        selectors.members_visible_to,
        selectors.instructors_visible_to,
    ):
        assert not selector(user).exists()


def test_selectors_show_everything_to_a_superuser(registers):
    root = factories.UserFactory(is_superuser=True, is_staff=True)
    assert selectors.organizations_visible_to(root).count() == SocialOrganization.objects.count()


def test_visibility_is_decided_in_one_query(staff_user, secretary_user, registers, django_assert_num_queries):
    for user in (staff_user, secretary_user):
        with django_assert_num_queries(1):
            list(selectors.organizations_visible_to(user))
