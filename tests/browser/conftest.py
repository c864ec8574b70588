"""Browser fixtures: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

No browser is downloaded: Chromium comes from the `chromium` package (STARFIRE_CHROMIUM
overrides the path). Screenshots go to `test-artifacts/` (gitignored; CI keeps it as an
artifact). A failing test leaves a `…-FAILED.png` of the page it was on.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.service_markers import chromium_executable

ARTIFACTS = Path(os.environ.get("STARFIRE_ARTIFACTS", settings.BASE_DIR / "test-artifacts"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)  # before `-m "not browser"` deselects by marker
def pytest_collection_modifyitems(items):
    # Everything under tests/browser/ is a browser test, whether or not the module says so.
    browser_dir = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(browser_dir):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API keeps an asyncio loop in this thread; Django's ORM guard would
    # otherwise refuse the test's own (synchronous) database calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def chromium(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _artifact_name(request, label: str) -> Path:
    test = re.sub(r"[^\w.-]+", "_", request.node.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{request.node.path.stem}-{test}-{label}.png"


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "label")` saves a full-page PNG into test-artifacts/ and returns its path."""

    def _take(page, label: str) -> Path:
        path = _artifact_name(request, label)
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


def _page_factory(request, chromium, live_server):
    contexts = []

    def _new(kind: str = "desktop"):
        context = chromium.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **VIEWPORTS[kind]
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    def _close():
        for context in contexts:
            if request.node.stash.get(_FAILED, False):
                for n, page in enumerate(context.pages):
                    page.screenshot(path=str(_artifact_name(request, f"FAILED-{n}")), full_page=True)
            context.close()

    return _new, _close


@pytest.fixture
def browser_page(request, chromium, live_server, transactional_db):
    """A desktop-sized page (1366×900) on the live server, zh-CN."""
    new, close = _page_factory(request, chromium, live_server)
    yield new("desktop")
    close()


@pytest.fixture
def phone_page(request, chromium, live_server, transactional_db):
    """A phone-sized page (390×844, touch), as an inspector on site would use."""
    new, close = _page_factory(request, chromium, live_server)
    yield new("phone")
    close()


@pytest.fixture
def login_via_form():
    """`login_via_form(page, username, password)`: sign in through the real login form."""

    def _login(page, username: str, password: str):
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/login/" not in page.url, f"login as {username!r} failed: still on {page.url}"
        return page

    return _login
