"""Committee staff recompute the annual tally from the dashboard and see the chart change."""

import datetime as dt

import pytest
from django.utils import timezone

from branches import demo
from ratings.models import Cycle, Status, Submission
from ratings.reports.tally import tally_recompute
from ratings.rubric.data import create_default_rubric

pytestmark = pytest.mark.browser


@pytest.fixture
def cycle():
    register = demo.load_register()
    committee = register["committee"]
    at = timezone.make_aware(dt.datetime(2024, 10, 1))
    cycle = Cycle.objects.create(
        committee=committee,
        year=2024,
        rubric=create_default_rubric(committee),
        status=Cycle.Status.OPEN,
        self_assessment_deadline=at,
        inspection_deadline=at,
        review_deadline=at,
    )
    for i, po in enumerate(register["party_orgs"].values()):
        Submission.objects.create(
            cycle=cycle,
            party_organization=po,
            status=Status.REVIEWED,
            proposed_level=[5, 4, 3, 3, 2, 1][i % 6],
        )
    tally_recompute(cycle_id=cycle.pk)
    return cycle


def _five_star_bar(page):
    return page.locator("#chart-stars rect[data-series='2024年']").first


def test_staff_recompute_the_tally_and_the_chart_updates(browser_page, login_via_form, cycle, screenshot):
    page = browser_page
    login_via_form(page, "staff", demo.DEMO_PASSWORD)
    page.goto(f"/ratings/dashboard/?cycle={cycle.pk}")
    before_three_plus = int(page.locator("#three-plus").inner_text())
    assert _five_star_bar(page).get_attribute("data-value") == "6"
    screenshot(page, "before")

    # Results change (e.g. a review completed elsewhere): two more branches at five stars.
    changed = list(Submission.objects.filter(cycle=cycle, proposed_level=1).values_list("pk", flat=True)[:2])
    Submission.objects.filter(pk__in=changed).update(proposed_level=5)

    with page.expect_navigation():
        page.get_by_role("button", name="重新统计").click()
    page.wait_for_function("document.querySelector('#tally-status strong')?.textContent === '已完成'")
    assert _five_star_bar(page).get_attribute("data-value") == "8"
    assert int(page.locator("#three-plus").inner_text()) == before_three_plus + 2
    screenshot(page, "after")
