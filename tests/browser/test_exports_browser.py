"""Committee staff export a whole cycle's results: the button starts a background job, its page
follows the progress by itself (static/js/exports.js, under the site's CSP) and offers the file."""

import datetime as dt

import pytest
from django.utils import timezone

from branches import demo
from branches.models import User
from ratings.models import Cycle, ExportJob, Status, Submission
from ratings.reports import exports
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
    for po in register["party_orgs"].values():
        Submission.objects.create(
            cycle=cycle, party_organization=po, status=Status.REVIEWED, proposed_level=3
        )
    return cycle


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def test_staff_start_the_results_export_and_download_the_file(
    browser_page, login_via_form, cycle, screenshot
):
    page = browser_page
    errors = _csp_errors(page)
    login_via_form(page, "staff", demo.DEMO_PASSWORD)
    page.goto(f"/ratings/dashboard/?cycle={cycle.pk}")
    with page.expect_navigation():
        page.locator("#export-results_xlsx").click()
    page.locator("#export-download").wait_for()  # tasks run in-process: ready on arrival
    screenshot(page, "ready")
    with page.expect_download() as download:
        page.locator("#export-download").click()
    assert download.value.suggested_filename == "starfire-results-2024.xlsx"
    assert errors == []


def test_the_job_page_follows_a_job_at_work_until_the_download_appears(
    browser_page, login_via_form, cycle, screenshot
):
    page = browser_page
    errors = _csp_errors(page)
    staff = User.objects.get(username="staff")
    job = ExportJob.objects.create(
        kind="results_xlsx",
        cycle=cycle,
        committee_id=cycle.committee_id,
        requested_by=staff,
        filename="starfire-results-2024.xlsx",
    )
    login_via_form(page, "staff", demo.DEMO_PASSWORD)
    page.goto(f"/ratings/exports/{job.pk}/")
    assert page.locator("#export-ready").is_hidden()
    assert page.locator("#export-refresh").is_visible()  # without the script: the refresh link
    screenshot(page, "queued")
    exports.export_build(job_id=job.pk)  # the worker finishes it meanwhile
    page.locator("#export-download").wait_for(state="visible", timeout=15000)
    assert page.locator("#export-state").inner_text() == "已完成"
    screenshot(page, "done")
    assert errors == []
