"""The work page on a phone: the secretary sees the open self-assessment with its deadline and goes
straight to it; staff see the queue by stage and reach the initial check from it."""

import pytest

from ratings.models import Submission
from ratings.workflow import cycle_setup, self_assessment
from tests import factories
from tests.browser.test_meetings_browser import fits_width

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="w-staff")
    po = factories.PartyOrganizationFactory(committee=committee, name="工作页测试党支部", with_members=4)
    other = factories.PartyOrganizationFactory(committee=committee, name="已提交党支部", with_members=4)
    factories.SecretaryUserFactory(party_organization=po, username="w-secretary")
    other_secretary = factories.SecretaryUserFactory(party_organization=other, username="w-secretary2")
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=factories.make_rubric(committee), year=2024),
        by=staff,
    )
    submitted = Submission.objects.get(cycle=cycle, party_organization=other)
    for ind in cycle.rubric.indicators():
        self_assessment.self_score_save(
            submission=submitted, indicator_id=ind.pk, score=ind.max_score, comment="", by=other_secretary
        )
        if ind.evidence_required:
            self_assessment.evidence_add(
                submission=submitted, indicator_id=ind.pk, upload=factories.png_upload(), by=other_secretary
            )
    self_assessment.submission_submit(submission=submitted, by=other_secretary)
    return {"cycle": cycle, "po": po, "submitted": submitted}


def test_the_secretary_goes_from_the_work_page_to_the_self_assessment(
    phone_page, login_via_form, world, screenshot
):
    page = phone_page
    login_via_form(page, "w-secretary", factories.PASSWORD)
    page.goto("/")
    todo = page.locator("section[aria-labelledby=todo]")
    assert "填写自评" in todo.inner_text() and "0/3" in todo.inner_text()
    assert fits_width(page)
    screenshot(page, "secretary-home")
    with page.expect_navigation():
        todo.get_by_role("link", name="填写自评").first.click()
    assert (
        f"/ratings/my/{Submission.objects.get(cycle=world['cycle'], party_organization=world['po']).pk}/"
        in page.url
    )


def test_staff_reach_the_initial_check_from_the_work_page(browser_page, login_via_form, world, screenshot):
    page = browser_page
    login_via_form(page, "w-staff", factories.PASSWORD)
    page.goto("/")
    item = page.locator(".work-item", has_text="待初核")
    assert item.locator(".count").inner_text() == "1"
    screenshot(page, "staff-home")
    with page.expect_navigation():
        item.get_by_role("link").click()
    assert "status=submitted" in page.url
    assert "已提交党支部" in page.locator("main").inner_text()
