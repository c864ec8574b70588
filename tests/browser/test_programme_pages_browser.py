"""The pages that came after the rating itself, walked as their users walk them, on a phone and on
a desktop: the 推进会 pack, the follow-up checks and the inspector's visit, 牵手 pairs and their joint
activities, improvement plans, and the case library. Each page fits the screen (wide tables scroll
inside their own box), shows its main action where a thumb reaches it, keeps a bad submit's errors
next to the fields, and reads in English when English is chosen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from programme import cases as case_services
from programme import pairing as pairing_services
from programme import plans as plan_services
from programme.models import ProgrammeSettings
from ratings.models import Award
from ratings.outcomes import followup, promotion
from tests import factories
from tests.browser.test_meetings_browser import fits_width
from tests.ratings.conftest import finalize_results, make_results_cycle

pytestmark = pytest.mark.browser

VIEWPORTS = ["phone", "desktop"]


@pytest.fixture
def world(transactional_db):
    """Last year's final results of a committee, with the programme under way: a pair (the 5★
    branch leads the unstarred one) with a joint activity, an improvement plan of the unstarred
    branch with two actions, a published case with a long title, a follow-up check of the 5★
    award scheduled for an inspector, and a 推进会 with two speakers."""
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="p-staff")
    inspector = factories.InspectorUserFactory(committee=committee, username="p-inspector")
    results = finalize_results(make_results_cycle(committee, staff), staff)
    cycle = results.cycle
    five, none = results.five.party_organization, results.none.party_organization
    weak_secretary = factories.SecretaryUserFactory(party_organization=none, username="p-secretary")
    factories.SecretaryUserFactory(party_organization=five, username="p-strong")
    today = timezone.localdate()

    pairing = pairing_services.pairing_create(
        cycle=cycle,
        strong=five,
        weak=none,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
        goals="三会一课规范化，每季度开展一次联合主题党日",
        by=staff,
    )
    pairing_services.joint_activity_record(
        pairing=pairing,
        by=weak_secretary,
        starts_at=timezone.now() - dt.timedelta(days=3),
        place="社区党群服务中心活动室",
        topic="联合主题党日：学习贯彻党的二十届三中全会精神",
    )

    ProgrammeSettings.objects.update_or_create(committee=committee, defaults={"target_level": 3})
    plan_services.plans_generate(cycle=cycle, by=staff)
    plan = none.improvement_plans.get(cycle=cycle)
    for days, text in ((20, "每月召开支委会并留存会议记录和签到表"), (60, "建立党员积分管理台账")):
        plan_services.plan_action_add(
            plan=plan,
            by=weak_secretary,
            text=text,
            owner="王书记",
            due_on=today + dt.timedelta(days=days),
            indicator_code="1.1",
        )

    indicator = cycle.rubric.indicators().get(code="1.1")
    case = case_services.case_create(
        committee_id=committee.pk,
        party_organization=five,
        title="“三会一课”规范化：支委会台账随会形成、季度联合主题党日制度化",
        text="每月固定支委会，台账随会形成。\n\n每季度与结对支部开展一次联合主题党日，计入双方组织生活。" * 3,
        indicators=[indicator],
        by=staff,
    )
    case_services.case_photo_add(case=case, upload=factories.png_upload(), by=staff)
    for edge in ("submit", "publish"):
        case = case_services.case_transition(case=case, edge=edge, by=staff)

    award = Award.objects.select_related("cycle").get(submission=results.five)
    check = followup.followup_check_open(award=award, trigger="abnormal", note="列入活动异常名录")
    followup.followup_schedule(
        check=check, by=staff, visit_on=today, inspector=inspector, indicators=list(cycle.rubric.indicators())
    )
    followup.followup_score(
        check=check, by=inspector, indicator=indicator, score=Decimal("30"), finding="台账齐全"
    )

    promotion.promotion_meeting_save(
        cycle=cycle, by=staff, heading="星火评星推进会", held_on=today, place="成都市社会组织党建服务中心"
    )
    for key, topic in (("five", "以“三会一课”规范化带动支部建设"), ("four", "党建与业务融合发展")):
        promotion.promotion_speaker_add(
            cycle=cycle,
            by=staff,
            party_organization=getattr(results, key).party_organization,
            speaker="张书记",
            topic=topic,
        )
    return {"cycle": cycle, "pairing": pairing, "plan": plan, "case": case, "check": check}


@pytest.fixture(params=VIEWPORTS)
def page(request, chromium, live_server, transactional_db):
    """A page of the parametrised size (phone first), zh-CN."""
    from tests.browser.conftest import _page_factory

    new, close = _page_factory(request, chromium, live_server)
    yield new(request.param)
    close()


def in_english(page, live_server):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


WIDER_THAN = """(width) => [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > width + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def walk(page, url, screenshot, label, *, status=200):
    """Open `url`, check the page fits the screen and every data table either fits or scrolls in
    its `.table-wrap`, and save a screenshot."""
    response = page.goto(url)
    assert response.status == status, f"{url}: {response.status}"
    # On a phone the layout viewport widens to what sticks out, so compare with the screen's width too.
    width = page.viewport_size["width"]
    wide = page.evaluate(WIDER_THAN, width)
    assert fits_width(page) and not wide, f"{url} scrolls sideways past {width}px: {wide}"
    loose = page.evaluate(
        """() => [...document.querySelectorAll('main table')].filter(t => {
            const wrap = t.closest('.table-wrap');
            return !wrap && t.getBoundingClientRect().right > document.documentElement.clientWidth + 1;
        }).length"""
    )
    assert loose == 0, f"{url}: a table sticks out of the page without a scrolling box"
    screenshot(page, label)


def reachable(locator):
    """The control is shown, inside the screen's width, and big enough to tap (at least 32 px high)."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible()
    box = locator.bounding_box()
    width = locator.page.evaluate("window.innerWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    assert box["height"] >= 32, f"too small to tap: {box}"


def error_next_to(page, field_selector):
    """After a bad submit, the field's error follows the field (in the same paragraph or right after it)."""
    return page.evaluate(
        """(sel) => {
            const field = document.querySelector(sel);
            if (!field) return false;
            const scope = field.closest('p') || field.parentElement;
            let next = field.nextElementSibling;
            while (next && next.matches('.note')) next = next.nextElementSibling;
            return !!(scope.querySelector('.errorlist') || (next && next.matches('.errorlist')));
        }""",
        field_selector,
    )


def test_promotion_pack_editor(page, login_via_form, world, screenshot, live_server):
    cycle = world["cycle"]
    login_via_form(page, "p-staff", factories.PASSWORD)
    url = f"/ratings/results/{cycle.pk}/promotion/"
    walk(page, url, screenshot, "promotion")
    reachable(page.locator("#pack-pdf"))
    reachable(page.locator("#meeting button[type=submit]"))
    reachable(page.locator("#plaques button[type=submit]").first)
    reachable(page.locator("#speakers form.inline button").first)
    assert page.locator("#meeting label", has_text="标题").count() == 1

    page.fill("#meeting input[name=heading]", " ")
    with page.expect_navigation():
        page.locator("#meeting button[type=submit]").click()
    assert error_next_to(page, "#meeting input[name=heading]")
    screenshot(page, "promotion-error")

    in_english(page, live_server)
    walk(page, url, screenshot, "promotion-en")
    assert "推进会" not in page.locator("main").inner_text().replace(cycle.committee.name, "")


def test_followup_pages(page, login_via_form, world, screenshot, live_server):
    cycle, check = world["cycle"], world["check"]
    login_via_form(page, "p-staff", factories.PASSWORD)
    walk(page, f"/ratings/results/{cycle.pk}/followup/", screenshot, "followup-list")
    reachable(page.locator("#draw button[type=submit]"))
    walk(page, f"/ratings/followup/{check.pk}/", screenshot, "followup-check")
    reachable(page.locator("#conclude button[type=submit]"))
    with page.expect_navigation():
        page.locator("#conclude button[type=submit]").click()
    assert page.locator("#conclude .errorlist").count() >= 1
    assert error_next_to(page, "#conclude [name=conclusion]")
    screenshot(page, "followup-check-error")
    in_english(page, live_server)
    walk(page, f"/ratings/followup/{check.pk}/", screenshot, "followup-check-en")
    walk(page, f"/ratings/results/{cycle.pk}/followup/", screenshot, "followup-list-en")


def test_the_inspector_scores_a_followup_visit(page, login_via_form, world, screenshot, live_server):
    check = world["check"]
    login_via_form(page, "p-inspector", factories.PASSWORD)
    url = f"/ratings/followup/{check.pk}/visit/"
    walk(page, url, screenshot, "followup-visit")
    save = page.locator("#score button[type=submit]")
    reachable(save)
    page.select_option("#score [name=indicator]", index=2)
    page.fill("#score [name=score]", "999")
    with page.expect_navigation():
        save.click()
    assert error_next_to(page, "#score [name=score]")
    screenshot(page, "followup-visit-error")
    in_english(page, live_server)
    walk(page, url, screenshot, "followup-visit-en")


def test_pairing_pages_for_staff(page, login_via_form, world, screenshot, live_server):
    pairing = world["pairing"]
    login_via_form(page, "p-staff", factories.PASSWORD)
    walk(page, "/programme/pairings/", screenshot, "pair-list")
    reachable(page.get_by_role("link", name="新建结对"))
    walk(page, f"/programme/pairings/{pairing.pk}/", screenshot, "pair-detail")
    reachable(page.get_by_role("link", name="提前结束"))
    walk(page, "/programme/pairings/new/", screenshot, "pair-create")
    with page.expect_navigation():
        page.get_by_role("button", name="建立结对").click()
    assert error_next_to(page, "#id_goals")
    screenshot(page, "pair-create-error")
    walk(page, f"/programme/pairings/{pairing.pk}/edit/", screenshot, "pair-edit")
    walk(page, f"/programme/pairings/{pairing.pk}/end/", screenshot, "pair-end")
    reachable(page.locator("main form button[type=submit]"))
    in_english(page, live_server)
    walk(page, "/programme/pairings/", screenshot, "pair-list-en")
    walk(page, f"/programme/pairings/{pairing.pk}/", screenshot, "pair-detail-en")


def test_the_secretary_records_a_joint_activity(page, login_via_form, world, screenshot, live_server):
    pairing = world["pairing"]
    login_via_form(page, "p-secretary", factories.PASSWORD)
    walk(page, f"/programme/pairings/{pairing.pk}/", screenshot, "pair-detail-secretary")
    record = page.get_by_role("link", name="记录联合活动")
    reachable(record)
    with page.expect_navigation():
        record.click()
    walk(page, page.url, screenshot, "joint-activity")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert error_next_to(page, "#id_topic")
    screenshot(page, "joint-activity-error")
    in_english(page, live_server)
    walk(page, f"/programme/pairings/{pairing.pk}/activities/new/", screenshot, "joint-activity-en")


def test_improvement_plan_pages(page, login_via_form, world, screenshot, live_server):
    plan = world["plan"]
    login_via_form(page, "p-staff", factories.PASSWORD)
    walk(page, "/programme/plans/", screenshot, "plan-list-staff")
    page.context.clear_cookies()
    login_via_form(page, "p-secretary", factories.PASSWORD)
    walk(page, "/programme/plans/", screenshot, "plan-list")
    url = f"/programme/plans/{plan.pk}/"
    walk(page, url, screenshot, "plan-detail")
    reachable(page.get_by_role("button", name="确认提升计划"))
    add = page.get_by_role("button", name="添加", exact=True)
    reachable(add)
    with page.expect_navigation():
        add.click()
    assert error_next_to(page, "#id_text")
    screenshot(page, "plan-action-error")
    with page.expect_navigation():
        page.get_by_role("button", name="确认提升计划").click()
    walk(page, url, screenshot, "plan-committed")
    reachable(page.get_by_role("button", name="标记完成").first)
    in_english(page, live_server)
    walk(page, url, screenshot, "plan-committed-en")
    walk(page, "/programme/plans/", screenshot, "plan-list-en")


def test_case_pages(page, login_via_form, world, screenshot, live_server):
    case = world["case"]
    walk(page, "/programme/cases/", screenshot, "case-library")
    walk(page, f"/programme/cases/{case.pk}/", screenshot, "case-public")
    login_via_form(page, "p-staff", factories.PASSWORD)
    walk(page, "/programme/cases/manage/", screenshot, "case-list")
    reachable(page.get_by_role("link", name="撰写典型经验"))
    walk(page, f"/programme/cases/manage/{case.pk}/", screenshot, "case-manage")
    reachable(page.get_by_role("button", name="撤回"))
    walk(page, "/programme/cases/manage/new/", screenshot, "case-create")
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    assert error_next_to(page, "#id_title")
    screenshot(page, "case-create-error")
    in_english(page, live_server)
    walk(page, "/programme/cases/", screenshot, "case-library-en")
    walk(page, f"/programme/cases/{case.pk}/", screenshot, "case-public-en")
    walk(page, "/programme/cases/manage/", screenshot, "case-list-en")
