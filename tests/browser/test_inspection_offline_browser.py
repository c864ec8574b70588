"""An inspection with no signal (static/js/offline.js, the service worker of
ratings/views/offline.py): the browser context goes offline, the work waits on the device
(IndexedDB), survives a reload served by the service worker, and reaches the server through the
API when the network is back — conflicts and withdrawn assignments shown, never lost; logging out
wipes the device."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from ratings.models import InspectionPhoto, InspectionScore
from ratings.workflow import onsite
from tests import factories
from tests.browser import test_inspection_phone_browser as phone

pytestmark = pytest.mark.browser

assignment = phone.assignment  # the same inspection: 24 indicators, two inspectors

READY = "html[data-offline-ready='1']"


def _open(page, login_via_form, assignment):
    login_via_form(page, "p-inspector1", factories.PASSWORD)
    page.goto("/ratings/inspections/")  # the app's start page keeps every open visit
    page.wait_for_selector(READY)
    page.goto(f"/ratings/inspections/{assignment.pk}/")
    page.wait_for_selector(READY)  # this page came through the service worker


def _indicators(assignment):
    return list(assignment.submission.cycle.rubric.indicators().order_by("category__order", "order"))


def _score(page, ind, value, finding=""):
    field = page.locator(f"#score-{ind.pk}")
    field.fill(str(value))
    if finding:
        page.locator(f"#finding-{ind.pk}").fill(finding)
    field.dispatch_event("change")


def _waiting(page, n):
    expect(page.locator("#offline-queue")).to_have_attribute("data-count", str(n))


def _big_photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (3200, 2400), (40, 120, 200)).save(out, "PNG")
    return {"name": "site.png", "mimeType": "image/png", "buffer": out.getvalue()}


def test_work_done_offline_survives_a_reload_and_reaches_the_server(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    _open(page, login_via_form, assignment)
    inds = _indicators(assignment)[:3]
    page.context.set_offline(True)
    for n, ind in enumerate(inds):
        _score(page, ind, ind.max_score - n, finding=f"离线意见 {n}")
    _waiting(page, 3)
    expect(page.locator("#offline-queue")).to_have_text("3 项修改等待同步")
    page.set_input_files(f"#photo-{inds[0].pk}", files=[_big_photo()])
    _waiting(page, 4)
    assert not InspectionScore.objects.filter(assignment=assignment).exists()

    page.reload()  # still offline: the service worker serves the kept page
    _waiting(page, 4)
    for n, ind in enumerate(inds):
        expect(page.locator(f"#score-{ind.pk}")).to_have_value(str(ind.max_score - n))
    expect(page.locator(f"[data-queued-photos='{inds[0].pk}']")).to_contain_text("site.jpg")
    screenshot(page, "offline-queue")

    # sign-off needs the server
    page.once("dialog", lambda dialog: pytest.fail("no confirmation offline"))
    page.locator("#sign-off button[type=submit]").click()
    expect(page.locator("#offline-message")).to_contain_text("签字确认需要联网")

    page.context.set_offline(False)
    _waiting(page, 0)
    expect(page.locator("#offline-message")).to_have_text("本机的修改已全部同步。")
    saved = {s.indicator_id: s for s in InspectionScore.objects.filter(assignment=assignment)}
    for n, ind in enumerate(inds):
        assert saved[ind.pk].score == Decimal(ind.max_score - n)
        assert saved[ind.pk].finding == f"离线意见 {n}"
    photo = InspectionPhoto.objects.get(assignment=assignment)
    assert photo.indicator_id == inds[0].pk
    with photo.file.open("rb") as f, Image.open(f) as img:
        assert max(img.size) == 1600, "resized on the device before upload"


def test_a_conflict_is_shown_and_resolved_by_the_inspector(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    _open(page, login_via_form, assignment)
    keep, take = _indicators(assignment)[:2]
    page.context.set_offline(True)
    _score(page, keep, 1, "我的意见")
    _score(page, take, 1, "我的意见")
    _waiting(page, 2)
    for ind in (keep, take):  # meanwhile, from another device
        onsite.inspection_score_save(
            assignment=assignment, indicator_id=ind.pk, score=Decimal("0.5"), finding="另一台设备",
            by=assignment.inspector,
        )  # fmt: skip

    page.context.set_offline(False)
    conflicts = page.locator(".offline-problem[data-state=conflict]")
    expect(conflicts).to_have_count(2)
    expect(conflicts.first).to_contain_text("0.5")
    _waiting(page, 2)  # nothing overwritten, nothing lost
    assert set(InspectionScore.objects.filter(assignment=assignment).values_list("finding", flat=True)) == {
        "另一台设备"
    }
    screenshot(page, "conflict")
    conflicts.filter(has_text=keep.code).get_by_role("button", name="保留我的").click()
    conflicts.filter(has_text=take.code).get_by_role("button", name="采用服务器上的").click()
    _waiting(page, 0)
    expect(page.locator(f"#score-{take.pk}")).to_have_value("0.5")
    expect(page.locator(f"#finding-{take.pk}")).to_have_value("另一台设备")
    mine = InspectionScore.objects.get(assignment=assignment, indicator=keep)
    theirs = InspectionScore.objects.get(assignment=assignment, indicator=take)
    assert (mine.score, mine.finding) == (Decimal(1), "我的意见")
    assert (theirs.score, theirs.finding) == (Decimal("0.5"), "另一台设备")


def test_a_withdrawn_assignment_keeps_the_change_until_discarded(phone_page, login_via_form, assignment):
    page = phone_page
    _open(page, login_via_form, assignment)
    ind = _indicators(assignment)[0]
    page.context.set_offline(True)
    _score(page, ind, 1)
    _waiting(page, 1)
    staff = get_user_model().objects.get(username="p-staff")
    pk = assignment.pk
    onsite.inspector_unassign(assignment=assignment, by=staff)

    page.context.set_offline(False)
    problem = page.locator(".offline-problem[data-state=withdrawn]")
    expect(problem).to_contain_text("已撤回或已结束")
    _waiting(page, 1)  # kept until the inspector decides
    kept = _kept_paths(page)
    assert f"/ratings/inspections/{pk}/" not in kept, "an ended assignment is not kept on the device"
    assert "/ratings/inspections/" in kept
    problem.get_by_role("button", name="放弃这项修改").click()
    _waiting(page, 0)
    assert not InspectionScore.objects.filter(indicator=ind).exists()


STORED = """() => Promise.all([
    indexedDB.databases().then(dbs => dbs.map(d => d.name)),
    caches.keys(),
    navigator.serviceWorker.getRegistrations().then(rs => rs.length)])"""


def _assert_kept(page):
    databases, caches, workers = page.evaluate(STORED)
    assert "starfire-offline" in databases
    assert any(k.startswith("starfire-pages-") for k in caches) and workers == 1


def _assert_wiped(page):
    page.wait_for_selector("html[data-wiped='1']")
    databases, caches, workers = page.evaluate(STORED)
    assert "starfire-offline" not in databases
    assert not [k for k in caches if k.startswith("starfire-")]
    assert workers == 0


def test_logging_out_wipes_the_device(phone_page, login_via_form, assignment):
    page = phone_page
    _open(page, login_via_form, assignment)
    _assert_kept(page)
    with page.expect_navigation():
        page.locator("form[action='/logout/'] button").click()
    assert "/login/" in page.url
    _assert_wiped(page)


def test_the_logged_out_page_wipes_the_device_by_itself(phone_page, login_via_form, assignment):
    """For browsers that ignore the logout's Clear-Site-Data header: the page it leads to
    (reached here without the header) deletes everything too."""
    page = phone_page
    _open(page, login_via_form, assignment)
    _assert_kept(page)
    page.goto("/login/?logged_out=1")
    _assert_wiped(page)


def _kept_paths(page) -> list[str]:
    return page.evaluate(
        """() => caches.keys().then(keys => Promise.all(keys.filter(k => k.startsWith('starfire-pages-'))
             .map(k => caches.open(k).then(c => c.keys()))))
             .then(lists => lists.flat().map(r => new URL(r.url).pathname))"""
    )


def test_opening_the_list_drops_the_pages_of_ended_visits(phone_page, login_via_form, assignment):
    page = phone_page
    _open(page, login_via_form, assignment)
    visit = f"/ratings/inspections/{assignment.pk}/"
    assert visit in _kept_paths(page)
    staff = get_user_model().objects.get(username="p-staff")
    onsite.inspector_unassign(assignment=assignment, by=staff)
    page.goto("/ratings/inspections/")
    page.wait_for_selector(READY)
    kept = _kept_paths(page)
    assert "/ratings/inspections/" in kept
    assert visit not in kept
