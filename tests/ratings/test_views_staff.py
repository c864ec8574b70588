"""Committee staff: cycles (create, exclusions, open), the queue, the preliminary check (return,
accept, extend) and inspector assignment with conflicts of interest (回避)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ratings.models import (
    Cycle,
    CycleExclusion,
    InspectionAssignment,
    InspectorConflict,
    RatingSettings,
    ReturnReason,
    Status,
    Submission,
)
from ratings.rubric.data import create_default_rubric
from ratings.workflow import cycle_setup, precheck
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "login"


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected, response.content.decode()[:500]


@pytest.fixture
def users(staff_user, other_staff_user, secretary_user, inspector_user):
    return {
        "anonymous": None,
        "staff": staff_user,
        "other_staff": other_staff_user,
        "secretary": secretary_user,
        "inspector": inspector_user,
    }


@pytest.fixture
def submitted(rating_submission, rating_flow):
    return rating_flow.drive(rating_submission, Status.SUBMITTED)


@pytest.fixture
def accepted(submitted, staff_user):
    """Accepted for inspection, no inspector assigned yet."""
    precheck.submission_accept(submission=submitted, by=staff_user)
    return Submission.objects.get(pk=submitted.pk)


def ind(submission, code):
    return submission.cycle.rubric.indicators().get(code=code)


# --- Access -----------------------------------------------------------------------------------


PAGES = [
    "ratings:cycle-list",
    "ratings:cycle-create",
    "ratings:cycle-detail",
    "ratings:queue",
    "ratings:submission-detail",
]
EXPECTED = {
    # lists and the create form are the staff member's own committee: another committee sees its own (200)
    "ratings:cycle-list": {
        "anonymous": LOGIN,
        "staff": 200,
        "other_staff": 200,
        "secretary": 403,
        "inspector": 403,
    },
    "ratings:cycle-create": {
        "anonymous": LOGIN,
        "staff": 200,
        "other_staff": 200,
        "secretary": 403,
        "inspector": 403,
    },
    "ratings:cycle-detail": {
        "anonymous": LOGIN,
        "staff": 200,
        "other_staff": 404,
        "secretary": 403,
        "inspector": 403,
    },
    "ratings:queue": {
        "anonymous": LOGIN,
        "staff": 200,
        "other_staff": 404,
        "secretary": 403,
        "inspector": 403,
    },
    "ratings:submission-detail": {
        "anonymous": LOGIN,
        "staff": 200,
        "other_staff": 404,
        "secretary": 403,
        "inspector": 403,
    },
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("actor", ["anonymous", "staff", "other_staff", "secretary", "inspector"])
def test_page_access(login, users, rating_submission, name, actor):
    args = {
        "ratings:cycle-detail": [rating_submission.cycle_id],
        "ratings:queue": [rating_submission.cycle_id],
        "ratings:submission-detail": [rating_submission.pk],
    }.get(name, [])
    _check(login(users[actor]).get(reverse(name, args=args)), EXPECTED[name][actor])


WRITES = [
    "ratings:cycle-open",
    "ratings:cycle-exclude",
    "ratings:submission-return",
    "ratings:submission-accept",
    "ratings:submission-extend",
    "ratings:assign-inspector",
]


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize(
    "actor, expected", [("anonymous", LOGIN), ("other_staff", 404), ("secretary", 403), ("inspector", 403)]
)
def test_writes_are_refused_to_outsiders_and_wrong_roles(login, users, submitted, name, actor, expected):
    pk = submitted.cycle_id if name.startswith("ratings:cycle") else submitted.pk
    _check(login(users[actor]).post(reverse(name, args=[pk]), {"general": "不行"}), expected)
    fresh = Submission.objects.get(pk=submitted.pk)
    assert fresh.status == Status.SUBMITTED
    assert not ReturnReason.objects.exists()


def test_accepting_without_confirmation_asks_first_and_changes_nothing(staff_client, submitted):
    html = staff_client.post(reverse("ratings:submission-accept", args=[submitted.pk])).content.decode()
    assert "确认初核通过" in html and 'name="confirm"' in html
    assert Submission.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_get_on_accept_shows_the_confirmation_and_changes_nothing(staff_client, submitted):
    response = staff_client.get(reverse("ratings:submission-accept", args=[submitted.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "确认初核通过" in html and 'name="confirm"' in html and 'method="post"' in html
    assert Submission.objects.get(pk=submitted.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("actor, expected", [("other_staff", 404), ("secretary", 403), ("inspector", 403)])
def test_get_on_accept_is_refused_to_outsiders(login, users, submitted, actor, expected):
    _check(login(users[actor]).get(reverse("ratings:submission-accept", args=[submitted.pk])), expected)


def test_the_nav_shows_the_rating_item_to_staff(staff_client):
    html = staff_client.get(reverse("ratings:cycle-list")).content.decode()
    assert f'href="{reverse("ratings:cycle-list")}"' in html
    assert "评星" in html


# --- Cycles -----------------------------------------------------------------------------------


def _cycle_data(rubric, **overrides):
    now = timezone.now()
    data = {
        "year": "2025",
        "title": "",
        "rubric": rubric.pk,
        "self_assessment_deadline": _local(now + dt.timedelta(days=30)),
        "inspection_deadline": _local(now + dt.timedelta(days=60)),
        "review_deadline": _local(now + dt.timedelta(days=90)),
        "notice_days": "7",
    }
    data.update(overrides)
    return data


def test_staff_create_a_cycle_on_their_committees_rubric(staff_client, committee):
    rubric = create_default_rubric(committee)
    response = staff_client.post(reverse("ratings:cycle-create"), _cycle_data(rubric))
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ratings:cycle-detail", args=[cycle.pk])
    assert (cycle.committee, cycle.rubric, cycle.year, cycle.status) == (
        committee,
        rubric,
        2025,
        Cycle.Status.DRAFT,
    )


def test_another_committees_rubric_cannot_be_chosen(staff_client, other_committee):
    foreign = create_default_rubric(other_committee)
    response = staff_client.post(reverse("ratings:cycle-create"), _cycle_data(foreign))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_second_cycle_for_the_same_year_is_refused(staff_client, committee):
    rubric = create_default_rubric(committee)
    staff_client.post(reverse("ratings:cycle-create"), _cycle_data(rubric))
    response = staff_client.post(reverse("ratings:cycle-create"), _cycle_data(rubric, title="重复"))
    assert response.status_code == 200
    assert "已经存在" in response.content.decode() or "已存在" in response.content.decode()
    assert Cycle.objects.count() == 1


def test_deadlines_out_of_order_are_refused(staff_client, committee):
    rubric = create_default_rubric(committee)
    now = timezone.now()
    response = staff_client.post(
        reverse("ratings:cycle-create"),
        _cycle_data(rubric, review_deadline=_local(now + dt.timedelta(days=1))),
    )
    assert "截止时间应依次为" in response.content.decode()
    assert not Cycle.objects.exists()


def test_cycle_list_shows_only_the_own_committee(staff_client, committee, other_committee):
    mine = factories.CycleFactory(committee=committee, title="本党委周期")
    factories.CycleFactory(committee=other_committee, title="别的党委周期")
    html = staff_client.get(reverse("ratings:cycle-list")).content.decode()
    assert "本党委周期" in html and "别的党委周期" not in html
    assert reverse("ratings:cycle-detail", args=[mine.pk]) in html


@pytest.fixture
def draft_cycle(committee, party_organization):
    return factories.CycleFactory(committee=committee, year=2025)


def test_exclude_a_party_organisation_before_opening_then_open(
    staff_client, draft_cycle, party_organization, committee
):
    other = factories.PartyOrganizationFactory(committee=committee, name="第二党支部")
    html = staff_client.get(reverse("ratings:cycle-detail", args=[draft_cycle.pk])).content.decode()
    assert party_organization.name in html and "第二党支部" in html

    response = staff_client.post(
        reverse("ratings:cycle-exclude", args=[draft_cycle.pk]),
        {"party_organization": other.pk, "reason": "新成立不足一年"},
    )
    assert response.status_code == 302
    assert CycleExclusion.objects.get().reason == "新成立不足一年"

    response = staff_client.post(reverse("ratings:cycle-open", args=[draft_cycle.pk]), follow=True)
    html = response.content.decode()
    draft_cycle.refresh_from_db()
    assert draft_cycle.status == Cycle.Status.OPEN
    assert list(draft_cycle.submissions.values_list("party_organization", flat=True)) == [
        party_organization.pk
    ]
    assert "已为 1 个党组织生成申报" in html
    assert "新成立不足一年" in html


def test_an_exclusion_needs_a_reason(staff_client, draft_cycle, party_organization):
    response = staff_client.post(
        reverse("ratings:cycle-exclude", args=[draft_cycle.pk]),
        {"party_organization": party_organization.pk, "reason": "  "},
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "必须说明原因" in response.content.decode()
    assert not CycleExclusion.objects.exists()


def test_an_exclusion_can_be_taken_back_before_opening(
    staff_client, draft_cycle, party_organization, staff_user
):
    ex = cycle_setup.cycle_exclusion_set(
        cycle=draft_cycle, party_organization=party_organization, reason="暂缓", by=staff_user
    )
    response = staff_client.post(reverse("ratings:cycle-exclusion-remove", args=[draft_cycle.pk, ex.pk]))
    assert response.status_code == 302
    assert not CycleExclusion.objects.exists()


def test_opening_twice_says_why(staff_client, rating_cycle):
    count = rating_cycle.submissions.count()
    response = staff_client.post(reverse("ratings:cycle-open", args=[rating_cycle.pk]), follow=True)
    assert "不能重复启动" in response.content.decode()
    assert rating_cycle.submissions.count() == count


def test_exclusions_cannot_change_after_opening(staff_client, rating_cycle, committee):
    other = factories.PartyOrganizationFactory(committee=committee)
    response = staff_client.post(
        reverse("ratings:cycle-exclude", args=[rating_cycle.pk]),
        {"party_organization": other.pk, "reason": "晚了"},
        follow=True,
    )
    assert "评星周期已启动" in response.content.decode()
    assert not CycleExclusion.objects.exists()


def test_a_rubric_with_problems_cannot_open(staff_client, committee, party_organization):
    empty = factories.RubricFactory(committee=committee)
    cycle = factories.CycleFactory(committee=committee, rubric=empty)
    html = staff_client.get(reverse("ratings:cycle-detail", args=[cycle.pk])).content.decode()
    assert "测评标准还有问题" in html
    response = staff_client.post(reverse("ratings:cycle-open", args=[cycle.pk]), follow=True)
    assert "没有任何二级指标" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT


def test_cycle_detail_counts_submissions_by_state(staff_client, submitted, committee, staff_user):
    html = staff_client.get(reverse("ratings:cycle-detail", args=[submitted.cycle_id])).content.decode()
    assert "各状态申报数" in html
    assert '?status=submitted"><span class="num">1</span>' in html
    assert '?status=draft"><span class="num">0</span>' in html


# --- Queue --------------------------------------------------------------------------------------


@pytest.fixture
def open_cycle_of(committee, staff_user):
    def make(n, year=2026):
        for i in range(n):
            factories.PartyOrganizationFactory(committee=committee, name=f"队列党支部{year}-{i:03d}")
        cycle = factories.CycleFactory(committee=committee, year=year)
        return cycle_setup.cycle_open(cycle=cycle, by=staff_user)

    return make


def test_queue_filters_by_state_and_name_and_marks_overdue(staff_client, open_cycle_of, staff_user):
    cycle = open_cycle_of(3)
    subs = list(cycle.submissions.order_by("party_organization__name"))
    Submission.objects.filter(pk=subs[0].pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())
    url = reverse("ratings:queue", args=[cycle.pk])

    html = staff_client.get(url, {"status": "submitted"}).content.decode()
    assert "队列党支部2026-000" in html and "队列党支部2026-001" not in html

    html = staff_client.get(url, {"q": "2026-002"}).content.decode()
    assert "队列党支部2026-002" in html and "队列党支部2026-001" not in html

    html = staff_client.get(url).content.decode()
    assert "逾期未提交" not in html.split("<tbody>")[1]

    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - dt.timedelta(hours=1))
    html = staff_client.get(url).content.decode()
    assert html.split("<tbody>")[1].count("逾期未提交") == 2  # the two drafts, not the submitted one
    html = staff_client.get(url, {"overdue": "1"}).content.decode()
    assert "队列党支部2026-000" not in html and "队列党支部2026-001" in html


def test_an_extended_branch_is_not_overdue(staff_client, open_cycle_of, staff_user):
    cycle = open_cycle_of(2)
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - dt.timedelta(hours=1))
    first = cycle.submissions.order_by("party_organization__name").first()
    Submission.objects.filter(pk=first.pk).update(deadline_extended_to=timezone.now() + dt.timedelta(days=2))
    html = staff_client.get(reverse("ratings:queue", args=[cycle.pk]), {"overdue": "1"}).content.decode()
    assert "队列党支部2026-000" not in html and "队列党支部2026-001" in html


def test_queue_is_paginated(staff_client, open_cycle_of):
    cycle = open_cycle_of(55)
    url = reverse("ratings:queue", args=[cycle.pk])
    assert "第 1 / 2 页" in staff_client.get(url).content.decode()
    assert "队列党支部2026-054" in staff_client.get(url, {"page": 2}).content.decode()


def _queue_queries(client, cycle):
    url = reverse("ratings:queue", args=[cycle.pk])
    client.get(url)  # warm the session and settings rows
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_rows(
    staff_client, open_cycle_of, staff_user, rating_inspectors
):
    small, large = open_cycle_of(3, year=2026), open_cycle_of(30, year=2027)
    for cycle in (small, large):
        for sub in cycle.submissions.all()[:2]:
            Submission.objects.filter(pk=sub.pk).update(status=Status.ACCEPTED)
            InspectionAssignment.objects.create(
                submission=sub, inspector=rating_inspectors[0], assigned_by=staff_user
            )
    assert _queue_queries(staff_client, small) == _queue_queries(staff_client, large)


# --- One submission: 初核 -----------------------------------------------------------------------


def test_staff_see_self_scores_comments_and_evidence(staff_client, submitted):
    html = staff_client.get(reverse("ratings:submission-detail", args=[submitted.pk])).content.decode()
    assert "自评说明" in html
    assert "40.0</strong> / 40.0" in html
    ev = submitted.evidence.first()
    assert reverse("ratings:evidence-file", args=[ev.pk]) in html
    assert "初核通过" in html and "退回并通知书记" in html
    assert "3 / 3 项已完成" in html


def test_return_with_reasons_per_indicator_and_general(staff_client, submitted):
    indicator = ind(submitted, "1.1")
    response = staff_client.post(
        reverse("ratings:submission-return", args=[submitted.pk]),
        {
            "general": "请补齐材料",
            f"reason_{indicator.pk}": "缺少学习记录",
            f"reason_{ind(submitted, '1.2').pk}": "  ",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    reasons = {(r.indicator_id, r.reason) for r in ReturnReason.objects.all()}
    assert reasons == {(None, "请补齐材料"), (indicator.pk, "缺少学习记录")}
    html = staff_client.get(reverse("ratings:submission-detail", args=[submitted.pk])).content.decode()
    assert "第 1 次退回" in html and "缺少学习记录" in html
    assert "退回修改" in html  # timeline


def test_return_without_any_reason_is_refused(staff_client, submitted):
    response = staff_client.post(reverse("ratings:submission-return", args=[submitted.pk]), {"general": " "})
    assert response.status_code == 200
    assert "至少要写明一条原因" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not ReturnReason.objects.exists()


def test_returning_a_draft_says_why(staff_client, rating_submission):
    indicator = ind(rating_submission, "1.1")
    response = staff_client.post(
        reverse("ratings:submission-return", args=[rating_submission.pk]),
        {f"reason_{indicator.pk}": "写好的原因"},
    )
    html = response.content.decode()
    assert "不能退回" in html
    assert not ReturnReason.objects.exists()


def test_accept_moves_to_inspection_and_twice_says_why(staff_client, submitted):
    url = reverse("ratings:submission-accept", args=[submitted.pk])
    assert staff_client.post(url, {"confirm": "1"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED
    html = staff_client.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert "不能初核通过" in html


def test_extend_needs_a_future_date_and_a_reason(staff_client, rating_submission):
    url = reverse("ratings:submission-extend", args=[rating_submission.pk])
    past = _local(timezone.now() - dt.timedelta(days=1))
    response = staff_client.post(url, {"until": past, "reason": "理由"})
    assert "必须晚于现在" in response.content.decode()
    response = staff_client.post(url, {"until": _local(timezone.now() + dt.timedelta(days=2)), "reason": ""})
    assert response.status_code == 200
    rating_submission.refresh_from_db()
    assert rating_submission.deadline_extended_to is None


def test_extend_is_only_for_branches_that_have_not_submitted(staff_client, submitted):
    response = staff_client.post(
        reverse("ratings:submission-extend", args=[submitted.pk]),
        {"until": _local(timezone.now() + dt.timedelta(days=2)), "reason": "理由"},
    )
    assert "只有尚未提交的申报可以延期" in response.content.decode()


# --- Inspector assignment ---------------------------------------------------------------------


def test_assign_and_unassign_inspectors(staff_client, accepted, rating_inspectors):
    detail = reverse("ratings:submission-detail", args=[accepted.pk])
    html = staff_client.get(detail).content.decode()
    assert "至少需要 2 名验收人员" in html and "已分配 0 名" in html
    for inspector in rating_inspectors:
        response = staff_client.post(
            reverse("ratings:assign-inspector", args=[accepted.pk]), {"inspector": inspector.pk}
        )
        assert response.status_code == 302
    html = staff_client.get(detail).content.decode()
    assert "已分配 2 名" in html and "未签字" in html
    assignment = InspectionAssignment.objects.filter(submission=accepted).first()
    response = staff_client.post(reverse("ratings:unassign-inspector", args=[assignment.pk]))
    assert response.status_code == 302
    assert InspectionAssignment.objects.filter(submission=accepted).count() == 1


def test_min_inspectors_comes_from_the_committee_setting(staff_client, accepted, committee):
    RatingSettings.objects.update_or_create(committee=committee, defaults={"min_inspectors": 3})
    html = staff_client.get(reverse("ratings:submission-detail", args=[accepted.pk])).content.decode()
    assert "至少需要 3 名验收人员" in html


def test_a_conflict_of_interest_is_refused_with_the_message(staff_client, accepted, committee):
    inspector = factories.InspectorUserFactory(committee=committee, username="linked", display_name="李验收")
    org = accepted.party_organization.organizations.get()
    InspectorConflict.objects.create(
        inspector=inspector, organization=org, kind=InspectorConflict.Kind.RELATIVE
    )
    html = staff_client.get(reverse("ratings:submission-detail", args=[accepted.pk])).content.decode()
    assert "李验收（须回避）" in html

    response = staff_client.post(
        reverse("ratings:assign-inspector", args=[accepted.pk]), {"inspector": inspector.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "须回避" in html and "近亲属在该组织任职" in html
    assert not InspectionAssignment.objects.exists()


def test_a_member_of_the_branch_must_stand_aside(staff_client, accepted, committee):
    inspector = factories.InspectorUserFactory(committee=committee, username="member-inspector")
    factories.MemberFactory(party_organization=accepted.party_organization, user=inspector)
    response = staff_client.post(
        reverse("ratings:assign-inspector", args=[accepted.pk]), {"inspector": inspector.pk}
    )
    assert "的党员，须回避" in response.content.decode()
    assert not InspectionAssignment.objects.exists()


def test_an_inspector_of_another_committee_cannot_be_chosen(staff_client, accepted, other_committee):
    foreign = factories.InspectorUserFactory(committee=other_committee, username="foreign")
    response = staff_client.post(
        reverse("ratings:assign-inspector", args=[accepted.pk]), {"inspector": foreign.pk}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not InspectionAssignment.objects.exists()


def test_inspectors_cannot_be_assigned_before_acceptance(staff_client, submitted, rating_inspectors):
    response = staff_client.post(
        reverse("ratings:assign-inspector", args=[submitted.pk]), {"inspector": rating_inspectors[0].pk}
    )
    assert "只能为“待实地验收”的申报分配验收人员" in response.content.decode()
    assert not InspectionAssignment.objects.exists()


def test_another_committee_cannot_unassign(login, other_staff_user, rating_submission, rating_flow):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    assignment = submission.assignments.first()
    response = login(other_staff_user).post(reverse("ratings:unassign-inspector", args=[assignment.pk]))
    assert response.status_code == 404
    assert InspectionAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_signed_assignment_cannot_be_unassigned(staff_client, rating_submission, rating_flow):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    signed = submission.assignments.filter(signed_off_at__isnull=False).first()
    response = staff_client.post(reverse("ratings:unassign-inspector", args=[signed.pk]), follow=True)
    assert "不能撤销分配" in response.content.decode()
    assert InspectionAssignment.objects.filter(pk=signed.pk).exists()
