"""Long lists are paged, and a page takes the same number of queries for 5 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Kind, Notification

from . import factories

pytestmark = pytest.mark.django_db


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(queries), response  # counted at once: the connection keeps only the latest queries


def _meetings(committee, n, start):
    po = factories.PartyOrganizationFactory(committee=committee, name=f"会议列表党支部{start:03d}")
    for _ in range(n):
        factories.MeetingFactory(party_organization=po)


def _notifications(user, n, start):
    for i in range(start, start + n):
        Notification.objects.create(
            recipient=user, kind=Kind.MEETING_GAP, key=f"k{i}", title=f"通知{i}", body="正文"
        )


def _party_organizations(committee, n, start):
    for i in range(start, start + n):
        factories.PartyOrganizationFactory(committee=committee, name=f"列表党支部{i:03d}", with_members=2)


def _organizations(committee, n, start):
    factories.SocialOrganizationFactory.create_batch(n, committee=committee)


LISTS = {
    "meetings:meeting-list": lambda staff, committee, n, start: _meetings(committee, n, start),
    "notifications:inbox": lambda staff, committee, n, start: _notifications(staff, n, start),
    "branches:party-organization-list": lambda staff, committee, n, start: _party_organizations(
        committee, n, start
    ),
    "branches:organization-list": lambda staff, committee, n, start: _organizations(committee, n, start),
    "meetings:compliance-overview": lambda staff, committee, n, start: _party_organizations(
        committee, n, start
    ),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_page_takes_as_many_queries_for_50_rows_as_for_5(
    name, staff_client, staff_user, committee, django_capture_on_commit_callbacks
):
    url = reverse(name)
    add = LISTS[name]
    with django_capture_on_commit_callbacks(execute=True):
        add(staff_user, committee, 5, 0)
    staff_client.get(url)  # warm up: session, content types, stored snapshots
    small, _response = _queries(staff_client, url)
    with django_capture_on_commit_callbacks(execute=True):  # committed: stored snapshots are refreshed
        add(staff_user, committee, 45, 5)
    staff_client.get(url)
    large, response = _queries(staff_client, url)
    assert large == small, name
    assert response.context["page"].paginator.count >= 50


def test_the_inbox_keeps_the_unread_filter_on_the_next_page(staff_client, staff_user):
    from notifications.views import INBOX_PAGE_SIZE

    _notifications(staff_user, INBOX_PAGE_SIZE + 1, 0)
    html = staff_client.get(reverse("notifications:inbox"), {"unread": "1"}).content.decode()
    assert "?unread=1&page=2" in html


def test_the_party_organization_search_is_kept_across_pages(staff_client, committee):
    _party_organizations(committee, 55, 0)
    html = staff_client.get(
        reverse("branches:party-organization-list"), {"q": "列表 & 党支部"}
    ).content.decode()
    assert "没有党组织" in html  # "&" is part of the search, not a new parameter
    html = staff_client.get(reverse("branches:party-organization-list"), {"q": "列表党支部"}).content.decode()
    assert "?q=%E5%88%97%E8%A1%A8%E5%85%9A%E6%94%AF%E9%83%A8&page=2" in html


def test_the_dashboard_lists_a_few_overdue_branches_and_counts_them_all(staff_client, committee, staff_user):
    import datetime as dt

    from django.utils import timezone

    from ratings.models import Cycle, Status, Submission
    from ratings.views.dashboard import OVERDUE_SHOWN

    cycle = factories.CycleFactory(
        committee=committee,
        status=Cycle.Status.OPEN,
        self_assessment_deadline=timezone.now() - dt.timedelta(days=1),
    )
    for i in range(OVERDUE_SHOWN + 3):
        po = factories.PartyOrganizationFactory(committee=committee, name=f"逾期党支部{i:03d}")
        Submission.objects.create(cycle=cycle, party_organization=po, status=Status.DRAFT)
    response = staff_client.get(reverse("ratings:dashboard"), {"cycle": cycle.pk})
    html = response.content.decode()
    assert f"{OVERDUE_SHOWN + 3} 个党组织逾期未提交" in html
    assert len(response.context["overdue"]) == OVERDUE_SHOWN
    assert reverse("ratings:queue", args=[cycle.pk]) + "?overdue=on" in html
