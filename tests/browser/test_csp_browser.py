"""Starfire's pages and the admin work under the Content-Security-Policy: the browser refuses
nothing, and the scripts that pages rely on (select to submit, admin widgets) still run."""

import pytest

from branches import demo

pytestmark = pytest.mark.browser


def watch_violations(page) -> list[str]:
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return refused


def test_pages_and_the_admin_run_under_the_policy(browser_page, login_via_form, screenshot):
    demo.load_register()
    page = browser_page
    refused = watch_violations(page)
    login_via_form(page, "staff", demo.DEMO_PASSWORD)

    # The language select submits itself through the page's script file (no inline handler).
    with page.expect_navigation():
        page.locator(".langform select").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.locator(".langform select").select_option("zh-hans")

    page.goto("/admin/")
    assert page.locator("#site-name").is_visible()
    page.goto("/admin/branches/socialorganization/")
    # The admin's own scripts run: the select-all checkbox of the action bar ticks every row.
    page.locator("#action-toggle").check()
    assert (
        page.locator("input.action-select:checked").count() == page.locator("input.action-select").count() > 0
    )
    page.locator("#result_list tbody tr th a").first.click()
    page.wait_for_url("**/change/")
    screenshot(page, "admin-change")
    page.goto("/admin/branches/partyorganization/")
    page.locator("#result_list tbody tr th a").first.click()
    page.wait_for_url("**/change/")
    # DateTimeShortcuts (admin/js/admin/DateTimeShortcuts.js) adds the "today" link and calendar.
    page.locator("#id_founded_on").fill("")
    page.locator("#id_founded_on ~ .datetimeshortcuts a").first.click()
    assert page.locator("#id_founded_on").input_value() != ""
    page.locator("#id_founded_on ~ .datetimeshortcuts a").last.click()
    assert page.locator(".calendarbox").first.is_visible()
    screenshot(page, "admin-calendar")
    assert refused == []

    # The watch itself works: an inline handler slipped into the page is refused and reported.
    page.evaluate("document.querySelector('h1').setAttribute('onclick', 'document.title = 1')")
    page.locator("h1").first.click()
    page.wait_for_timeout(200)
    assert len(refused) == 1 and "inline event handler" in refused[0]
    assert page.title() != "1"
