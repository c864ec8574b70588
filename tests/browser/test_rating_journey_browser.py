"""The whole 星火 journey in a browser: the secretary fills in and submits the self-assessment;
staff accept it and assign two inspectors; an inspector records results on a phone; staff
review and see the proposed star level with its explanation."""

import struct
import zlib

import pytest
from django.utils import timezone

from ratings.models import Indicator, InspectionAssignment, Status, Submission
from ratings.workflow import cycle_setup, onsite
from tests import factories

pytestmark = pytest.mark.browser


def _png() -> bytes:
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"  # one red pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def journey(transactional_db):
    committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委", short_name="川社二党委")
    staff = factories.StaffUserFactory(committee=committee, username="j-staff")
    po = factories.PartyOrganizationFactory(
        committee=committee, name="成都市武侯社区发展基金会党支部", with_members=5
    )
    secretary = factories.SecretaryUserFactory(party_organization=po, username="j-secretary")
    inspectors = [
        factories.InspectorUserFactory(
            committee=committee, username=f"j-inspector{i}", display_name=f"验收员{i}"
        )
        for i in (1, 2)
    ]
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=factories.make_rubric(committee), year=2024),
        by=staff,
    )
    submission = Submission.objects.get(cycle=cycle, party_organization=po)
    return {"staff": staff, "secretary": secretary, "inspectors": inspectors, "submission": submission}


def _save_scores(page, scores, url_part):
    for indicator, value in scores.items():
        box = page.locator(f"#ind-{indicator.pk}") if page.locator(f"#ind-{indicator.pk}").count() else page
        field = (
            box.locator("input[name=score]") if box is not page else page.locator(f"#score-{indicator.pk}")
        )
        field.fill(str(value))
        form = field.locator("xpath=ancestor::form[1]")
        with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
            form.get_by_role("button", name="保存").click()


def test_the_whole_rating_journey(chromium, live_server, login_via_form, journey, screenshot):
    sub = journey["submission"]
    indicators = list(Indicator.objects.filter(category__rubric=sub.cycle.rubric).order_by("order"))
    page = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    ).new_page()
    page.on("dialog", lambda d: d.accept())

    # 1. The secretary scores every indicator, uploads evidence where required, and submits.
    login_via_form(page, "j-secretary", factories.PASSWORD)
    page.goto(f"/ratings/my/{sub.pk}/")
    _save_scores(page, {ind: ind.max_score - 2 for ind in indicators}, "/scores/")
    for ind in indicators:
        if ind.evidence_required:
            box = page.locator(f"#ind-{ind.pk}")
            box.locator("input[type=file]").set_input_files(
                {"name": "现场照片.png", "mimeType": "image/png", "buffer": _png()}
            )
            with page.expect_navigation():
                box.get_by_role("button", name="上传").click()
    screenshot(page, "1-self-assessment")
    with page.expect_navigation():
        page.get_by_role("button", name="提交自评").click()
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED

    # 2. Staff accept it and assign two inspectors.
    page.context.clear_cookies()
    login_via_form(page, "j-staff", factories.PASSWORD)
    page.goto(f"/ratings/submissions/{sub.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="初核通过，进入实地验收").click()
    with page.expect_navigation():
        page.get_by_role("button", name="确认初核通过").click()
    for inspector in journey["inspectors"]:
        page.locator("#inspectors select[name=inspector]").select_option(label=str(inspector))
        with page.expect_navigation():
            page.locator("#inspectors").get_by_role("button", name="分配").click()
    assert InspectionAssignment.objects.filter(submission=sub).count() == 2
    screenshot(page, "2-staff-assigned")

    # 3. Inspector 1 records results on a phone and signs off.
    phone = page.context.browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        viewport={"width": 390, "height": 844},
    ).new_page()
    phone.on("dialog", lambda d: d.accept())
    login_via_form(phone, "j-inspector1", factories.PASSWORD)
    mine = InspectionAssignment.objects.get(submission=sub, inspector=journey["inspectors"][0])
    phone.goto(f"/ratings/inspections/{mine.pk}/")
    _save_scores(phone, {ind: ind.max_score - 1 for ind in indicators}, "/score/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "3-inspector-phone")
    with phone.expect_navigation():
        phone.get_by_role("button", name="签字确认验收结果").click()
    # Inspector 2 works independently (through the same services the page uses).
    other = InspectionAssignment.objects.get(submission=sub, inspector=journey["inspectors"][1])
    for ind in indicators:
        onsite.inspection_score_save(
            assignment=other,
            indicator_id=ind.pk,
            score=ind.max_score - 3,
            finding="",
            by=journey["inspectors"][1],
        )
    onsite.inspection_sign_off(assignment=other, by=journey["inspectors"][1])
    sub.refresh_from_db()
    assert sub.status == Status.INSPECTED

    # 4. Staff record the panel session, complete the review in it and see the proposed star.
    page.goto(f"/ratings/cycles/{sub.cycle_id}/review-sessions/")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_chair", "张组长")
    page.fill("#id_members", "张组长\n李委员\n王委员")
    with page.expect_navigation():
        page.get_by_role("button", name="登记").click()
    assert "张组长" in page.locator("#session-record").inner_text()
    page.goto(f"/ratings/review/{sub.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="完成评审").click()
    sub.refresh_from_db()
    assert sub.status == Status.REVIEWED
    body = page.locator("main").inner_text()
    assert sub.level_explanation and sub.level_explanation.split("；")[0] in body
    assert f"总分 {sub.total.normalize():f}" in sub.level_explanation
    screenshot(page, "4-review")
