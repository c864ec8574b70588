"""公示 in a real browser: an anonymous visitor objects, staff uphold it and the public list
changes; a certificate PDF opens and its QR target shows the award's status."""

import datetime as dt
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from ratings.models import Award, Objection
from ratings.outcomes import awards as award_services
from ratings.outcomes import certificates
from ratings.outcomes.publication import cycle_publish, results_finalize
from tests import factories
from tests.ratings.conftest import make_results_cycle

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    return factories.StaffUserFactory(committee=committee, username="staff-results")


def test_an_objection_upheld_by_staff_changes_the_public_notice(
    browser_page, login_via_form, staff, screenshot
):
    rc = make_results_cycle(staff.committee, staff)
    cycle = cycle_publish(cycle=rc.cycle, by=staff)
    four = rc.subs["four"]
    page = browser_page

    # An anonymous visitor reads the notice and objects to the 4★ result.
    page.goto(f"/ratings/public/notice/{cycle.pk}/")
    row = page.locator(f"#result-{four.pk}")
    assert "四星" in row.locator(".level").inner_text()
    assert page.get_by_text("否决测试党支部").count() == 0  # vetoed results are not listed
    screenshot(page, "notice-before")
    row.get_by_role("link", name="提出异议").click()
    page.fill("textarea[name=reason]", "该支部全年未召开支部党员大会，自评材料与实际不符。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交异议").click()
    objection = Objection.objects.get(submission=four)
    assert objection.reference in page.content()
    screenshot(page, "objection-received")

    # Staff uphold it with a corrected final score: the star is recomputed.
    login_via_form(page, staff.username, factories.PASSWORD)
    page.goto(f"/ratings/objections/{objection.pk}/")
    page.fill("#uphold-outcome", "经实地核查，异议属实，1.1 项按实际情况扣分。")
    page.locator("#uphold input[type=number]").first.fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="采纳并改正").click()
    objection.refresh_from_db()
    assert objection.state == Objection.State.UPHELD
    four.refresh_from_db()
    assert four.proposed_level < 4

    page.goto(f"/ratings/public/notice/{cycle.pk}/")
    level = page.locator(f"#result-{four.pk} .level")
    assert level.count() == 0 or "四星" not in level.inner_text()
    if level.count():
        assert "经异议复核调整" in page.locator(f"#result-{four.pk}").inner_text()
    screenshot(page, "notice-after")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_certificate_pdf_opens_and_its_qr_target_shows_the_status(
    browser_page, login_via_form, staff, tmp_path, screenshot
):
    rc = make_results_cycle(staff.committee, staff)
    # published 30 days ago (the notice may not start before the day it is published), so it is over
    month_ago = timezone.localdate() - dt.timedelta(days=30)
    cycle = cycle_publish(cycle=rc.cycle, by=staff, starts_on=month_ago, today=month_ago)
    results_finalize(cycle=cycle, by=staff)
    award = Award.objects.get(submission=rc.subs["five"])
    page = browser_page
    login_via_form(page, staff.username, factories.PASSWORD)

    response = page.request.get(f"/ratings/awards/{award.pk}/certificate.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    compact = text.replace(" ", "").replace("\n", "")
    assert award.certificate_no in compact
    assert award.party_organization.name in compact

    # The QR code encodes the verification URL; a visitor (no login) sees the status there.
    url = certificates.verification_url(award, "")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    visitor = page.context.browser.new_context(base_url=origin, locale="zh-CN")
    public = visitor.new_page()
    public.goto(url)
    assert public.locator(".verdict").inner_text() == "有效"
    award_services.award_revoke(award=award, grounds="veto", reason="发生严重违纪案件", by=staff)
    public.reload()
    assert public.locator(".verdict").inner_text() == "已撤销"
    screenshot(public, "verify-revoked")
    visitor.close()
