"""Public pages (no login): the 公示 page, the objection form and its confirmation, certificate
verification by QR token and by number. Safe for anonymous visitors: nothing private is shown."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Member
from ratings.models import Award, Cycle, Objection, RatingSettings
from ratings.outcomes.awards import award_downgrade, award_revoke
from ratings.outcomes.objections import client_ip_hash, objection_uphold
from ratings.outcomes.publication import cycle_publish, results_finalize
from ratings.workflow.levels import cycle_recompute_levels
from tests import factories
from tests.captcha_answer import solved

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def pdf_upload(name="evidence.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def anon(client):
    client.logout()
    return client


def publish(results, staff, starts_on=None):
    # A notice that started in the past is published as on its first day (公示 never starts in the past).
    today = min(starts_on, timezone.localdate()) if starts_on else None
    cycle_publish(cycle=results.cycle, by=staff, starts_on=starts_on, today=today)
    return results.refresh()


@pytest.fixture
def published(results_cycle, staff_user):
    return publish(results_cycle, staff_user)


def notice_url(results):
    return reverse("ratings:public-notice", args=[results.cycle.pk])


def objection_url(results, key="four"):
    return reverse("ratings:public-objection", args=[results.cycle.pk, getattr(results, key).pk])


def text(response):
    return response.content.decode()


# --- the 公示 page ---------------------------------------------------------------------------------


def test_the_notice_is_public_and_lists_only_starred_results(anon, published):
    response = anon.get(notice_url(published))
    assert response.status_code == 200
    page = text(response)
    for key, level in (("five", "五星"), ("four", "四星"), ("three", "三星")):
        assert f"<br>{level}</span>" in page
        po = getattr(published, key).party_organization
        assert po.name in page
        assert po.organizations.get().name in page
        assert f'id="result-{getattr(published, key).pk}"' in page
    assert "五星" in page and "四星" in page and "三星" in page
    for key in ("none", "vetoed", "draft"):
        assert getattr(published, key).party_organization.name not in page
    assert "公示中" in page and published.cycle.notice_ends_on.strftime("%Y年") in page
    assert objection_url(published) in page


def test_the_notice_shows_nothing_private(anon, published):
    Objection.objects.create(
        submission=published.four,
        reference="YY-PRIVATE",
        name="举报人王五",
        contact="wangwu@example.com",
        reason="机密理由",
    )
    page = text(anon.get(notice_url(published)))
    names = list(Member.objects.values_list("name", flat=True))
    assert names and not any(name in page for name in names)
    for private in ("举报人王五", "wangwu@example.com", "机密理由", "YY-PRIVATE", "总分", "100.00", "90.00"):
        assert private not in page


@pytest.mark.parametrize("status", [Cycle.Status.DRAFT, Cycle.Status.OPEN])
def test_a_cycle_that_is_not_published_has_no_public_page(anon, results_cycle, status):
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(status=status)
    assert anon.get(notice_url(results_cycle)).status_code == 404
    assert anon.get(objection_url(results_cycle)).status_code == 404


def test_before_and_after_the_period_the_page_says_so_and_offers_no_form(anon, results_cycle, staff_user):
    publish(results_cycle, staff_user, starts_on=timezone.localdate() + dt.timedelta(days=2))
    page = text(anon.get(notice_url(results_cycle)))
    assert "公示期未开始" in page and objection_url(results_cycle) not in page
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(
        notice_starts_on=timezone.localdate() - dt.timedelta(days=9),
        notice_ends_on=timezone.localdate() - dt.timedelta(days=3),
    )
    page = text(anon.get(notice_url(results_cycle)))
    assert "公示期已结束" in page and objection_url(results_cycle) not in page


def test_the_notice_page_takes_a_fixed_number_of_queries(anon, published, committee, staff_user):
    with CaptureQueriesContext(connection) as small:
        assert anon.get(notice_url(published)).status_code == 200
    for i in range(4):
        factories.reviewed_submission(published.cycle, by=staff_user, scores={"1.1": 30 - i})
    cycle_recompute_levels(cycle_id=published.cycle.pk)
    with CaptureQueriesContext(connection) as large:
        response = anon.get(notice_url(published))
    assert text(response).count('class="result"') == 7
    assert len(large) == len(small)


def test_an_upheld_objection_changes_the_public_page(anon, published, staff_user):
    four_name = published.four.party_organization.name
    objection = Objection.objects.create(submission=published.four, reference="YY-1", reason="不实")
    indicator = published.cycle.rubric.indicators().get(code="1.1")
    objection_uphold(objection=objection, by=staff_user, outcome="部分属实", final_scores={indicator.pk: 20})
    page = text(anon.get(notice_url(published)))
    entry = re.search(rf'id="result-{published.four.pk}".*?</li>', page, re.S).group(0)
    assert four_name in entry and "经异议复核调整" in entry
    assert "<br>三星</span>" in entry and "<br>四星" not in entry and "★★★★" not in entry

    objection = Objection.objects.create(submission=published.three, reference="YY-2", reason="已注销")
    veto = published.cycle.rubric.vetoes.get(code="V2")
    objection_uphold(objection=objection, by=staff_user, outcome="属实", veto_item_id=veto.pk)
    page = text(anon.get(notice_url(published)))
    assert published.three.party_organization.name not in page


# --- the objection form -----------------------------------------------------------------------------


def test_anyone_files_an_objection_and_gets_a_reference_number(anon, published):
    response = anon.get(objection_url(published))
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in text(response) and 'enctype="multipart/form-data"' in text(response)
    response = anon.post(
        objection_url(published),
        {
            "name": "张三",
            "contact": "13800138000",
            "reason": "该支部全年只开过一次支委会。",
            "files": [pdf_upload("a.pdf"), pdf_upload("b.pdf")],
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ratings:public-objection-received")
    objection = Objection.objects.get()
    assert (objection.submission_id, objection.name, objection.contact) == (
        published.four.pk,
        "张三",
        "13800138000",
    )
    assert objection.attachments.count() == 2
    assert objection.ip_hash == client_ip_hash("203.0.113.9")
    page = text(anon.get(response["Location"]))
    assert objection.reference in page and "异议已受理" in page
    assert "13800138000" not in page


def test_name_and_contact_are_optional(anon, published):
    response = anon.post(objection_url(published), {"reason": "理由"})
    assert response.status_code == 302
    assert Objection.objects.get().name == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "请写明异议理由"),
        ({"reason": "理" * 2001}, "不能超过2000字"),
        ({"reason": "理由", "name": "名" * 51}, "50"),
        ({"reason": "理由", "contact": "1" * 101}, "100"),
        ({"reason": "理由", "files": "4"}, "附件最多 3 个"),
        ({"reason": "理由", "files": "bad"}, "内容与扩展名"),
    ],
)
def test_a_bad_objection_shows_a_clear_message_and_saves_nothing(anon, published, data, message):
    if data.get("files") == "4":
        data["files"] = [pdf_upload(f"{i}.pdf") for i in range(4)]
    elif data.get("files") == "bad":
        data["files"] = [SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>")]
    data.setdefault("name", "李四")
    response = anon.post(objection_url(published), data)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'value="李四"' in page or "名" * 51 in page  # what was typed is kept
    assert not Objection.objects.exists()


@pytest.mark.parametrize(("offset", "message"), [(2, "公示期未开始"), (-10, "公示期已结束")])
def test_outside_the_period_the_form_is_closed_and_a_post_is_refused(
    anon, results_cycle, staff_user, offset, message
):
    publish(results_cycle, staff_user, starts_on=timezone.localdate() + dt.timedelta(days=offset))
    response = anon.get(objection_url(results_cycle))
    assert response.status_code == 200 and message in text(response)
    assert "<textarea" not in text(response)
    response = anon.post(objection_url(results_cycle), {"reason": "理由"})
    assert response.status_code == 409 and message in text(response)
    assert not Objection.objects.exists()


def test_after_the_results_are_final_the_form_is_closed(anon, published, staff_user):
    results_finalize(
        cycle=published.cycle, by=staff_user, today=published.cycle.notice_ends_on + dt.timedelta(1)
    )
    response = anon.post(objection_url(published), {"reason": "理由"})
    assert response.status_code == 409 and "公示期已结束" in text(response)
    assert not Objection.objects.exists()


@pytest.mark.parametrize("key", ["none", "vetoed", "draft"])
def test_an_unlisted_result_has_no_objection_form(anon, published, key):
    assert anon.get(objection_url(published, key)).status_code == 404
    assert anon.post(objection_url(published, key), {"reason": "理由"}).status_code == 404


def test_a_result_of_another_cycle_is_a_404(anon, published, committee, staff_user):
    from tests.ratings.conftest import make_results_cycle

    other = make_results_cycle(committee, staff_user, year=published.cycle.year - 1)
    url = reverse("ratings:public-objection", args=[published.cycle.pk, other.four.pk])
    assert anon.get(url).status_code == 404


def test_the_rate_limit_gives_a_clear_message(anon, published, committee):
    settings = RatingSettings.for_committee(committee.pk)
    settings.objections_per_ip_per_hour = 2
    settings.save()
    addr = {"REMOTE_ADDR": "198.51.100.4"}
    # The first objection from an address comes without CAPTCHA, later ones answer it.
    first = anon.post(objection_url(published, "five"), {"reason": "理由一"}, **addr)
    assert first.status_code == 302
    url = objection_url(published, "four")
    second = anon.post(url, {"reason": "理由二", **solved(anon, url, **addr)}, **addr)
    assert second.status_code == 302
    url = objection_url(published, "three")
    response = anon.post(url, {"reason": "理由三", **solved(anon, url, **addr)}, **addr)
    assert response.status_code == 429
    assert "提交过于频繁，请一小时后再试" in text(response)
    assert Objection.objects.count() == 2
    # Another address has its own count: its first objection needs no CAPTCHA.
    assert anon.post(url, {"reason": "理由三"}, REMOTE_ADDR="198.51.100.5").status_code == 302


def test_the_objection_form_is_protected_by_csrf(published):
    client = Client(enforce_csrf_checks=True)
    assert client.post(objection_url(published), {"reason": "理由"}).status_code == 403
    assert not Objection.objects.exists()


def test_the_confirmation_page_without_an_objection_shows_nothing(anon):
    response = anon.get(reverse("ratings:public-objection-received"))
    assert response.status_code == 200 and "没有待显示的受理信息" in text(response)


# --- certificate verification -------------------------------------------------------------------------


@pytest.fixture
def awarded(published, staff_user):
    results_finalize(
        cycle=published.cycle, by=staff_user, today=published.cycle.notice_ends_on + dt.timedelta(1)
    )
    return published.refresh()


@pytest.fixture
def award(awarded):
    return Award.objects.select_related("party_organization").get(submission=awarded.four)


def verify_url(award):
    return reverse("ratings:verify", args=[award.token])


def lookup(client, number):
    return client.get(reverse("ratings:verify-lookup"), {"no": number})


def normalised(response):
    """The body without what differs on every request (the CSRF token, the script nonce of the
    Content-Security-Policy) and without the language switcher's return address (base.html
    echoes the visitor's own URL there)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text(response))
    body = re.sub(r' nonce="[^"]*"', "", body)
    return re.sub(r'<input name="next" type="hidden" value="[^"]*">', "", body)


