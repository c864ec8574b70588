"""集中评审会: the panel (date, chair, members, minutes) is recorded, a review is completed in one of
the cycle's sessions, each decision lists who took part, and the session prints as the record."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEntry
from ratings.models import ReviewSession, Status, Submission
from ratings.workflow import panel
from ratings.workflow.review_sessions import review_session_save
from tests import factories

pytestmark = pytest.mark.django_db

MEMBERS = "张组长（综合党委）\n李委员（民政局）\n王委员（党建指导员）"


@pytest.fixture
def inspected(rating_submission, rating_flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return rating_flow.drive(rating_submission, Status.INSPECTED)


def _data(**overrides):
    return {
        "held_on": timezone.localdate().isoformat(),
        "place": "党群服务中心",
        "chair": "张组长",
        "members": MEMBERS,
        "minutes": "评审组逐一审议。",
        **overrides,
    }


def test_staff_record_a_session_and_complete_a_review_in_it(login, staff_user, inspected):
    staff = login(staff_user)
    cycle = inspected.cycle
    response = staff.post(reverse("ratings:review-sessions", args=[cycle.pk]), _data())
    session = ReviewSession.objects.get()
    assert response["Location"] == reverse("ratings:review-session", args=[session.pk])
    assert session.member_list == MEMBERS.splitlines()
    assert AuditEntry.objects.filter(action="reviewsession.create").exists()

    page = staff.get(reverse("ratings:review", args=[inspected.pk])).content.decode()
    assert 'name="session"' in page and "张组长" in page
    staff.post(reverse("ratings:review-complete", args=[inspected.pk]), {"session": session.pk})
    sub = Submission.objects.get(pk=inspected.pk)
    assert sub.status == Status.REVIEWED and sub.review_session == session
    page = staff.get(reverse("ratings:review", args=[inspected.pk])).content.decode()
    assert 'id="decided-in"' in page and "李委员（民政局）" in page

    record = staff.get(reverse("ratings:review-session", args=[session.pk])).content.decode()
    assert str(sub.party_organization) in record and "评审组逐一审议" in record and "评审组成员签字" in record


def test_a_review_cannot_be_completed_without_a_session_of_its_cycle(
    login, staff_user, inspected, committee, rating_rubric
):
    staff = login(staff_user)
    url = reverse("ratings:review-complete", args=[inspected.pk])
    staff.post(url, {})
    assert Submission.objects.get(pk=inspected.pk).status == Status.INSPECTED
    page = staff.get(reverse("ratings:review", args=[inspected.pk])).content.decode()
    assert 'id="no-session"' in page

    other_cycle = factories.CycleFactory(committee=committee, rubric=rating_rubric, year=2023)
    foreign = ReviewSession.objects.create(
        cycle=other_cycle,
        held_on=timezone.localdate(),
        chair="甲",
        members="甲\n乙\n丙",
        created_by=staff_user,
    )
    staff.post(url, {"session": foreign.pk})
    assert Submission.objects.get(pk=inspected.pk).status == Status.INSPECTED
    with pytest.raises(ValidationError):
        panel.submission_review(submission=inspected, by=staff_user, session=foreign)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"members": "张组长\n李委员"}, "members"),
        ({"chair": "赵某"}, "chair"),
        ({"chair": ""}, "chair"),
        ({"held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, "held_on"),
        ({"held_on": "0001-01-01"}, "held_on"),
        ({"minutes": "纪" * 20001}, "minutes"),
    ],
)
def test_bad_sessions_are_refused_with_the_field_named(login, staff_user, inspected, overrides, field):
    response = login(staff_user).post(
        reverse("ratings:review-sessions", args=[inspected.cycle_id]), _data(**overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert not ReviewSession.objects.exists()


def test_other_committees_and_other_roles_cannot_see_or_record_sessions(
    login, staff_user, other_staff_user, secretary_user, inspected
):
    session = review_session_save(
        cycle=inspected.cycle, by=staff_user, held_on=timezone.localdate(), chair="张组长", members=MEMBERS
    )
    for user, expected in ((other_staff_user, 404), (secretary_user, 403)):
        client = login(user)
        assert client.get(reverse("ratings:review-session", args=[session.pk])).status_code == expected
        assert (
            client.post(reverse("ratings:review-sessions", args=[inspected.cycle_id]), _data()).status_code
            == expected
        )
    assert ReviewSession.objects.count() == 1
    with pytest.raises(PermissionDenied):
        review_session_save(
            cycle=inspected.cycle,
            by=other_staff_user,
            held_on=timezone.localdate(),
            chair="甲",
            members="甲\n乙\n丙",
        )


def test_reopening_a_reviewed_submission_forgets_its_session(login, staff_user, inspected):
    session = review_session_save(
        cycle=inspected.cycle, by=staff_user, held_on=timezone.localdate(), chair="张组长", members=MEMBERS
    )
    panel.submission_review(submission=inspected, by=staff_user, session=session)
    sub = panel.submission_reopen(
        submission=Submission.objects.get(pk=inspected.pk), by=staff_user, reason="复核"
    )
    assert Submission.objects.get(pk=sub.pk).review_session is None
