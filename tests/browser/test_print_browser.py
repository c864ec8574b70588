"""The pages people print, printed by Chromium to A4 PDF: the 公示 notice, a submission's review
record and the results list. What is on paper is read back with pdftotext: the title, the rows and
the accepting office are there; the navigation, buttons, forms and paging are not. Each page is also
rendered to PNG in test-artifacts/ (pdftoppm) for a person to look at."""

import shutil
import subprocess

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ratings.models import Status, Submission
from ratings.outcomes.publication import cycle_publish, listed_results
from ratings.workflow import cycle_setup
from ratings.workflow.levels import cycle_recompute_levels
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.ratings.conftest import RatingFlow, make_results_cycle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
        reason="pdftotext and pdftoppm (poppler-utils) are not installed",
    ),
]

EXTRA_BRANCHES = 60  # enough rows for the lists to run over more than one A4 page
NAV_LABELS = ["覆盖情况", "测评标准", "组织生活", "会议记录", "管理后台", "退出", "English"]


@pytest.fixture
def world(transactional_db):
    committee = factories.CommitteeFactory(
        name="四川省社会组织第二综合党委",
        short_name="川社二党委",
        office_name="组织宣传部",
        office_address="成都市武侯区人民南路四段1号",
        office_phone="028-85550000",
    )
    staff = factories.StaffUserFactory(committee=committee, username="print-staff")
    rc = make_results_cycle(committee, staff)
    for n in range(EXTRA_BRANCHES):
        po = factories.PartyOrganizationFactory(committee=committee, name=f"打印测试第{n + 1:02d}党支部")
        factories.reviewed_submission(rc.cycle, po, by=staff)
    cycle_recompute_levels(cycle_id=rc.cycle.pk)
    published = cycle_publish(cycle=rc.cycle, by=staff)

    # This year's cycle: one submission inspected by two inspectors, its review still open (forms).
    inspectors = [
        factories.InspectorUserFactory(committee=committee, username=f"print-insp{i}") for i in (1, 2)
    ]
    po = factories.PartyOrganizationFactory(committee=committee, name="评审记录测试党支部", with_members=3)
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=rc.cycle.rubric, year=rc.cycle.year + 1),
        by=staff,
    )
    sub = RatingFlow(staff, inspectors).drive(
        Submission.objects.get(cycle=cycle, party_organization=po), Status.INSPECTED
    )
    return {"staff": staff, "committee": committee, "published": published, "sub": sub, "rc": rc}


def _print(context, url, name, tmp_path) -> str:
    """Print `url` as Chromium does for paper; the text of the PDF (pages separated by form feeds)."""
    page = context.new_page()
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    page.emulate_media(media="print")
    pdf = tmp_path / f"{name}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / f"print-{name}")], check=True, timeout=60
    )
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in size, size
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _context(chromium, live_server, user=None):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def _assert_no_chrome(text: str):
    for label in NAV_LABELS + ["星火评星 · 社会组织党组织星级评定"]:  # the navigation and the footer
        assert label not in text, f"{label!r} is printed"


def test_the_public_notice_prints_its_official_text_dates_office_and_every_row(
    chromium, live_server, world, tmp_path
):
    cycle = world["published"]
    context = _context(chromium, live_server)
    text = _print(context, reverse("ratings:public-notice", args=[cycle.pk]), "notice", tmp_path)
    context.close()
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    assert f"{cycle}结果公示" in text
    assert "经党组织自评申报、实地验收和集中评审" in text
    start, end = cycle.notice_starts_on, cycle.notice_ends_on
    assert (
        f"{start.year}年{start.month}月{start.day}日" in text
        and f"{end.year}年{end.month}月{end.day}日" in text
    )
    for office in ("受理单位", "组织宣传部", "成都市武侯区人民南路四段1号", "028-85550000"):
        assert office in text
    # the page of the list on screen (50 rows), every row whole, and the paper says it is a part
    listed = listed_results(cycle).count()
    assert listed > 50
    assert "打印测试第01党支部" in text and "打印测试第49党支部" in text
    assert text.count("所在社会组织") == 50
    assert f"本页列出第1–50个，共{listed}个" in "".join(text.split())
    assert text.count("提出异议") == 1  # in the notice's text; no link per row
    for chrome in ("查找", "按名称查找", "下一页", "星级证书查询核验", "显示完整名单"):
        assert chrome not in text, f"{chrome!r} is printed"
    _assert_no_chrome(text)


def test_the_whole_public_notice_prints_every_row(chromium, live_server, world, tmp_path):
    cycle = world["published"]
    listed = listed_results(cycle).count()
    assert listed > 50  # more than one page on screen
    context = _context(chromium, live_server)
    page = context.new_page()
    page.goto(reverse("ratings:public-notice", args=[cycle.pk]))
    page.get_by_role("link", name="显示完整名单（用于打印）").click()  # the way to it from the paged list
    assert "all=1" in page.url
    whole_url = page.url.removeprefix(live_server.url)
    page.close()
    text = _print(context, whole_url, "notice-whole", tmp_path)
    context.close()
    assert f"{cycle}结果公示" in text and "经党组织自评申报、实地验收和集中评审" in text
    assert text.count("所在社会组织") == listed  # every listed row, on as many A4 pages as it takes
    for n in range(1, EXTRA_BRANCHES + 1):
        assert f"打印测试第{n:02d}党支部" in text
    assert "本页列出" not in text  # nothing left out, so nothing to say
    for chrome in ("查找", "下一页", "返回分页显示", "显示完整名单"):
        assert chrome not in text, f"{chrome!r} is printed"
    _assert_no_chrome(text)


def test_the_results_list_prints_every_row_with_the_header_on_each_page(
    chromium, live_server, world, tmp_path
):
    cycle = world["published"]
    context = _context(chromium, live_server, world["staff"])
    text = _print(context, reverse("ratings:cycle-results", args=[cycle.pk]), "results", tmp_path)
    context.close()
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert str(cycle) in pages[0]
    table_pages = [p for p in pages if "党支部" in p]
    assert len(table_pages) >= 2
    for page in table_pages:  # the table's header repeated on every page it runs over
        assert "建议星级" in page and "证书编号" in page, page[:400]
    for n in range(1, EXTRA_BRANCHES + 1):
        assert f"打印测试第{n:02d}党支部" in text
    for chrome in ("发布公示", "确定结果", "批量下载证书", "公示页面"):
        assert chrome not in text, f"{chrome!r} is printed"
    _assert_no_chrome(text)


def test_the_review_record_prints_scores_without_its_forms(chromium, live_server, world, tmp_path):
    sub = world["sub"]
    context = _context(chromium, live_server, world["staff"])
    text = _print(context, reverse("ratings:review", args=[sub.pk]), "review", tmp_path)
    context.close()
    assert "集中评审" in text and "评审记录测试党支部" in text
    assert "print-insp1" in text and "print-insp2" in text  # a column per inspector
    for ind in sub.cycle.rubric.indicators():
        assert ind.code in text
    assert "合计" in text
    for chrome in ("保存", "须填写调整理由", "完成评审会", "登记或查看集中评审会", "审计记录", "申报详情"):
        assert chrome not in text, f"{chrome!r} is printed"
    _assert_no_chrome(text)
