"""A superuser picks the committee to work in: first on the switcher page a committee page sends
them to, then with the compact switcher in the navigation."""

import pytest

from branches import demo

pytestmark = pytest.mark.browser

OTHER_ORG = "四川省科技工作者协会"  # an organisation of the demo's other committee


def test_a_superuser_chooses_a_committee_and_switches_from_the_navigation(
    browser_page, login_via_form, screenshot
):
    demo.load_register()
    page = browser_page
    login_via_form(page, "admin", demo.DEMO_PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="社会组织").click()
    page.wait_for_url("**/committee/?next=**")
    screenshot(page, "switcher")
    page.get_by_label(demo.COMMITTEE).check()
    with page.expect_navigation():
        page.get_by_role("button", name="查看此综合党委").click()
    assert "/register/organizations/" in page.url
    assert page.get_by_role("link", name=demo.WUHOU_ORG).is_visible()
    assert page.get_by_text(OTHER_ORG).count() == 0

    switcher = page.locator("nav .committee-switcher select")
    assert switcher.locator("option:checked").inner_text() == demo.COMMITTEE
    with page.expect_navigation():
        switcher.select_option(label=demo.OTHER_COMMITTEE)
    page.wait_for_url("**/register/organizations/**")
    assert page.get_by_role("link", name=OTHER_ORG).is_visible()
    assert page.get_by_text(demo.WUHOU_ORG).count() == 0
    assert page.locator("nav .committee-switcher option:checked").inner_text() == demo.OTHER_COMMITTEE
    screenshot(page, "switched")
