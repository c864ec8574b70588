"""A branch secretary records a 支委会 with attendance on a phone and sees the gap disappear."""

import pytest
from django.utils import timezone

from branches.models import MemberRole, Membership
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def secretary():
    committee = factories.CommitteeFactory(name="浏览器测试综合党委")
    po = factories.PartyOrganizationFactory(committee=committee, name="浏览器测试基金会党支部")
    for name, role, membership in [
        ("王书记", MemberRole.SECRETARY, Membership.FULL),
        ("李支委", MemberRole.COMMITTEE_MEMBER, Membership.FULL),
        ("张支委", MemberRole.COMMITTEE_MEMBER, Membership.FULL),
        ("赵党员", MemberRole.MEMBER, Membership.FULL),
        ("钱预备", MemberRole.MEMBER, Membership.PROBATIONARY),
    ]:
        factories.MemberFactory(party_organization=po, name=name, role=role, membership=membership)
    return factories.SecretaryUserFactory(party_organization=po, username="phone-secretary")


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretary_records_a_committee_meeting_on_a_phone_and_the_gap_disappears(
    phone_page, login_via_form, secretary, screenshot
):
    page = phone_page
    year = timezone.localdate().year - 1  # a whole past year: every month without a 支委会 is a gap
    po = secretary.party_organization
    login_via_form(page, secretary.username, factories.PASSWORD)

    page.goto(f"/meetings/compliance/{po.pk}/?year={year}")
    march = page.locator("#month-3")
    assert march.locator("li.gap[data-type=committee_meeting]").count() == 1
    gaps_before = int(page.locator("#gap-count").inner_text())
    assert fits_width(page)
    screenshot(page, "calendar-before")

    # From the gap straight to the form for that type.
    march.locator("li.gap[data-type=committee_meeting]").get_by_role("link", name="补登").click()
    page.wait_for_url("**/meetings/new/?type=committee_meeting*")
    assert page.input_value("#id_starts_at") == f"{year}-03-15T14:30"  # prefilled inside the gap's month
    page.fill("#id_starts_at", f"{year}-03-15T09:30")
    page.fill("#id_place", "基金会会议室")
    page.fill("#id_topic", "研究三月份党建工作")
    # The branch committee starts as present; 张支委 is on leave.
    rows = page.locator(".att-row.expected")
    assert rows.count() == 3
    zhang = page.locator(".att-row", has_text="张支委")
    zhang.locator("label.seg-opt", has_text="请假").click()
    zhang.locator("input[type=text]").fill("出差")
    assert fits_width(page)
    screenshot(page, "form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    assert "会议记录已保存" in page.locator(".messages").inner_text()
    assert page.locator("#attendance").get_by_text("请假").count() == 1
    assert "到会过半数（2/3）" in page.content()
    screenshot(page, "detail")

    page.goto(f"/meetings/compliance/{po.pk}/?year={year}")
    assert page.locator("#month-3 li.gap[data-type=committee_meeting]").count() == 0
    assert page.locator("#month-3").get_by_text("研究三月份党建工作").count() == 0  # calendar shows the type
    assert page.locator("#month-3").get_by_role("link", name="15日 支委会").count() == 1
    assert int(page.locator("#gap-count").inner_text()) == gaps_before - 1
    screenshot(page, "calendar-after")
