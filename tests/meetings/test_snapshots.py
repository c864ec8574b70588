"""The stored compliance of a committee's year: the same figures as the live computation, refreshed
once for many changes, and what the heat map and the dashboard read."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import PartyOrgKind
from meetings import compliance, snapshots, tasks
from meetings.models import ComplianceSnapshot, Frequency, Meeting, MeetingType
from tests import factories
from tests.factories import beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(committee):
    """Three party organisations of 2023 with hand-picked meetings:

    - 甲党支部 (region 510107): 支委会 in January and February, one 支部党员大会 below quorum in March;
    - 乙联合党支部 (region 510104): every monthly type every month, 支部党员大会 each quarter, a 党课
      each quarter: nothing missing;
    - 丙党支部 (founded 2023-07-01): nothing held; only the second half year is required.
    """
    a = factories.PartyOrganizationFactory(
        committee=committee,
        name="甲党支部",
        organizations=[factories.SocialOrganizationFactory(committee=committee, division="510107")],
    )
    b = factories.PartyOrganizationFactory(
        committee=committee,
        name="乙联合党支部",
        kind=PartyOrgKind.JOINT_BRANCH,
        organizations=factories.SocialOrganizationFactory.create_batch(
            2, committee=committee, division="510104"
        ),
    )
    c = factories.PartyOrganizationFactory(
        committee=committee, name="丙党支部", founded_on=dt.date(2023, 7, 1)
    )
    for month in (1, 2):
        factories.MeetingFactory(
            party_organization=a, type_code="committee_meeting", starts_at=beijing(2023, month, 9, 10)
        )
    factories.MeetingFactory(
        party_organization=a, type_code="general_meeting", starts_at=beijing(2023, 3, 9, 10), quorum_ok=False
    )
    required = MeetingType.objects.filter(committee=committee, counts_for_compliance=True).exclude(
        frequency=Frequency.NONE
    )
    for month in range(1, 13):
        for mt in required:
            if mt.frequency == Frequency.MONTH or month % 3 == 0:
                factories.MeetingFactory(
                    party_organization=b, type_code=mt.code, starts_at=beijing(2023, month, 5, 10)
                )
    return {"a": a, "b": b, "c": c}


def test_the_snapshot_has_the_figures_of_the_live_computation(committee, example):
    snapshots.snapshot_refresh(committee_id=committee.pk, year=2023)
    row = ComplianceSnapshot.objects.get(committee=committee, year=2023)
    live = {b.party_organization_id: b for b in compliance.committee_compliance(committee.pk, 2023)}
    stored = {d["id"]: snapshots.BranchRow.from_data(d) for d in row.branches}
    assert set(stored) == set(live) == {po.pk for po in example.values()}
    for po_id, b in live.items():
        s = stored[po_id]
        assert (s.name, s.gap_count, s.met_count, s.due_count, s.rate, s.below_quorum) == (
            b.name,
            b.gap_count,
            b.met_count,
            b.due_count,
            b.rate,
            b.below_quorum,
        )
        assert [(c.css, c.text, c.title) for c in s.months] == [(c.css, c.text, c.title) for c in b.months]
        assert s.gap_types == [[t.rule.name, len(t.gaps)] for t in b.types if t.gaps]
    summary = compliance.committee_summary(committee.pk, 2023)
    stored_summary = snapshots.SnapshotSummary.from_row(
        snapshots.committee_snapshot(committee.pk, 2023, with_branches=False)
    )
    assert stored_summary.branch_count == summary.branch_count == 3
    assert stored_summary.compliant_count == summary.compliant_count == 1  # 乙
    assert stored_summary.gap_count == summary.gap_count
    assert stored_summary.rate == summary.rate
    assert [w.name for w in stored_summary.worst_five] == [w.name for w in summary.worst_five]

    # By hand: 甲 met 支委会 in January (one of three monthly types), 乙 nothing missing, 丙 nothing
    # required before July, and 甲's March 支部党员大会 was below quorum.
    a, b, c = (stored[example[k].pk] for k in "abc")
    assert a.months[0].text == "1/3" and a.months[0].css == "hm-part"
    assert a.below_quorum == 1
    assert b.gap_count == 0 and b.rate == 100.0 and b.kind == PartyOrgKind.JOINT_BRANCH
    assert b.region == "510104" and a.region == "510107"
    assert c.months[0].text == "—" and c.months[6].css == "hm-zero"
    assert [code for code, _label in row.summary["regions"]] == ["510104", "510107"]


def test_a_saved_meeting_shows_at_once_when_tasks_run_in_process(
    committee, example, staff_client, django_capture_on_commit_callbacks
):
    url = reverse("meetings:compliance-overview") + "?year=2023&sort=name"
    before = staff_client.get(url).context["page"].object_list
    assert next(b for b in before if b.name == "甲党支部").months[3].text == "0/3"
    with django_capture_on_commit_callbacks(execute=True):
        factories.MeetingFactory(
            party_organization=example["a"], type_code="committee_meeting", starts_at=beijing(2023, 4, 9, 10)
        )
    response = staff_client.get(url)
    after = response.context["page"].object_list
    assert next(b for b in after if b.name == "甲党支部").months[3].text == "1/3"
    assert not response.context["snapshot"].pending
    assert "统计于" in response.content.decode()


@pytest.fixture
def queued(monkeypatch):
    """Refreshes go to a (recorded) queue instead of running in-process: the outbox messages
    published, with their countdown."""
    from core import outbox
    from starfire.celery import app

    calls = []

    def publish(message):
        assert message.task == tasks.refresh_compliance_snapshot.name
        calls.append((message.args, round((message.due_at - message.created_at).total_seconds())))
        return True

    monkeypatch.setattr(outbox, "publish", publish)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield calls
    app.conf.task_always_eager = eager


def test_many_changes_queue_one_refresh_and_a_covered_request_is_skipped(
    committee, example, queued, django_capture_on_commit_callbacks
):
    snapshots.snapshot_refresh(committee_id=committee.pk, year=2023)
    with django_capture_on_commit_callbacks(execute=True):
        for day in (10, 11):
            factories.MeetingFactory(
                party_organization=example["a"], type_code="theme_day", starts_at=beijing(2023, 5, day, 10)
            )
    assert len(queued) == 1
    (committee_id, year, requested_at), countdown = queued[0]
    assert (committee_id, year, countdown) == (committee.pk, 2023, snapshots.DEBOUNCE_SECONDS)
    row = ComplianceSnapshot.objects.get(committee=committee, year=2023)
    assert snapshots.is_outdated(row) and row.refresh_due_at is not None

    # The queued refresh runs: both meetings are in, nothing is outdated.
    assert tasks.refresh_compliance_snapshot(committee_id, year, requested_at) == {
        "skipped": False,
        "branches": 3,
    }
    row.refresh_from_db()
    assert not snapshots.is_outdated(row) and row.refresh_due_at is None
    a = snapshots.BranchRow.from_data(next(d for d in row.branches if d["name"] == "甲党支部"))
    assert a.months[4].met == 1  # May: 主题党日 met

    # A second delivery of the same request finds a newer run and does nothing.
    assert tasks.refresh_compliance_snapshot(committee_id, year, requested_at) == {"skipped": True}

    # After the refresh a new change queues a new one.
    with django_capture_on_commit_callbacks(execute=True):
        Meeting.objects.filter(party_organization=example["a"]).first().delete()
    assert len(queued) == 2


def test_a_meeting_moved_to_another_year_marks_both_years(
    committee, example, queued, django_capture_on_commit_callbacks
):
    for year in (2022, 2023):
        snapshots.snapshot_refresh(committee_id=committee.pk, year=year)
    meeting = Meeting.objects.filter(party_organization=example["a"]).order_by("starts_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        meeting.starts_at = beijing(2022, 12, 30, 10)
        meeting.save()
    assert sorted(args[1] for args, _countdown in queued) == [2022, 2023]


def test_an_outdated_snapshot_is_shown_with_its_time_and_a_refresh_is_queued(
    committee, example, staff_client, queued, django_capture_on_commit_callbacks
):
    snapshots.snapshot_refresh(committee_id=committee.pk, year=2023)
    ComplianceSnapshot.objects.filter(committee=committee).update(changed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):  # the refresh is published after the commit
        response = staff_client.get(reverse("meetings:compliance-overview") + "?year=2023")
    assert response.context["snapshot"].pending
    assert "正在重新统计" in response.content.decode()
    assert len(queued) == 1


def test_without_a_snapshot_the_page_computes_it_once_and_stores_it(committee, example, staff_client):
    assert not ComplianceSnapshot.objects.exists()
    response = staff_client.get(reverse("meetings:compliance-overview") + "?year=2023")
    assert response.context["page"].paginator.count == 3
    assert ComplianceSnapshot.objects.get(committee=committee, year=2023).summary["branch_count"] == 3


def test_a_snapshot_from_an_earlier_month_is_outdated(committee, example):
    snapshots.snapshot_refresh(committee_id=committee.pk, year=2024, today=dt.date(2024, 3, 31))
    row = ComplianceSnapshot.objects.get(year=2024)
    assert not snapshots.is_outdated(row, dt.date(2024, 3, 1))
    assert snapshots.is_outdated(row, dt.date(2024, 4, 1))  # March is now a gap, not open
    snapshots.snapshot_refresh(committee_id=committee.pk, year=2023, today=dt.date(2024, 3, 31))
    assert not snapshots.is_outdated(ComplianceSnapshot.objects.get(year=2023), dt.date(2025, 1, 1))


def test_the_nightly_task_refreshes_this_year_of_every_committee(committee, example, other_committee):
    factories.PartyOrganizationFactory(committee=other_committee)
    today = timezone.localdate()
    assert tasks.refresh_compliance_snapshots(today.isoformat()) == 2
    assert set(ComplianceSnapshot.objects.values_list("committee_id", "year")) == {
        (committee.pk, today.year),
        (other_committee.pk, today.year),
    }


def test_the_nightly_task_is_in_the_beat_schedule():
    from starfire.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "meetings.tasks.refresh_compliance_snapshots" in tasks_scheduled


# --- the heat map: ranking, filters, pages ------------------------------------------------------------


def test_the_heat_map_ranks_worst_first_and_filters_by_region_kind_and_name(committee, example, staff_client):
    url = reverse("meetings:compliance-overview")
    names = lambda response: [b.name for b in response.context["page"]]  # noqa: E731
    ranked = names(staff_client.get(url, {"year": 2023}))
    assert ranked[-1] == "乙联合党支部"  # no gaps: last
    assert names(staff_client.get(url, {"year": 2023, "region": "510104"})) == ["乙联合党支部"]
    assert names(staff_client.get(url, {"year": 2023, "kind": PartyOrgKind.BRANCH})) == ranked[:2]
    assert names(staff_client.get(url, {"year": 2023, "q": "丙"})) == ["丙党支部"]
    # Unknown filter values are ignored, not an error.
    assert len(names(staff_client.get(url, {"year": 2023, "region": "x", "kind": "y", "page": "z"}))) == 3


def test_the_heat_map_is_paged_and_keeps_its_filters(
    committee, staff_client, django_capture_on_commit_callbacks
):
    for i in range(snapshots_page_size() + 5):
        factories.PartyOrganizationFactory(committee=committee, name=f"分页党支部{i:03d}")
    url = reverse("meetings:compliance-overview")
    first = staff_client.get(url, {"year": 2023, "kind": PartyOrgKind.BRANCH, "sort": "name"})
    assert len(first.context["page"].object_list) == snapshots_page_size()
    html = first.content.decode()
    assert "kind=branch" in html and "sort=name" in html and "page=2" in html
    second = staff_client.get(url, {"year": 2023, "kind": PartyOrgKind.BRANCH, "sort": "name", "page": 2})
    assert [b.name for b in second.context["page"]] == [f"分页党支部{i:03d}" for i in range(50, 55)]


def snapshots_page_size():
    from meetings.views import OVERVIEW_PAGE_SIZE

    return OVERVIEW_PAGE_SIZE
