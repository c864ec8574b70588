"""The sign-off's warning "还有 N 个指标未评分：…" and the "下一个未评分" link follow the scores as
they are saved (static/js/inspection.js): online through the server, or kept on the device without
network (tests/browser/test_inspection_offline_browser.py) — the count, the list, the link's target,
and the warning gone when nothing is left; in the page's language, plural-correct. The server
renders the same on a reload."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import factories
from tests.browser import test_inspection_keyboard_browser as keyboard

pytestmark = pytest.mark.browser

assignment = keyboard.assignment  # the small rubric: 1.1, 1.2 and 2.1, one inspector
WARNING = "#sign-off [data-unscored-warning]"


def _indicators(assignment):
    return {ind.code: ind for ind in assignment.submission.cycle.rubric.indicators()}


def _save(page, ind, value):
    field = page.locator(f"#score-{ind.pk}")
    field.fill(str(value))
    with page.expect_response(lambda r: "/score/" in r.url and r.request.method == "POST"):
        field.dispatch_event("change")


def _says(page, count_text, codes, inds):
    warning = page.locator(WARNING)
    expect(warning).to_be_visible()
    expect(warning.locator("[data-unscored-count]")).to_have_text(count_text)
    links = warning.locator("[data-unscored-list] a")
    expect(links).to_have_text(codes)
    for n, code in enumerate(codes):
        expect(links.nth(n)).to_have_attribute("href", f"#ind-{inds[code].pk}")
    expect(page.locator("[data-next-unscored]")).to_have_attribute("href", f"#ind-{inds[codes[0]].pk}")
    expect(page.locator("[data-next-unscored]")).to_be_visible()


def test_the_warning_follows_the_scores_saved_online(browser_page, login_via_form, assignment, screenshot):
    page = browser_page
    inds = _indicators(assignment)
    login_via_form(page, "ki-inspector", factories.PASSWORD)
    page.goto(f"/ratings/inspections/{assignment.pk}/")
    _says(page, "还有 3 个指标未评分：", ["1.1", "1.2", "2.1"], inds)
    expect(page.locator(f"{WARNING} [data-unscored-list]")).to_have_text("1.1、1.2、2.1")

    _save(page, inds["1.1"], 30)
    _says(page, "还有 2 个指标未评分：", ["1.2", "2.1"], inds)
    expect(page.locator(f"{WARNING} [data-unscored-list]")).to_have_text("1.2、2.1")
    expect(page.locator("[data-progress]")).to_have_text("1")

    _save(page, inds["2.1"], 20)
    _says(page, "还有 1 个指标未评分：", ["1.2"], inds)

    _save(page, inds["1.1"], "")  # a score cleared is unscored again
    _says(page, "还有 2 个指标未评分：", ["1.1", "1.2"], inds)
    expect(page.locator(f"{WARNING} [data-unscored-list]")).to_have_text("1.1、1.2")

    _save(page, inds["1.1"], 40)
    _save(page, inds["1.2"], 30)
    expect(page.locator(WARNING)).to_be_hidden()
    expect(page.locator("[data-next-unscored]")).to_be_hidden()
    expect(page.locator("[data-progress]")).to_have_text("3")
    screenshot(page, "all-scored")

    page.reload()  # the server says the same
    expect(page.locator(WARNING)).to_be_hidden()
    expect(page.locator("[data-next-unscored]")).to_be_hidden()
    _save(page, inds["1.2"], "")  # and the script shows the server's hidden warning again
    _says(page, "还有 1 个指标未评分：", ["1.2"], inds)


def test_the_warning_speaks_the_pages_language_in_its_plural_forms(
    browser_page, login_via_form, assignment, live_server
):
    page = browser_page
    inds = _indicators(assignment)
    login_via_form(page, "ki-inspector", factories.PASSWORD)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"/ratings/inspections/{assignment.pk}/")
    count = page.locator(f"{WARNING} [data-unscored-count]")
    expect(count).to_have_text("3 indicators not scored yet:")
    _save(page, inds["1.1"], 30)
    expect(count).to_have_text("2 indicators not scored yet:")
    _save(page, inds["1.2"], 30)
    expect(count).to_have_text("1 indicator not scored yet:")
    expect(page.locator(f"{WARNING} [data-unscored-list] a")).to_have_text(["2.1"])
