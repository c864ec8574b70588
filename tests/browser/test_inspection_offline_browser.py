"""An inspection with no signal (static/js/offline.js, the service worker of
ratings/views/offline.py): the browser context goes offline, the work waits on the device
(IndexedDB), survives a reload served by the service worker, and reaches the server through the
API when the network is back — conflicts and withdrawn assignments shown, never lost; a change kept
on the device counts as scored in the sign-off's warning; logging out wipes the device, but asks
first while changes are still waiting."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from ratings.models import InspectionPhoto, InspectionScore, Status
from ratings.workflow import onsite, panel
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


def test_sign_off_waits_online_until_every_change_is_settled(phone_page, login_via_form, assignment):
    """Online, a change still waiting on the device (here a conflict the inspector has not
    resolved) keeps the sign-off refused; once resolved, the sign-off asks as usual."""
    page = phone_page
    _open(page, login_via_form, assignment)
    _conflict(page, assignment, _indicators(assignment)[0])

    asked = []  # the confirmations the page opened, each dismissed
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#sign-off button[type=submit]").click()
    expect(page.locator("#offline-message")).to_contain_text("还有修改未同步到服务器")
    assert asked == []  # refused before any confirmation
    assignment.refresh_from_db()
    assert assignment.signed_off_at is None

    page.get_by_role("button", name="采用服务器上的").click()
    _waiting(page, 0)
    page.locator("#sign-off button[type=submit]").click()
    for _ in range(20):  # the usual confirmation, now that nothing waits
        if asked:
            break
        page.wait_for_timeout(100)
    assert len(asked) == 1, asked
    assignment.refresh_from_db()
    assert assignment.signed_off_at is None  # dismissed


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


WARNING = "#sign-off [data-unscored-warning]"


def test_a_score_kept_on_the_device_counts_as_scored_also_after_a_reload(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    _open(page, login_via_form, assignment)
    inds = _indicators(assignment)
    total = len(inds)
    count = page.locator(f"{WARNING} [data-unscored-count]")
    links = page.locator(f"{WARNING} [data-unscored-list] a")
    expect(count).to_have_text(f"还有 {total} 个指标未评分：")

    page.context.set_offline(True)
    _score(page, inds[0], inds[0].max_score)
    _score(page, inds[2], inds[2].max_score)
    _waiting(page, 2)
    expect(count).to_have_text(f"还有 {total - 2} 个指标未评分：")
    expect(links).to_have_count(total - 2)
    expect(links.first).to_have_attribute("href", f"#ind-{inds[1].pk}")
    for ind in (inds[0], inds[2]):
        expect(page.locator(f"{WARNING} a[href='#ind-{ind.pk}']")).to_have_count(0)
    expect(page.locator("[data-next-unscored]")).to_have_attribute("href", f"#ind-{inds[1].pk}")
    expect(page.locator("[data-progress]")).to_have_text("2")

    page.reload()  # still offline: the page kept from before the changes, with the changes on the device
    _waiting(page, 2)
    expect(count).to_have_text(f"还有 {total - 2} 个指标未评分：")
    expect(links).to_have_count(total - 2)
    expect(page.locator("[data-progress]")).to_have_text("2")
    expect(page.locator("[data-next-unscored]")).to_have_attribute("href", f"#ind-{inds[1].pk}")
    screenshot(page, "offline-warning")

    _score(page, inds[0], "")  # cleared again, still without network
    _waiting(page, 2)
    expect(count).to_have_text(f"还有 {total - 1} 个指标未评分：")
    expect(links.first).to_have_attribute("href", f"#ind-{inds[0].pk}")

    page.context.set_offline(False)
    _waiting(page, 0)
    page.reload()  # the server agrees
    expect(count).to_have_text(f"还有 {total - 1} 个指标未评分：")
    expect(links.first).to_have_attribute("href", f"#ind-{inds[0].pk}")
    expect(page.locator(f"{WARNING} a[href='#ind-{inds[2].pk}']")).to_have_count(0)


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


LOGOUT = "form[action='/logout/'] button"
GUARD = "#logout-guard"


def test_logging_out_wipes_the_device(phone_page, login_via_form, assignment):
    page = phone_page
    _open(page, login_via_form, assignment)
    _assert_kept(page)
    _waiting(page, 0)
    with page.expect_navigation():  # nothing waiting: no question
        page.locator(LOGOUT).click()
    assert "/login/" in page.url
    _assert_wiped(page)


def _conflict(page, assignment, ind):
    """A change that stays on the device with the network there: a conflict the inspector has not
    resolved yet (the score was changed from another device meanwhile)."""
    page.context.set_offline(True)
    _score(page, ind, 1, "我的意见")
    _waiting(page, 1)
    onsite.inspection_score_save(
        assignment=assignment, indicator_id=ind.pk, score=Decimal("0.5"), finding="另一台设备",
        by=assignment.inspector,
    )  # fmt: skip
    page.context.set_offline(False)
    expect(page.locator(".offline-problem[data-state=conflict]")).to_have_count(1)
    _waiting(page, 1)


def test_logging_out_with_changes_waiting_asks_first_and_staying_keeps_them(
    phone_page, login_via_form, assignment, screenshot
):
    page = phone_page
    _open(page, login_via_form, assignment)
    inds = _indicators(assignment)[:2]
    page.context.set_offline(True)
    for ind in inds:
        _score(page, ind, 1)
    _waiting(page, 2)
    guard = page.locator(GUARD)
    expect(guard).to_be_hidden()

    page.locator(LOGOUT).click()
    expect(guard).to_be_visible()
    expect(guard).to_have_attribute("open", "")
    expect(guard.get_by_role("heading")).to_have_text("还有修改没有同步")
    expect(guard.locator("[data-logout-waiting]")).to_have_text(
        "本机还有 2 项修改没有同步到服务器。现在退出会删除本机保存的验收资料，这些修改将丢失。"
    )
    stay = guard.get_by_role("button", name="留下，先同步")
    expect(stay).to_be_focused()  # focus is in the question, on the choice that loses nothing
    assert page.evaluate("document.activeElement.closest('dialog[open]') !== null")
    expect(page.get_by_role("dialog", name="还有修改没有同步")).to_be_visible()
    expect(guard.get_by_role("button", name="仍然退出，放弃这些修改")).to_be_visible()
    screenshot(page, "logout-question")

    stay.click()
    expect(guard).to_be_hidden()
    assert page.url.endswith(f"/ratings/inspections/{assignment.pk}/"), "still on the visit"
    _waiting(page, 2)
    _assert_kept(page)

    page.locator(LOGOUT).click()  # Escape is staying too
    expect(guard).to_be_visible()
    page.keyboard.press("Escape")
    expect(guard).to_be_hidden()
    _waiting(page, 2)

    page.context.set_offline(False)  # the changes are sent; then the logout needs no question
    _waiting(page, 0)
    assert InspectionScore.objects.filter(assignment=assignment).count() == 2
    with page.expect_navigation():
        page.locator(LOGOUT).click()
    assert "/login/" in page.url
    _assert_wiped(page)


def test_logging_out_anyway_discards_the_waiting_change_and_wipes_the_device(
    phone_page, login_via_form, assignment
):
    page = phone_page
    _open(page, login_via_form, assignment)
    ind = _indicators(assignment)[0]
    _conflict(page, assignment, ind)
    page.locator(LOGOUT).click()
    guard = page.locator(GUARD)
    expect(guard.locator("[data-logout-waiting]")).to_have_text(
        "本机还有 1 项修改没有同步到服务器。现在退出会删除本机保存的验收资料，这项修改将丢失。"
    )
    with page.expect_navigation():
        guard.get_by_role("button", name="仍然退出，放弃这些修改").click()
    assert "/login/" in page.url
    _assert_wiped(page)
    saved = InspectionScore.objects.get(assignment=assignment, indicator=ind)
    assert (saved.score, saved.finding) == (Decimal("0.5"), "另一台设备"), "the change was discarded"


def test_the_question_comes_on_any_page_and_staying_leads_to_where_changes_are_sent(
    phone_page, login_via_form, assignment
):
    page = phone_page
    _open(page, login_via_form, assignment)
    _conflict(page, assignment, _indicators(assignment)[0])
    page.goto("/notifications/")  # no offline box here
    page.locator(LOGOUT).click()
    guard = page.locator(GUARD)
    expect(guard).to_be_visible()
    expect(guard.locator("[data-logout-waiting]")).to_contain_text("本机还有 1 项修改")
    with page.expect_navigation():
        guard.get_by_role("button", name="留下，先同步").click()
    assert page.url.endswith("/ratings/inspections/")
    _waiting(page, 1)  # still there, shown with its conflict to resolve
    expect(page.locator(".offline-problem[data-state=conflict]")).to_have_count(1)


# A change and the logout in the same moment: the change's save has not even started (it waits
# for the inspector's pause) when the logout is asked for.
CHANGE_AND_LOG_OUT = """(id) => {
  const field = document.getElementById("score-" + id);
  field.value = "1";
  field.dispatchEvent(new Event("change", { bubbles: true }));
  document.querySelector("form[action='/logout/'] button").click();
}"""


def test_a_change_made_offline_just_before_logging_out_is_counted_in_the_question(
    phone_page, login_via_form, assignment
):
    page = phone_page
    _open(page, login_via_form, assignment)
    ind = _indicators(assignment)[0]
    page.context.set_offline(True)
    _waiting(page, 0)
    page.evaluate(CHANGE_AND_LOG_OUT, ind.pk)
    guard = page.locator(GUARD)
    expect(guard).to_be_visible()
    expect(guard.get_by_role("heading")).to_have_text("还有修改没有同步")
    expect(guard.locator("[data-logout-waiting]")).to_have_text(
        "本机还有 1 项修改没有同步到服务器。现在退出会删除本机保存的验收资料，这项修改将丢失。"
    )
    guard.get_by_role("button", name="留下，先同步").click()
    _waiting(page, 1)  # kept on the device, sent when the network is back
    page.context.set_offline(False)
    _waiting(page, 0)
    assert InspectionScore.objects.get(assignment=assignment, indicator=ind).score == Decimal("1")


def test_a_change_made_online_just_before_logging_out_is_saved_before_the_logout(
    phone_page, login_via_form, assignment
):
    page = phone_page
    _open(page, login_via_form, assignment)
    ind = _indicators(assignment)[0]
    _waiting(page, 0)
    with page.expect_navigation():  # saved, so nothing waits: no question
        page.evaluate(CHANGE_AND_LOG_OUT, ind.pk)
    assert "/login/" in page.url
    _assert_wiped(page)
    assert InspectionScore.objects.get(assignment=assignment, indicator=ind).score == Decimal("1")


def test_a_device_that_cannot_tell_asks_with_a_general_warning(phone_page, login_via_form, assignment):
    page = phone_page
    login_via_form(page, "p-inspector1", factories.PASSWORD)
    page.goto("/notifications/")
    guard = page.locator(GUARD)
    unknown = "无法确认本机是否还有修改等待同步。现在退出会删除本机保存的验收资料，尚未同步的修改可能丢失。"

    page.evaluate(
        "() => { IDBFactory.prototype.open = () => { throw new DOMException('broken', 'UnknownError'); }; }"
    )
    page.locator(LOGOUT).click()  # the queue cannot be read
    expect(guard).to_be_visible()
    expect(guard.get_by_role("heading")).to_have_text("可能还有修改没有同步")
    expect(guard.locator("[data-logout-waiting]")).to_have_text(unknown)
    page.keyboard.press("Escape")
    expect(guard).to_be_hidden()

    page.reload()
    page.evaluate("() => { window.StarfireInspection = { settled: () => new Promise(() => {}) }; }")
    page.locator(LOGOUT).click()  # a save that never ends: asked after a few seconds
    expect(guard).to_be_visible(timeout=10_000)
    expect(guard.locator("[data-logout-waiting]")).to_have_text(unknown)
    with page.expect_navigation():
        guard.get_by_role("button", name="仍然退出，放弃这些修改").click()
    assert "/login/" in page.url


def test_without_scripts_logging_out_works_as_before(chromium, live_server, assignment):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", "p-inspector1")
        page.fill("#id_password", factories.PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")  # the header's language form has a button here
        page.goto(f"/ratings/inspections/{assignment.pk}/")
        assert "/login/" not in page.url
        expect(page.locator(GUARD)).to_be_hidden()
        expect(page.locator(f"{WARNING} [data-unscored-count]")).to_have_text("还有 24 个指标未评分：")
        with page.expect_navigation():
            page.locator(LOGOUT).click()
        assert "/login/?logged_out=1" in page.url
        page.goto(f"/ratings/inspections/{assignment.pk}/")
        assert "/login/" in page.url, "logged out"
    finally:
        context.close()


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


@pytest.mark.parametrize("ending", ["withdrawn", "sent back"])
def test_opening_the_list_drops_the_pages_of_ended_visits(phone_page, login_via_form, assignment, ending):
    """A visit ends when the assignment is withdrawn, or when its submission is sent back to the
    preliminary check (the assignment stays, unsigned, but is no longer a visit to make)."""
    page = phone_page
    _open(page, login_via_form, assignment)
    visit = f"/ratings/inspections/{assignment.pk}/"
    assert visit in _kept_paths(page)
    staff = get_user_model().objects.get(username="p-staff")
    if ending == "withdrawn":
        onsite.inspector_unassign(assignment=assignment, by=staff)
    else:
        panel.submission_reopen(submission=assignment.submission, by=staff, reason="材料需补充，退回初核")
        assignment.submission.refresh_from_db()
        assert assignment.submission.status == Status.SUBMITTED
    page.goto("/ratings/inspections/")
    page.wait_for_selector(READY)
    kept = _kept_paths(page)
    assert "/ratings/inspections/" in kept
    assert visit not in kept


QUEUED_USERS = """() => new Promise(resolve => {
    const request = indexedDB.open('starfire-offline');
    request.onerror = () => resolve(null);
    request.onsuccess = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('queue')) { db.close(); resolve([]); return; }
        const all = db.transaction('queue').objectStore('queue').getAll();
        all.onsuccess = () => { db.close(); resolve(all.result.map(item => String(item.user))); };
    };
})"""


def test_another_inspector_on_the_same_device_finds_nothing_of_the_first(
    phone_page, login_via_form, assignment
):
    """The session ends without a logout (it expired) and a colleague logs in on the same phone:
    the first inspector's kept pages and waiting changes are gone before the colleague sees anything."""
    page = phone_page
    _open(page, login_via_form, assignment)
    _conflict(page, assignment, _indicators(assignment)[0])  # a change stays on the device
    visit = f"/ratings/inspections/{assignment.pk}/"
    assert visit in _kept_paths(page)
    assert page.evaluate(QUEUED_USERS) == [str(assignment.inspector_id)]

    page.context.clear_cookies()
    login_via_form(page, "p-inspector2", factories.PASSWORD)
    page.goto("/ratings/inspections/")
    page.wait_for_selector(READY)
    assert visit not in _kept_paths(page)
    assert str(assignment.inspector_id) not in (page.evaluate(QUEUED_USERS) or [])
