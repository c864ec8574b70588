"""Redoc, the API's second documentation page, runs under its Content-Security-Policy: it loads
the schema, shows its title and operations, its search (a blob: web worker) finds operations,
nothing comes from outside and the browser refuses nothing but Redoc's footer logo."""

import pytest

from tests.browser.test_csp_browser import watch_violations

pytestmark = pytest.mark.browser

# Redoc's footer always asks for its logo from outside; the policy refuses it (as it should: the page
# loads nothing from outside) and Redoc then leaves the image out.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_the_schema_with_no_csp_violation(browser_page, screenshot):
    page = browser_page
    refused = watch_violations(page)
    loaded, failed = [], {}
    page.on("requestfinished", lambda request: loaded.append(request.url))
    page.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    page.goto("/api/redoc/")
    page.locator("h1", has_text="Starfire API").wait_for()
    assert page.locator("[data-section-id^='tag/']").count() > 5  # the operations, by tag
    # The scrollbar's stylesheet, allowed by its hash, applies.
    assert page.evaluate(
        "() => [...document.styleSheets].some(s => s.ownerNode.textContent.includes('.ps__rail-x'))"
    )
    page.locator("input[role='search'], input[placeholder='Search...']").first.fill("inspection")
    page.locator("[data-role='search:results'] li, [role='search'] ~ * li").first.wait_for()
    screenshot(page, "api-redoc")
    assert [message for message in refused if REDOC_LOGO not in message] == []
    origin = page.url.split("/api/")[0]
    assert [url for url in loaded if not url.startswith((origin, "data:", "blob:"))] == []
    assert set(failed) <= {REDOC_LOGO}
