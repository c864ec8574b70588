"""The cycle's procedure in a real browser, with a fixed "today": 公示 is refused before the
self-assessment deadline with the rule in words, then published through its confirmation page; a
visitor objects during the notice; after the notice staff make the results final through their
confirmation page, and the public verification page shows the award's validity from its naming."""

import datetime as dt

import pytest
from django.utils import timezone

from ratings.models import Award, Cycle, Objection
from tests import factories
from tests.ratings.conftest import make_results_cycle

pytestmark = pytest.mark.browser


class Clock:
    """`timezone.localdate()` (no argument) answers `today`; with a value it converts as usual. The
    live server runs in a thread of this process, so its views and services see the same day."""

    def __init__(self, monkeypatch, today: dt.date):
        self.today = today
        real = timezone.localdate
        monkeypatch.setattr(
            timezone,
            "localdate",
            lambda value=None, tz=None: self.today if value is None else real(value, tz),
        )


@pytest.fixture
def staff(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    return factories.StaffUserFactory(committee=committee, username="staff-procedure")


def test_publish_object_finalise_and_verify_in_order(
    browser_page, login_via_form, staff, screenshot, monkeypatch
):
    rc = make_results_cycle(staff.committee, staff)
    cycle = rc.cycle
    deadline = timezone.localdate(cycle.self_assessment_deadline)
    clock = Clock(monkeypatch, deadline)  # the deadline's own day: still too early
    page = browser_page
    login_via_form(page, staff.username, factories.PASSWORD)

    # Before the self-assessment deadline has passed, 公示 is refused with the rule in words.
    page.goto(f"/ratings/results/{cycle.pk}/")
    with page.expect_navigation():
        page.locator("#publish").get_by_role("button", name="发布公示").click()
    with page.expect_navigation():
        page.get_by_role("button", name="确认发布公示").click()
    refusal = page.locator("#publish .errors").inner_text()
    assert "自评截止时间" in refusal and deadline.isoformat() in refusal and "之后才能发布公示" in refusal
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.OPEN
    screenshot(page, "publish-refused")

    # A week later it may be published: the confirmation page says what will happen first.
    clock.today = deadline + dt.timedelta(days=7)
    page.goto(f"/ratings/results/{cycle.pk}/")
    with page.expect_navigation():
        page.locator("#publish").get_by_role("button", name="发布公示").click()
    confirm = page.locator("section.confirm").inner_text()
    assert "公示期 " + clock.today.isoformat() in confirm and "发布后不能撤回" in confirm
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.OPEN  # nothing happened yet
    screenshot(page, "publish-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="确认发布公示").click()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.PUBLISHED and cycle.notice_starts_on == clock.today
    assert "已发布公示" in page.content()

    # An anonymous visitor objects to the 4★ result on the public notice.
    visitor = page.context.browser.new_context(base_url=page.url.split("/ratings/")[0], locale="zh-CN")
    public = visitor.new_page()
    four = rc.subs["four"]
    public.goto(f"/ratings/public/notice/{cycle.pk}/")
    public.locator(f"#result-{four.pk}").get_by_role("link", name="提出异议").click()
    public.fill("textarea[name=reason]", "该支部全年未召开支部党员大会，自评材料与实际不符。")
    with public.expect_navigation():
        public.get_by_role("button", name="提交异议").click()
    objection = Objection.objects.get(submission=four)
    assert objection.reference in public.content()
    screenshot(public, "objection-received")
    visitor.close()

    # The day after the notice ends, staff make the results final through the confirmation page.
    clock.today = cycle.notice_ends_on + dt.timedelta(days=1)
    page.goto(f"/ratings/results/{cycle.pk}/")
    with page.expect_navigation():
        page.locator("#finalize").get_by_role("button", name="确定结果").click()
    confirm = page.locator("section.confirm").inner_text()
    assert "1 个结果有未处理完毕的异议，将继续等待" in confirm and "确定后不能撤回" in confirm
    assert not Award.objects.filter(cycle=cycle).exists()
    screenshot(page, "finalize-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="确认确定结果").click()
    award = Award.objects.get(submission=rc.subs["five"])
    assert not Award.objects.filter(submission=four).exists()  # waits for its objection
    assert award.valid_from == clock.today

    # The public verification page shows the validity from the naming date.
    checker = page.context.browser.new_context(base_url=page.url.split("/ratings/")[0], locale="zh-CN")
    verify = checker.new_page()
    verify.goto(f"/ratings/public/verify/{award.token}/")
    assert verify.locator(".verdict").inner_text() == "有效"
    validity = verify.locator("dt:has-text('有效期') + dd").inner_text().strip()
    start, _sep, end = validity.partition(" 至 ")
    assert start == award.valid_from.isoformat()
    assert end == "下一周期命名之日" or dt.date.fromisoformat(end) >= award.valid_from
    if award.valid_until:
        assert end == award.valid_until.isoformat()
    screenshot(verify, "verify-validity")
    checker.close()
