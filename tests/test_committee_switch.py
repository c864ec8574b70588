"""The committee switcher: a superuser works in one committee at a time and picks it explicitly;
staff, secretaries and inspectors have their own committee and no switcher."""

import pytest
from django.test import Client
from django.urls import reverse

from branches.access import SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db

SWITCH = "committee-switch"


@pytest.fixture
def root():
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def two_registers(committee, other_committee):
    ours = factories.SocialOrganizationFactory(committee=committee, name="我们的协会")
    theirs = factories.SocialOrganizationFactory(committee=other_committee, name="别家的协会")
    po_ours = factories.PartyOrganizationFactory(
        committee=committee, name="我们的党支部", organizations=[ours]
    )
    po_theirs = factories.PartyOrganizationFactory(
        committee=other_committee, name="别家的党支部", organizations=[theirs]
    )
    factories.MeetingFactory(party_organization=po_ours, topic="我们的主题党日")
    factories.MeetingFactory(party_organization=po_theirs, topic="别家的主题党日")
    return {"ours": ours, "theirs": theirs}


def test_a_superuser_without_a_choice_is_sent_to_the_switcher_and_back(login, root, committee, two_registers):
    client = login(root)
    page = reverse("branches:organization-list")
    response = client.get(page + "?q=xh")
    assert response.status_code == 302
    assert response.url == reverse(SWITCH) + "?next=%2Fregister%2Forganizations%2F%3Fq%3Dxh"

    switcher = client.get(response.url)
    body = switcher.content.decode()
    assert switcher.status_code == 200
    assert "四川省社会组织第二综合党委" in body and "四川省社会组织第一综合党委" in body
    assert 'name="next" value="/register/organizations/?q=xh"' in body

    picked = client.post(reverse(SWITCH), {"committee": committee.pk, "next": page + "?q=xh"})
    assert picked.status_code == 302 and picked.url == page + "?q=xh"
    assert client.session[SESSION_KEY] == committee.pk
    listing = client.get(page).content.decode()
    assert "我们的协会" in listing and "别家的协会" not in listing


def test_the_chosen_committee_is_the_only_one_a_superuser_sees(login, root, other_committee, two_registers):
    client = login(root)
    client.post(reverse(SWITCH), {"committee": other_committee.pk})
    for name, ours, theirs in (
        ("branches:organization-list", "我们的协会", "别家的协会"),
        ("branches:party-organization-list", "我们的党支部", "别家的党支部"),
        ("meetings:meeting-list", "我们的主题党日", "别家的主题党日"),
    ):
        body = client.get(reverse(name)).content.decode()
        assert theirs in body and ours not in body, name
    home = client.get(reverse("home")).content.decode()
    assert other_committee.name in home


@pytest.mark.parametrize(
    "name", ["branches:coverage", "branches:import", "meetings:compliance-overview", "meetings:meeting-list"]
)
def test_every_committee_page_asks_a_superuser_to_choose(login, root, committee, name):
    response = login(root).get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse(SWITCH) + "?next=")


def test_a_post_without_a_choice_goes_to_the_switcher_without_next(login, root, committee):
    response = login(root).post(reverse("branches:import"), {})
    assert response.status_code == 302 and response.url == reverse(SWITCH)


def test_the_home_page_of_a_superuser_offers_the_switcher(login, root, committee):
    body = login(root).get(reverse("home")).content.decode()
    assert reverse(SWITCH) in body and "请先选择要查看的综合党委" in body


@pytest.mark.parametrize("actor", ["staff", "secretary", "inspector"])
def test_only_a_superuser_may_switch(login, committee, other_committee, actor, request):
    user = request.getfixturevalue(f"{actor}_user")
    client = login(user)
    assert client.get(reverse(SWITCH)).status_code == 403
    assert client.post(reverse(SWITCH), {"committee": other_committee.pk}).status_code == 403
    assert SESSION_KEY not in client.session


def test_anonymous_users_log_in_first(client):
    response = client.get(reverse(SWITCH))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "bad_next",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "http://testserver.evil/"],
)
def test_a_next_elsewhere_is_ignored(login, root, committee, bad_next):
    client = login(root)
    response = client.post(reverse(SWITCH), {"committee": committee.pk, "next": bad_next})
    assert response.status_code == 302 and response.url == reverse("home")
    assert bad_next not in client.get(reverse(SWITCH), {"next": bad_next}).content.decode()


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_a_committee_that_does_not_exist_is_a_form_error(login, root, committee, value):
    client = login(root)
    response = client.post(reverse(SWITCH), {"committee": value})
    assert response.status_code == 200
    assert response.context["form"].errors["committee"]
    assert 'class="errorlist"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_switcher_is_csrf_protected(root, committee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)
    assert client.post(reverse(SWITCH), {"committee": committee.pk}).status_code == 403
    assert SESSION_KEY not in client.session


def test_the_navigation_shows_a_superuser_the_current_committee(login, root, committee, other_committee):
    client = login(root)
    nav = client.get(reverse("home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    assert 'class="committee-switcher"' in nav and "选择综合党委…" in nav
    client.post(reverse(SWITCH), {"committee": committee.pk})
    nav = client.get(reverse("home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    assert f'<option value="{committee.pk}" selected>{committee.name}</option>' in nav
    assert f'<option value="{other_committee.pk}">{other_committee.name}</option>' in nav


def test_staff_have_no_switcher(staff_client):
    assert "committee-switcher" not in staff_client.get(reverse("home")).content.decode()
