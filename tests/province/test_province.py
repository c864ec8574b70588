"""The province's 两新工委: reads the published results of the committees assigned to it, side by
side; writes nothing; superusers assign the committees."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches import access
from branches.models import AuditEntry
from ratings.reports.tally import tally_recompute, tally_request
from tests import factories
from tests.ratings.conftest import finalize_results, make_results_cycle

pytestmark = pytest.mark.django_db


def _published_committee(name, year=None):
    committee = factories.CommitteeFactory(name=name)
    staff = factories.StaffUserFactory(committee=committee)
    results = finalize_results(make_results_cycle(committee, staff, year=year), staff)
    tally_recompute(cycle_id=results.cycle.pk, run=tally_request(cycle=results.cycle, by=staff))
    return committee, staff, results.cycle


@pytest.fixture
def province_user(committee):
    user = factories.ProvinceUserFactory(username="province")
    user.province_committees.set([committee])
    return user


def test_the_province_role_is_granted_no_action_but_reading_as_the_province(province_user):
    granted = [action for action in access.POLICY if access.has_role_for(province_user, action)]
    assert granted == ["province.view"]


def test_it_reads_only_the_committees_assigned_to_it(province_user, committee, other_committee):
    assert access.can(province_user, "province.view", committee)
    assert not access.can(province_user, "province.view", other_committee)
    for action in ("rating.manage", "rating.view", "register.view", "meetings.view", "outcome.view"):
        assert not access.can(province_user, action, committee)


def test_overview_shows_assigned_published_cycles_only(client):
    own, _staff, cycle = _published_committee("四川省社会组织第二综合党委")
    other, _other_staff, other_cycle = _published_committee("四川省社会组织第一综合党委")
    open_committee = factories.CommitteeFactory(name="尚在评星的综合党委")
    open_staff = factories.StaffUserFactory(committee=open_committee)
    make_results_cycle(open_committee, open_staff)  # reviewed, never published
    user = factories.ProvinceUserFactory()
    user.province_committees.set([own, open_committee])
    client.force_login(user)

    page = client.get(reverse("province:overview")).content.decode()

    assert own.name in page and open_committee.name in page
    assert other.name not in page
    assert reverse("province:cycle-results", args=[cycle.pk]) in page
    assert "本年度没有已公示的评星结果" in page  # the open committee's year shows nothing
    assert client.get(reverse("province:cycle-results", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("province:cycle-results", args=[other_cycle.pk])).status_code == 404
    assert client.get(reverse("province:committee", args=[other.pk])).status_code == 404


def test_a_cycle_not_yet_published_is_not_found(client, committee, staff_user, province_user):
    results = make_results_cycle(committee, staff_user)
    client.force_login(province_user)
    assert client.get(reverse("province:cycle-results", args=[results.cycle.pk])).status_code == 404


def test_the_cycle_page_lists_the_published_results_with_the_tally(client):
    committee, _staff, cycle = _published_committee("四川省社会组织第二综合党委")
    user = factories.ProvinceUserFactory()
    user.province_committees.set([committee])
    client.force_login(user)
    page = client.get(reverse("province:cycle-results", args=[cycle.pk])).content.decode()
    assert "五星测试党支部" in page and "三星测试党支部" in page
    assert "否决测试党支部" not in page  # vetoed results are not published
    assert 'id="three-plus">3<' in page


def test_years_compare_three_plus_with_the_year_before(client):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委")
    staff = factories.StaffUserFactory(committee=committee)
    for year in (2023, 2024):
        results = finalize_results(make_results_cycle(committee, staff, year=year), staff)
        tally_recompute(cycle_id=results.cycle.pk, run=tally_request(cycle=results.cycle, by=staff))
    user = factories.ProvinceUserFactory()
    user.province_committees.set([committee])
    from province import selectors

    data = selectors.overview(user)
    assert data["years"] == [2024, 2023]
    newer, older = data["rows"][0].cells
    assert newer.tally["three_plus"] == 3 and newer.three_plus_change == 0
    assert older.three_plus_change is None
    assert {r.committee for r in data["regions"]} == {committee}


def test_the_overview_takes_the_same_queries_for_one_or_three_committees(client, django_assert_num_queries):
    user = factories.ProvinceUserFactory()
    client.force_login(user)
    committees = [_published_committee(f"综合党委{i}")[0] for i in range(3)]

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("province:overview")).status_code == 200
        return len(ctx.captured_queries)

    user.province_committees.set(committees[:1])
    one = count()
    user.province_committees.set(committees)
    assert count() == one


def test_only_a_superuser_assigns_committees(committee, other_committee, province_user, staff_user):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    from province.services import province_committees_set

    province_committees_set(user=province_user, committees=[committee, other_committee], by=root)
    assert set(province_user.province_committees.all()) == {committee, other_committee}
    assert AuditEntry.objects.filter(action="province.assign", target_id=str(province_user.pk)).exists()
    with pytest.raises(PermissionDenied):
        province_committees_set(user=province_user, committees=[], by=staff_user)
    with pytest.raises(ValidationError):
        province_committees_set(user=staff_user, committees=[committee], by=root)


def test_the_assignment_page_saves_and_refuses_an_empty_choice(
    client, committee, other_committee, province_user
):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("province:user-committees", args=[province_user.pk])
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"committees": [other_committee.pk]})
    assert response.status_code == 302
    assert list(province_user.province_committees.all()) == [other_committee]
    assert province_user.username in client.get(reverse("province:users")).content.decode()


def test_a_province_user_belongs_to_no_committee(committee):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProvinceUserFactory(committee=committee)
