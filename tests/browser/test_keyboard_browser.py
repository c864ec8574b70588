"""The whole self-assessment with the keyboard alone: every score, comment, evidence upload and the
submit button are reached with Tab and used with typing, Space and Enter; focus is visible."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ratings.models import Status, Submission
from ratings.workflow import cycle_setup
from tests import factories
from tests.browser.test_rating_journey_browser import _png

pytestmark = pytest.mark.browser


@pytest.fixture
def submission(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="k-staff")
    po = factories.PartyOrganizationFactory(committee=committee, name="键盘测试党支部", with_members=4)
    factories.SecretaryUserFactory(party_organization=po, username="k-secretary")
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=factories.make_rubric(committee), year=2024),
        by=staff,
    )
    return Submission.objects.get(cycle=cycle, party_organization=po)


def tab_to(page, selector: str, limit: int = 400):
    """Press Tab until the focused element matches `selector`; fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def open_chooser(page):
    """Space on the focused file input opens the file chooser (pressed again once if a busy machine
    let the first press pass before the chooser was intercepted)."""
    for attempt in (1, 2):
        try:
            with page.expect_file_chooser(timeout=7_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_a_secretary_fills_and_submits_the_self_assessment_with_the_keyboard(
    browser_page, login_via_form, submission, screenshot
):
    page = browser_page
    # Intercept file choosers from the start: switched on only inside expect_file_chooser, the
    # interception can come after the key press on a busy machine, and the chooser is missed.
    page.on("filechooser", lambda chooser: None)
    login_via_form(page, "k-secretary", factories.PASSWORD)
    page.goto(f"/ratings/my/{submission.pk}/")
    indicators = list(submission.cycle.rubric.indicators().order_by("category__order", "order"))
    for ind in indicators:
        box = f"#ind-{ind.pk}"
        tab_to(page, f"{box} input[name=score]")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "focus must be visible"
        page.keyboard.type(str(ind.max_score - 1))
        tab_to(page, f"{box} textarea[name=comment]")  # leaving the field saves it
        page.keyboard.type("键盘填写")
        with page.expect_response(lambda r: "/scores/" in r.url and r.request.method == "POST"):
            page.keyboard.press("Tab")
        if ind.evidence_required:
            tab_to(page, f"{box} input[type=file]")
            open_chooser(page).set_files({"name": "证明.png", "mimeType": "image/png", "buffer": _png()})
            tab_to(page, f"{box} .upload-form button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
    assert page.locator("#missing-none").is_visible()
    tab_to(page, "#submit button[type=submit]")
    screenshot(page, "keyboard-before-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Submission.objects.get(pk=submission.pk).status == Status.SUBMITTED
