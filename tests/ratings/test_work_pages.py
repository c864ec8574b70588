"""Every role's home is a work page: what waits for this person, with counts and deadlines, each item a
link to where it is done, and nothing of another branch or committee."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ratings.models import Rectification, Status, Submission
from ratings.outcomes.rectification import rectification_create
from ratings.workflow import cycle_setup, precheck
from starfire import worklists
from tests import factories

from .conftest import finalize_results, make_results_cycle

pytestmark = pytest.mark.django_db


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def test_the_secretary_sees_the_open_self_assessment_with_progress_and_deadline(
    login, rating_flow, rating_submission, secretary_user
):
    ind = rating_flow.indicators(rating_submission)
    from ratings.workflow import self_assessment

    self_assessment.self_score_save(
        submission=rating_submission, indicator_id=ind[0].pk, score=10, comment="", by=secretary_user
    )
    page = _home(login(secretary_user))
    tasks = page.context["tasks"]
    assessment = next(
        t for t in tasks if t.url == reverse("ratings:self-assessment", args=[rating_submission.pk])
    )
    assert "1/3" in assessment.note and "2 项须补佐证材料" in assessment.note
    assert assessment.due == rating_submission.deadline and not assessment.overdue
    html = page.content.decode()
    assert assessment.url in html and "填写自评" in html


def test_a_returned_self_assessment_shows_the_reasons(login, rating_flow, rating_submission, secretary_user):
    rating_flow.drive(rating_submission, Status.RETURNED)
    tasks = _home(login(secretary_user)).context["tasks"]
    returned = next(t for t in tasks if "退回修改" in t.label)
    assert returned.details == ["材料不全"]


def test_the_secretary_sees_rectification_items_and_the_star_with_points_to_the_next(
    login, committee, staff_user, party_organization, secretary_user
):
    results = make_results_cycle(committee, staff_user)
    four = results.four  # total 90: 4 stars, the 5-star band starts at 95
    user = factories.SecretaryUserFactory(party_organization=four.party_organization, username="sec-four")
    item = rectification_create(
        submission=four,
        by=staff_user,
        problem="会议记录不全",
        requirement="补齐记录",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    finalize_results(results, staff_user)
    page = _home(login(user))
    rect = next(
        t for t in page.context["tasks"] if t.url == reverse("ratings:rectification-detail", args=[item.pk])
    )
    assert "会议记录不全" in rect.label and rect.due == item.due_on and not rect.overdue
    result = page.context["result"]
    assert result.level == 4 and result.points_to_next == 5 and result.award is not None
    assert result.award.certificate_no in page.content.decode()

    Rectification.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert next(t for t in _home(login(user)).context["tasks"] if t.label == rect.label).overdue

    # another branch's secretary sees none of it
    other = _home(login(secretary_user))
    assert all(t.url != rect.url for t in other.context["tasks"])
    assert other.context["result"] is None


def test_staff_see_the_queue_by_stage_with_overdue_counts(
    login, committee, other_committee, staff_user, other_staff_user, rating_flow, rating_cycle
):
    subs = []
    for _ in range(4):
        po = factories.PartyOrganizationFactory(committee=committee)
        subs.append(Submission.objects.create(cycle=rating_cycle, party_organization=po))
    rating_flow.drive(subs[0], Status.SUBMITTED)
    rating_flow.drive(subs[1], Status.SUBMITTED)
    rating_flow.drive(subs[2], Status.INSPECTED)
    Submission.objects.filter(pk=subs[3].pk).update(
        deadline_extended_to=timezone.now() - dt.timedelta(hours=1)
    )

    tasks = {
        t.label.split("：", 1)[1]: t for t in _home(login(staff_user)).context["tasks"] if "：" in t.label
    }
    assert tasks["待初核"].count == 2
    assert tasks["待初核"].url == reverse("ratings:queue", args=[rating_cycle.pk]) + "?status=submitted"
    assert tasks["待集中评审"].count == 1
    assert tasks["逾期未提交自评"].count == 1 and tasks["逾期未提交自评"].overdue

    # the other committee's staff see nothing of this cycle
    theirs = _home(login(other_staff_user)).context["tasks"]
    assert all(str(rating_cycle) not in t.label for t in theirs)


def test_staff_see_objections_and_finalisation_due(login, committee, staff_user):
    from ratings.outcomes.objections import objection_file
    from ratings.outcomes.publication import cycle_publish

    results = make_results_cycle(committee, staff_user)
    cycle = cycle_publish(cycle=results.cycle, by=staff_user)
    objection_file(submission=results.four, reason="不属实", name="", contact="", ip="192.0.2.1", files=[])
    tasks = worklists.staff_tasks(committee.pk)
    objections = next(t for t in tasks if "异议待处理" in t.label)
    assert objections.count == 1 and objections.url == reverse("ratings:objection-list", args=[cycle.pk])
    assert not any("可以确定结果" in t.label for t in tasks)
    later = worklists.staff_tasks(committee.pk, today=cycle.notice_ends_on + dt.timedelta(days=1))
    assert any("可以确定结果" in t.label for t in later)


def test_the_staff_work_page_takes_the_same_queries_for_more_rows(
    login, committee, staff_user, rating_cycle, django_assert_max_num_queries
):
    client = login(staff_user)
    client.get(reverse("home"))  # warm the session and committee lookups
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(30):
        po = factories.PartyOrganizationFactory(committee=committee)
        Submission.objects.create(cycle=rating_cycle, party_organization=po)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def test_the_inspector_sees_visits_with_address_contact_and_progress(login, rating_flow, rating_submission):
    rating_flow.fill(rating_submission)
    from ratings.workflow import self_assessment

    self_assessment.submission_submit(
        submission=rating_submission, by=rating_flow.secretary(rating_submission)
    )
    precheck.submission_accept(submission=rating_submission, by=rating_flow.staff)
    first, second = rating_flow.assign(rating_submission)
    org = rating_submission.party_organization.organizations.first()
    org.address = "成都市武侯区某路1号"
    org.save()
    from branches.models import Member

    secretary = Member.objects.filter(
        party_organization=rating_submission.party_organization, role="secretary"
    )
    if not secretary.exists():
        factories.MemberFactory(party_organization=rating_submission.party_organization, role="secretary")
    secretary_name = secretary.get().name
    rating_flow.score(first)
    visits = _home(login(first.inspector)).context["visits"]
    assert len(visits) == 1
    visit = visits[0]
    assert visit.scored == visit.total == 3 and visit.secretary == secretary_name
    html = _home(login(first.inspector)).content.decode()
    assert "成都市武侯区某路1号" in html and "待签字确认" in html
    assert reverse("ratings:inspection", args=[first.pk]) in html
    # the other inspector has not scored yet
    assert _home(login(second.inspector)).context["visits"][0].scored == 0


def test_the_superuser_sees_the_committees_side_by_side(
    login, committee, other_committee, party_organization
):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    rows = _home(login(root)).context["committees"]
    names = [r.committee.name for r in rows]
    assert committee.name in names and other_committee.name in names
    ours = next(r for r in rows if r.committee == committee)
    assert ours.party_organizations == 1


def test_a_cycle_open_without_submissions_asks_nothing(login, committee, staff_user, rating_rubric):
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=rating_rubric, year=2025), by=staff_user
    )
    assert all(str(cycle) not in t.label for t in worklists.staff_tasks(committee.pk))


def test_the_self_assessment_shows_a_running_total_and_the_estimated_star(
    login, rating_flow, rating_submission, secretary_user
):
    client = login(secretary_user)
    url = reverse("ratings:self-assessment", args=[rating_submission.pk])
    assert "自评合计 0 / 100 分，按分档估算为无星" in client.get(url).content.decode()
    by_code = {i.code: i for i in rating_flow.indicators(rating_submission)}
    save = reverse("ratings:self-score-save", args=[rating_submission.pk, by_code["1.1"].pk])
    client.post(save, {"score": "40", "comment": ""})
    save = reverse("ratings:self-score-save", args=[rating_submission.pk, by_code["1.2"].pk])
    body = client.post(save, {"score": "30", "comment": ""}, HTTP_ACCEPT="application/json").json()
    assert body["estimate_text"].startswith("自评合计 70 / 100 分，按分档估算为二星")
    save = reverse("ratings:self-score-save", args=[rating_submission.pk, by_code["2.1"].pk])
    client.post(save, {"score": "15.5", "comment": ""})
    assert "自评合计 85.5 / 100 分，按分档估算为四星" in client.get(url).content.decode()