def test_the_qr_target_shows_the_certificate_as_it_stands(anon, award):
    response = anon.get(verify_url(award))
    assert response.status_code == 200
    page = text(response)
    assert award.certificate_no in page and award.party_organization.name in page
    assert award.party_organization.organizations.get().name in page
    assert "四星" in page and str(award.cycle) in page and "有效" in page
    assert 'class="verdict verdict-valid"' in page
    # Valid from its naming until the next naming (it used to show an end date from the cycle's year).
    assert award.valid_from.strftime("%Y-%m-%d") + " 至 下一周期命名之日" in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_verification_page_shows_nothing_private(anon, award):
    page = text(anon.get(verify_url(award)))
    names = list(
        Member.objects.filter(party_organization=award.party_organization).values_list("name", flat=True)
    )
    assert names and not any(name in page for name in names)
    assert "总分" not in page


def test_a_revocation_shows_at_once(anon, award, staff_user):
    award_revoke(award=award, grounds="veto", reason="发生一票否决事项", by=staff_user)
    page = text(anon.get(verify_url(award)))
    assert 'class="verdict verdict-revoked"' in page and "已撤销" in page
    assert "发生一票否决事项" not in page


def test_a_downgrade_shows_the_current_level(anon, award, staff_user):
    award_downgrade(award=award, to_level=2, grounds="rectification", reason="整改逾期", by=staff_user)
    page = text(anon.get(verify_url(award)))
    assert 'class="verdict verdict-downgraded"' in page and "二星" in page and "原授予四星" in page


