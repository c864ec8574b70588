"""The on-site inspection with the keyboard alone, on the phone page: every score and finding is
reached with Tab and typed (leaving a field saves it), a photo is attached through the file chooser
opened with Space, and the sign-off is sent with Enter and confirmed; focus is visible at each step."""

import pytest
from playwright.sync_api import expect

from ratings.models import InspectionAssignment, InspectionPhoto, InspectionScore, Submission
from ratings.workflow import cycle_setup, precheck, self_assessment
from tests import factories
from tests.browser.test_keyboard_browser import open_chooser, tab_to
from tests.browser.test_rating_journey_browser import _png
from tests.ratings.conftest import RatingFlow

pytestmark = pytest.mark.browser

FOCUS_RING = """(selector) => {
  const el = selector ? document.querySelector(selector) : document.activeElement;
  const style = getComputedStyle(el);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
}"""


@pytest.fixture
def assignment(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="ki-staff")
    po = factories.PartyOrganizationFactory(committee=committee, name="键盘验收党支部", with_members=4)
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=factories.make_rubric(committee), year=2024),
        by=staff,
    )
    sub = Submission.objects.get(cycle=cycle, party_organization=po)
    inspector = factories.InspectorUserFactory(committee=committee, username="ki-inspector")
    flow = RatingFlow(staff, [inspector])
    flow.fill(sub)
    self_assessment.submission_submit(submission=sub, by=flow.secretary(sub))
    precheck.submission_accept(submission=sub, by=staff)
    flow.assign(sub)
    return InspectionAssignment.objects.get(submission=sub, inspector=inspector)


def assert_focus_visible(page, ring_on: str | None = None):
    """The focused element (or `ring_on`, which draws the ring for a hidden control) shows a ring."""
    assert page.evaluate(FOCUS_RING, ring_on), "focus must be visible"


def test_an_inspector_scores_attaches_a_photo_and_signs_off_with_the_keyboard(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    page.on("filechooser", lambda chooser: None)  # see test_keyboard_browser: intercept from the start
    login_via_form(page, "ki-inspector", factories.PASSWORD)
    page.goto(f"/ratings/inspections/{assignment.pk}/")
    indicators = list(assignment.submission.cycle.rubric.indicators().order_by("category__order", "order"))
    for n, ind in enumerate(indicators):
        tab_to(page, f"#score-{ind.pk}")
        assert_focus_visible(page)
        page.keyboard.type(str(ind.max_score - 1))
        with page.expect_response(lambda r: "/score/" in r.url and r.request.method == "POST"):
            tab_to(page, f"#finding-{ind.pk}")  # leaving the score saves it
        assert_focus_visible(page)
        page.keyboard.type(f"现场查看{ind.code}")
        with page.expect_response(lambda r: "/score/" in r.url and r.request.method == "POST"):
            page.keyboard.press("Tab")  # leaving the finding saves it
        if n == 0:  # a photo for the first indicator, through the file chooser
            tab_to(page, f"#photo-{ind.pk}")
            assert_focus_visible(page, ring_on=f"#ind-{ind.pk} label.camera")
            chooser = open_chooser(page)
            with page.expect_navigation():  # the photo is uploaded as soon as it is chosen
                chooser.set_files({"name": "现场.png", "mimeType": "image/png", "buffer": _png()})
            assert page.url.endswith(f"#ind-{ind.pk}")
            expect(page.locator(f"#ind-{ind.pk} .photos img")).to_have_count(1)
    expect(page.locator("[data-progress]")).to_have_text(str(len(indicators)))

    tab_to(page, "#sign-off button[type=submit]")
    assert_focus_visible(page)
    screenshot(page, "keyboard-before-sign-off")
    asked = []

    def confirm(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert asked == ["签字确认后不能再修改评分，确定吗？"]
    assignment.refresh_from_db()
    assert assignment.signed_off_at is not None
    scores = InspectionScore.objects.filter(assignment=assignment).select_related("indicator")
    assert {s.indicator.code: (s.score, s.finding) for s in scores} == {
        ind.code: (ind.max_score - 1, f"现场查看{ind.code}") for ind in indicators
    }
    assert InspectionPhoto.objects.filter(assignment=assignment, indicator=indicators[0]).count() == 1
