"""The public front door (/ for anonymous visitors) and the styled error pages."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from ratings.models import Cycle
from ratings.outcomes.publication import cycle_publish
from tests import factories
from tests.ratings.conftest import make_results_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(committee, staff_user):
    committee.office_name = "党建工作办公室"
    committee.office_address = "成都市青羊区示例路1号"
    committee.office_phone = "028-12345678"
    committee.office_email = "djb@example.org"
    committee.save()
    results = make_results_cycle(committee, staff_user)
    cycle_publish(cycle=results.cycle, by=staff_user)
    return Cycle.objects.get(pk=results.cycle.pk)


def test_anonymous_visitors_see_the_current_notices_and_the_certificate_check(
    client, published, other_committee
):
    unpublished = make_results_cycle(other_committee, factories.StaffUserFactory(committee=other_committee))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("ratings:public-notice", args=[published.pk]) in page
    assert reverse("ratings:public-notice", args=[unpublished.cycle.pk]) not in page
    for shown in ("党建工作办公室", "成都市青羊区示例路1号", "028-12345678", "djb@example.org"):
        assert shown in page
    assert reverse("ratings:verify-lookup") in page and reverse("ratings:public-objection-status") in page


def test_the_notice_names_the_office_that_takes_objections(client, published):
    page = client.get(reverse("ratings:public-notice", args=[published.pk])).content.decode()
    assert "党建工作办公室" in page and "028-12345678" in page


def test_signed_in_users_keep_their_home(staff_client, published):
    page = staff_client.get(reverse("home")).content.decode()
    assert "你好" in page and "正在公示" not in page


def test_the_404_page_is_styled(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "页面不存在" in response.content.decode() and 'class="topbar"' in response.content.decode()


def test_the_403_page_is_styled(login, settings, secretary_user):
    settings.DEBUG = False
    response = login(secretary_user).get(reverse("branches:import"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "没有权限" in response.content.decode()


def test_the_500_page_needs_neither_the_database_nor_a_request_context(django_assert_num_queries, settings):
    settings.DEBUG = False
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page and "starfire" in page  # the stylesheet
