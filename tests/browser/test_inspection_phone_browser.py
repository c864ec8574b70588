"""A whole inspection of the 24-indicator rubric on a phone, with the taps counted: one tap per
score (typing is the keyboard's), the sign-off and its confirmation — under 30 taps."""

import pytest
from playwright.sync_api import expect

from ratings.models import InspectionAssignment, InspectionScore, Submission
from ratings.rubric.data import create_default_rubric
from ratings.workflow import cycle_setup, onsite, precheck, self_assessment
from tests import factories
from tests.browser.test_meetings_browser import fits_width

pytestmark = pytest.mark.browser


@pytest.fixture
def assignment(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="p-staff")
    po = factories.PartyOrganizationFactory(committee=committee, name="手机验收党支部", with_members=4)
    secretary = factories.SecretaryUserFactory(party_organization=po, username="p-secretary")
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=create_default_rubric(committee), year=2024),
        by=staff,
    )
    sub = Submission.objects.get(cycle=cycle, party_organization=po)
    for ind in cycle.rubric.indicators():
        self_assessment.self_score_save(
            submission=sub, indicator_id=ind.pk, score=ind.max_score, comment="", by=secretary
        )
        if ind.evidence_required:
            self_assessment.evidence_add(
                submission=sub, indicator_id=ind.pk, upload=factories.png_upload(), by=secretary
            )
    self_assessment.submission_submit(submission=sub, by=secretary)
    precheck.submission_accept(submission=sub, by=staff)
    inspectors = [
        factories.InspectorUserFactory(committee=committee, username=f"p-inspector{i}") for i in (1, 2)
    ]
    for who in inspectors:
        onsite.inspector_assign(submission=sub, inspector=who, by=staff)
    return InspectionAssignment.objects.get(submission=sub, inspector=inspectors[0])


def test_a_whole_inspection_on_a_phone_takes_under_30_taps(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    login_via_form(page, "p-inspector1", factories.PASSWORD)
    page.goto(f"/ratings/inspections/{assignment.pk}/")
    assert fits_width(page)
    first = page.locator(".indicator").first
    assert first.bounding_box()["y"] < page.viewport_size["height"], (
        "the first indicator is on the first screen"
    )
    screenshot(page, "inspection-first-screen")

    taps = 0
    indicators = list(assignment.submission.cycle.rubric.indicators().order_by("category__order", "order"))
    assert len(indicators) == 24
    for ind in indicators:
        field = page.locator(f"#score-{ind.pk}")
        field.tap()
        taps += 1
        field.fill(str(ind.max_score))
        with page.expect_response(lambda r: "/score/" in r.url and r.request.method == "POST"):
            field.dispatch_event("change")  # what leaving the field (the next tap) does
    expect(page.locator("[data-progress]")).to_have_text("24")
    assert page.locator("[data-next-unscored]").is_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#sign-off button[type=submit]").tap()
    taps += 2  # the button and the confirmation
    assert taps < 30
    assignment.refresh_from_db()
    assert assignment.signed_off_at is not None
    assert InspectionScore.objects.filter(assignment=assignment, score__isnull=False).count() == 24
    screenshot(page, "inspection-signed")
