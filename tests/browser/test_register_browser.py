"""Committee staff use the register in a real browser: login form, organisation list, coverage page.

Runs on the demo register (branches.demo), so the screenshots in test-artifacts/ show what a
newcomer sees after `bash .ci/serve`.
"""

import pytest

from branches import demo, selectors

pytestmark = pytest.mark.browser


@pytest.fixture
def register():
    return demo.load_register()


def test_staff_logs_in_and_sees_organisations_and_coverage(
    browser_page, login_via_form, register, screenshot
):
    page = browser_page
    committee = register["committee"]
    overall = selectors.coverage_report(committee.pk).overall

    login_via_form(page, "staff", demo.DEMO_PASSWORD)
    assert page.locator("h1").inner_text().startswith("你好")
    # The stylesheet is served and applied: the top bar is the committee red, not an unstyled page.
    assert (
        page.locator("header.topbar").evaluate("e => getComputedStyle(e).backgroundColor")
        == "rgb(183, 28, 28)"
    )
    screenshot(page, "home")

    page.get_by_role("navigation").get_by_role("link", name="社会组织").click()
    page.wait_for_url("**/register/organizations/**")
    organisations = page.locator("#organizations")
    assert organisations.get_by_role("link", name=demo.WUHOU_ORG).is_visible()
    # Another committee's organisation never shows up for this committee's staff.
    assert page.get_by_text("四川省科技工作者协会").count() == 0
    screenshot(page, "organisations")

    page.fill("input[name=q]", "武侯社区")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    rows = page.locator("#organizations tbody tr")
    assert rows.count() == 1
    assert demo.WUHOU_ORG in rows.first.inner_text()

    page.get_by_role("navigation").get_by_role("link", name="覆盖情况").click()
    page.wait_for_url("**/register/coverage/**")
    figures = page.locator("#coverage-overall")
    org_rate = figures.locator(".stat", has_text="组织覆盖率")
    assert org_rate.is_visible()
    assert org_rate.locator(".num").inner_text() == f"{overall.org_rate}%"
    assert org_rate.locator("small").inner_text() == f"{overall.party_covered}/{overall.total}"
    work_rate = figures.locator(".stat", has_text="工作覆盖率")
    assert work_rate.locator(".num").inner_text() == f"{overall.work_rate}%"
    # The demo's uncovered organisations are listed by name.
    uncovered = page.locator("#uncovered")
    for name in ("自贡市灯会文化促进会", "巴中市助学基金会"):
        assert uncovered.get_by_role("link", name=name).is_visible()
    screenshot(page, "coverage")


def test_on_a_phone_the_navigation_opens_from_the_menu_button(
    phone_page, login_via_form, register, screenshot
):
    page = phone_page
    login_via_form(page, "staff", demo.DEMO_PASSWORD)

    nav = page.get_by_role("navigation")
    toggle = page.locator("label.nav-toggle-label")
    assert toggle.is_visible()
    assert not nav.is_visible(), "on a phone the navigation starts folded away"
    screenshot(page, "menu-closed")

    toggle.tap()
    assert nav.is_visible()
    screenshot(page, "menu-open")

    nav.get_by_role("link", name="覆盖情况").tap()
    page.wait_for_url("**/register/coverage/**")
    assert page.locator("#coverage-overall .stat", has_text="组织覆盖率").is_visible()
    # Nothing wider than the phone: wide tables scroll inside their own box, not the whole page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "coverage")
