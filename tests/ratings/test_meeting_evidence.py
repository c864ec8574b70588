"""Meeting records as rating evidence: indicators linked to meeting types show the branch's
compliance to the secretary, the inspectors and the panel; held meetings can be attached."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ratings.models import Evidence, Indicator
from ratings.workflow import self_assessment
from ratings.workflow.meeting_evidence import linked_compliance
from tests import factories


@pytest.fixture
def linked(rating_submission, committee):
    """Indicator 1.1 linked to 支委会 (monthly); the branch held one in March 2024."""
    indicator = Indicator.objects.get(category__rubric=rating_submission.cycle.rubric, code="1.1")
    indicator.meeting_types.set([factories.meeting_type(committee, "committee_meeting")])
    meeting = factories.MeetingFactory(
        party_organization=rating_submission.party_organization,
        type_code="committee_meeting",
        starts_at=factories.beijing(2024, 3, 5, 9),
    )
    return indicator, meeting


def test_compliance_is_computed_for_the_cycles_year_and_linked_types_only(rating_submission, linked):
    indicator, _meeting = linked
    result = linked_compliance(rating_submission)
    assert list(result) == [indicator.pk]
    [row] = result[indicator.pk].types
    assert row.rule.code == "committee_meeting"
    assert row.held == 1


def test_the_secretary_sees_the_figures_and_attaches_a_held_meeting(
    login, secretary_user, rating_submission, linked
):
    indicator, meeting = linked
    c = login(secretary_user)
    page = c.get(reverse("ratings:self-assessment", args=[rating_submission.pk])).content.decode()
    assert "2024 年会议落实情况" in page and "支委会" in page
    r = c.post(
        reverse("ratings:evidence-attach-meeting", args=[rating_submission.pk, indicator.pk]),
        {"meeting": meeting.pk},
    )
    assert r.status_code == 302
    ev = Evidence.objects.get(submission=rating_submission, indicator=indicator)
    assert ev.meeting == meeting and not ev.file
    # The evidence link leads to the meeting record, which the secretary may open.
    r = c.get(reverse("ratings:evidence-file", args=[ev.pk]))
    assert r["Location"] == reverse("meetings:meeting-detail", args=[meeting.pk])
    # Evidence for a required indicator: the completeness check no longer lists it.
    assert not any(
        m.startswith("1.1") and "佐证" in m for m in self_assessment.submission_missing(rating_submission)
    )


def test_another_branchs_meeting_or_an_unlinked_indicator_is_refused(
    secretary_user, rating_submission, linked, committee
):
    indicator, meeting = linked
    other = factories.MeetingFactory(
        party_organization=factories.PartyOrganizationFactory(committee=committee),
        type_code="committee_meeting",
        starts_at=factories.beijing(2024, 4, 5, 9),
    )
    with pytest.raises(ValidationError, match="找不到本党组织"):
        self_assessment.evidence_attach_meeting(
            submission=rating_submission, indicator_id=indicator.pk, meeting_id=other.pk, by=secretary_user
        )
    unlinked = Indicator.objects.get(category__rubric=rating_submission.cycle.rubric, code="1.2")
    with pytest.raises(ValidationError, match="没有关联会议类型"):
        self_assessment.evidence_attach_meeting(
            submission=rating_submission, indicator_id=unlinked.pk, meeting_id=meeting.pk, by=secretary_user
        )
    last_year = factories.MeetingFactory(
        party_organization=rating_submission.party_organization,
        type_code="committee_meeting",
        starts_at=factories.beijing(2023, 3, 5, 9),
    )
    with pytest.raises(ValidationError, match="2024年已召开"):
        self_assessment.evidence_attach_meeting(
            submission=rating_submission,
            indicator_id=indicator.pk,
            meeting_id=last_year.pk,
            by=secretary_user,
        )
    assert not Evidence.objects.exists()


def test_assigned_inspectors_see_the_branchs_meetings_and_others_do_not(
    rating_submission, linked, committee, staff_user
):
    from meetings.selectors import meetings_visible_to
    from ratings.models import InspectionAssignment

    _indicator, meeting = linked
    assigned = factories.InspectorUserFactory(committee=committee)
    other = factories.InspectorUserFactory(committee=committee)
    InspectionAssignment.objects.create(
        submission=rating_submission, inspector=assigned, assigned_by=staff_user
    )
    assert list(meetings_visible_to(assigned)) == [meeting]
    assert not meetings_visible_to(other).exists()


def test_several_meetings_attach_at_once_or_none(login, committee, secretary_user, rating_submission, linked):
    indicator, meeting = linked
    second = factories.MeetingFactory(
        party_organization=rating_submission.party_organization,
        type_code="committee_meeting",
        starts_at=meeting.starts_at + dt.timedelta(days=35),
    )
    url = reverse("ratings:evidence-attach-meeting", args=[rating_submission.pk, indicator.pk])
    client = login(secretary_user)
    foreign = factories.MeetingFactory(type_code="committee_meeting", starts_at=meeting.starts_at)
    client.post(url, {"meeting": [meeting.pk, foreign.pk]})
    assert not Evidence.objects.filter(submission=rating_submission).exists()  # one refused: none attached

    r = client.post(url, {"meeting": [meeting.pk, second.pk]})
    assert r.status_code == 302
    assert set(
        Evidence.objects.filter(submission=rating_submission).values_list("meeting_id", flat=True)
    ) == {
        meeting.pk,
        second.pk,
    }
    page = client.get(reverse("ratings:self-assessment", args=[rating_submission.pk])).content.decode()
    assert "0 字节" not in page and "0 bytes" not in page

    assert "请至少选择一条会议记录" in client.post(url, {}).content.decode()
