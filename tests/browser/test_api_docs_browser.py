"""The API's documentation page runs under the site's Content-Security-Policy: Swagger UI loads
the schema and shows the operations, and the browser refuses nothing."""

import pytest

from tests.browser.test_csp_browser import watch_violations

pytestmark = pytest.mark.browser


def test_the_api_docs_render_with_no_csp_violation(browser_page, screenshot):
    page = browser_page
    refused = watch_violations(page)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 30
    page.locator(".opblock-summary").first.click()  # an operation opens (the UI's scripts run)
    page.locator(".opblock-body").first.wait_for()
    screenshot(page, "api-docs")
    assert refused == []
    outside = [
        url
        for url in requests
        if not url.startswith(page.url.split("/api/")[0]) and not url.startswith("data:")
    ]
    assert outside == []