def test_an_expired_certificate_says_so(anon, award):
    Award.objects.filter(pk=award.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    assert 'class="verdict verdict-expired"' in text(anon.get(verify_url(award)))


def test_a_certificate_is_found_by_its_number(anon, award):
    for typed in (
        award.certificate_no,
        f"  {award.certificate_no} ",
        award.certificate_no.replace("〔", "[").replace("〕", "]"),
        award.certificate_no.replace("〔", "（").replace("〕", "）"),
    ):
        response = lookup(anon, typed)
        assert response.status_code == 200, typed
        assert 'class="verdict verdict-valid"' in text(response)


def test_the_lookup_form_without_a_number_is_just_the_form(anon):
    response = anon.get(reverse("ratings:verify-lookup"))
    assert response.status_code == 200
    assert "未找到该证书" not in text(response) and 'name="no"' in text(response)


def test_anything_unknown_gets_the_same_plain_not_found(anon, award):
    responses = [
        anon.get(reverse("ratings:verify", args=["no-such-token"])),
        anon.get(
            reverse("ratings:verify", args=[award.token[:-1] + ("A" if award.token[-1] != "A" else "B")])
        ),
        anon.get(reverse("ratings:verify", args=["x" * 200])),
        lookup(anon, award.certificate_no.replace("002", "099")),
        lookup(anon, "川社二党委星〔1999〕第001号"),
        lookup(anon, "' OR 1=1 --"),
        lookup(anon, "号" * 500),
    ]
    assert {r.status_code for r in responses} == {404}
    bodies = {normalised(r) for r in responses}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "未找到该证书" in body
    assert award.certificate_no not in body and award.party_organization.name not in body


def test_a_double_submitted_objection_is_filed_once(anon, published):
    from tests.formtoken import token_in

    token = token_in(anon.get(objection_url(published)))
    for _ in range(2):
        response = anon.post(objection_url(published), {"reason": "理由", "form_token": token})
        assert response.status_code == 302
        assert response.url == reverse("ratings:public-objection-received")
    assert Objection.objects.count() == 1


def test_the_objector_looks_the_outcome_up_by_reference_and_sees_nothing_else(
    anon, published, staff_user, monkeypatch
):
    from ratings.outcomes import objections as service

    mine = service.objection_file(
        submission=published.four, reason="理由甲乙丙", name="张三", contact="13800000000"
    )
    other = service.objection_file(submission=published.five, reason="另一条异议", name="李四")
    url = reverse("ratings:public-objection-status")

    pending = text(anon.get(url, {"reference": mine.reference.lower()}))
    assert mine.reference in pending and "待处理" in pending

    service.objection_reject(objection=mine, by=staff_user, outcome="经核查，维持原结果。")
    page = text(anon.get(url, {"reference": mine.reference}))
    assert "不予采纳" in page and "经核查，维持原结果。" in page
    assert published.four.party_organization.name in page
    for secret in ("张三", "13800000000", "理由甲乙丙", "李四", "另一条异议", other.reference):
        assert secret not in page
    assert "未找到该受理编号" in text(anon.get(url, {"reference": "YY2000-000000"}))

    monkeypatch.setattr(service, "LOOKUPS_PER_IP_PER_HOUR", 1)
    assert anon.get(url, {"reference": mine.reference}, REMOTE_ADDR="192.0.2.9").context["found"]
    assert not anon.get(url, {"reference": mine.reference}, REMOTE_ADDR="192.0.2.9").context["found"]


# --- the 公示 page: pages, search, cache ------------------------------------------------------------


def _many_results(published, staff_user, n):
    from ratings.outcomes.publication import public_notice_cache_clear

    for i in range(n):
        po = factories.PartyOrganizationFactory(
            committee=published.cycle.committee, name=f"分页测试党支部{i:03d}"
        )
        factories.reviewed_submission(published.cycle, po, by=staff_user, scores={"1.1": 30})
    cycle_recompute_levels(cycle_id=published.cycle.pk)
    public_notice_cache_clear(published.cycle.pk)


def test_the_notice_is_paged_and_searchable_by_name(anon, published, staff_user):
    from ratings.views.public import NOTICE_PAGE_SIZE

    _many_results(published, staff_user, NOTICE_PAGE_SIZE)  # 3 listed before: 53 in all
    first = text(anon.get(notice_url(published)))
    assert first.count('class="result"') == NOTICE_PAGE_SIZE and "共 53 个党组织" in first
    assert "page=2" in first
    second = text(anon.get(notice_url(published), {"page": 2}))
    assert second.count('class="result"') == 3 and 'start="51"' in second

    found = text(anon.get(notice_url(published), {"q": "分页测试党支部00"}))
    assert found.count('class="result"') == 10 and "找到 10 个" in found
    # by the name of the social organisation the branch is in
    org = published.four.party_organization.organizations.get()
    found = text(anon.get(notice_url(published), {"q": org.name}))
    assert found.count('class="result"') == 1 and f'id="result-{published.four.pk}"' in found
    nothing = text(anon.get(notice_url(published), {"q": "没有这个名字", "page": "x"}))
    assert "没有符合条件的结果" in nothing


def test_the_whole_notice_is_one_page_to_print_and_the_paged_one_says_it_is_partial(
    anon, published, staff_user, monkeypatch
):
    from ratings.views import public
    from ratings.views.public import NOTICE_PAGE_SIZE

    small = text(anon.get(notice_url(published)))  # 3 results: one page, nothing to add
    assert "all=1" not in small and 'id="print-partial"' not in small
    _many_results(published, staff_user, NOTICE_PAGE_SIZE)  # 53 in all
    first = text(anon.get(notice_url(published)))
    assert f'href="{notice_url(published)}?all=1#list"' in first  # the way to the whole list
    assert 'id="print-partial"' in first and "本页列出第 1–50 个，共 53 个" in first  # said on paper
    whole = text(anon.get(notice_url(published), {"all": "1"}))
    assert whole.count('class="result"') == 53
    assert 'id="print-partial"' not in whole and "page=2" not in whole
    assert f'href="{notice_url(published)}#list"' in whole  # back to the paged list
    # with a search, the whole list is the whole of what was found
    found = text(anon.get(notice_url(published), {"q": "分页测试党支部", "all": "1"}))
    assert found.count('class="result"') == 53 - 3
    # a list longer than the whole page is paged too, each page saying it is one of several
    monkeypatch.setattr(public, "NOTICE_WHOLE_PAGE_SIZE", 40)
    paged = text(anon.get(notice_url(published), {"all": "1", "page": "2"}))
    assert (
        paged.count('class="result"') == 13 and "本页列出第 41–53 个，共 53 个；其余各页须分别打印" in paged
    )
    assert "all=1&amp;page=1" in paged or "all=1&page=1" in paged  # its page links keep all=1


def test_the_search_is_kept_across_pages(anon, published, staff_user):
    _many_results(published, staff_user, 55)
    page = text(anon.get(notice_url(published), {"q": "分页测试"}))
    assert "?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&page=2" in page
    second = anon.get(notice_url(published), {"q": "分页测试", "page": 2})
    assert text(second).count('class="result"') == 5


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        body = text(client.get(url))
    return len(queries), body  # counted at once: the connection keeps only the latest queries


def test_the_cached_page_takes_fewer_queries_and_the_same_for_more_results(anon, published, staff_user):
    uncached, _body = _queries(anon, notice_url(published))
    cached, first = _queries(anon, notice_url(published))
    assert cached < uncached
    _many_results(published, staff_user, 50)
    anon.get(notice_url(published))
    cached_large, body = _queries(anon, notice_url(published))
    assert body != first and body.count('class="result"') == 50
    assert cached_large == cached


def _rename_directly(submission, name):
    """A change that none of the services makes (and so nothing clears the cache for)."""
    from branches.models import PartyOrganization

    PartyOrganization.objects.filter(pk=submission.party_organization_id).update(name=name)


def test_an_objection_outcome_clears_the_cached_page(anon, published, staff_user):
    from ratings.outcomes.objections import objection_reject

    assert "改名后的党支部" not in text(anon.get(notice_url(published)))
    _rename_directly(published.five, "改名后的党支部")
    assert "改名后的党支部" not in text(anon.get(notice_url(published)))  # served from the cache
    objection = Objection.objects.create(submission=published.four, reference="YY-C1", reason="不实")
    objection_reject(objection=objection, by=staff_user, outcome="经核查不属实")
    assert "改名后的党支部" in text(anon.get(notice_url(published)))


def test_publishing_clears_the_cached_page(results_cycle, staff_user):
    from ratings.outcomes.publication import public_notice_cache_key

    cycle = results_cycle.cycle
    before = public_notice_cache_key(cycle.pk, "open", "zh-hans", "1", "")
    cache.set(before, "一份旧的名单")
    publish(results_cycle, staff_user)
    assert public_notice_cache_key(cycle.pk, "open", "zh-hans", "1", "") != before


def test_finalizing_clears_the_cached_page(published, staff_user):
    from ratings.outcomes.publication import public_notice_cache_key

    before = public_notice_cache_key(published.cycle.pk, "x")
    results_finalize(
        cycle=published.cycle, by=staff_user, today=published.cycle.notice_ends_on + dt.timedelta(days=1)
    )
    assert public_notice_cache_key(published.cycle.pk, "x") != before
