"""The public objection form against spam, behind the reverse proxy: per-visitor limits (the
address from core.clientip, counted in the shared cache), a honeypot, a CAPTCHA from an address's
second objection on, and one filing of the same text per address and notice. Each refusal writes
nothing."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from branches.models import AuditEntry
from core.models import FormToken
from ratings.models import Objection, ObjectionAttachment, RatingSettings
from ratings.outcomes.objections import client_ip_hash
from ratings.outcomes.publication import cycle_publish
from tests.captcha_answer import captcha_key, solved, wrong
from tests.formtoken import token_in

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the reverse proxy, as REMOTE_ADDR of every request


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(results_cycle, staff_user):
    cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    return results_cycle.refresh()


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def url_for(published, key="four"):
    return reverse("ratings:public-objection", args=[published.cycle.pk, getattr(published, key).pk])


def visitor(address, proxy=PROXY):
    """A browser behind the proxy: the proxy is the peer, the visitor's address is appended."""
    return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address)


def rows():
    return (
        Objection.objects.count(),
        ObjectionAttachment.objects.count(),
        AuditEntry.objects.filter(action="objection.file").count(),
    )


def text(response):
    return response.content.decode()


def pdf():
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile("evidence.pdf", body, content_type="application/pdf")


# --- the limit, per visitor behind the proxy --------------------------------------------------------


def test_visitors_behind_the_proxy_have_their_own_limits(published, committee, behind_proxy):
    limits = RatingSettings.for_committee(committee.pk)
    limits.objections_per_ip_per_hour = 1
    limits.save()
    alice, bob = visitor("203.0.113.10"), visitor("203.0.113.20")

    assert alice.post(url_for(published, "five"), {"reason": "甲的理由"}).status_code == 302
    url = url_for(published, "four")
    over = alice.post(url, {"reason": "甲的第二条理由", **solved(alice, url)})
    assert over.status_code == 429 and "提交过于频繁" in text(over)
    # Bob shares the proxy's REMOTE_ADDR but not Alice's count: his first objection goes through.
    assert bob.post(url, {"reason": "乙的理由"}).status_code == 302
    assert Objection.objects.filter(ip_hash=client_ip_hash("203.0.113.20")).count() == 1
    assert Objection.objects.filter(ip_hash=client_ip_hash(PROXY)).count() == 0


def test_one_visitor_through_two_proxy_nodes_has_one_limit(published, committee, behind_proxy):
    limits = RatingSettings.for_committee(committee.pk)
    limits.objections_per_ip_per_hour = 1
    limits.save()
    first, second = visitor("203.0.113.10", proxy="10.0.0.1"), visitor("203.0.113.10", proxy="10.0.0.2")

    assert first.post(url_for(published, "five"), {"reason": "第一条理由"}).status_code == 302
    url = url_for(published, "four")
    assert captcha_key(second.get(url)), "the count is the visitor's, whichever proxy node they came through"
    response = second.post(url, {"reason": "第二条理由", **solved(second, url)})
    assert response.status_code == 429
    assert Objection.objects.count() == 1


def test_invented_entries_left_of_the_proxys_do_not_make_a_new_visitor(published, committee, behind_proxy):
    limits = RatingSettings.for_committee(committee.pk)
    limits.objections_per_ip_per_hour = 1
    limits.save()
    assert (
        visitor("1.1.1.1, 203.0.113.10").post(url_for(published, "five"), {"reason": "一"}).status_code == 302
    )
    spoofer = visitor("2.2.2.2, 203.0.113.10")
    url = url_for(published, "four")
    response = spoofer.post(url, {"reason": "二", **solved(spoofer, url)})
    assert response.status_code == 429
    assert Objection.objects.get().ip_hash == client_ip_hash("203.0.113.10")


def test_without_proxies_configured_the_header_is_not_believed(published, committee):
    limits = RatingSettings.for_committee(committee.pk)
    limits.objections_per_ip_per_hour = 1
    limits.save()
    assert visitor("203.0.113.10").post(url_for(published, "five"), {"reason": "一"}).status_code == 302
    other_claim = visitor("203.0.113.99")  # same peer, another X-Forwarded-For: the same client
    url = url_for(published, "four")
    assert other_claim.post(url, {"reason": "二", **solved(other_claim, url)}).status_code == 429
    assert Objection.objects.get().ip_hash == client_ip_hash(PROXY)


def test_the_reference_lookup_counts_per_visitor_behind_the_proxy(published, behind_proxy, monkeypatch):
    from ratings.outcomes import objections as service

    mine = service.objection_file(submission=published.four, reason="理由", ip="203.0.113.10")
    monkeypatch.setattr(service, "LOOKUPS_PER_IP_PER_HOUR", 1)
    url = reverse("ratings:public-objection-status")
    alice, bob = visitor("203.0.113.10"), visitor("203.0.113.20")
    assert alice.get(url, {"reference": mine.reference}).context["found"]
    assert not alice.get(url, {"reference": mine.reference}).context["found"]  # over her limit
    assert bob.get(url, {"reference": mine.reference}).context["found"]  # his own count


# --- honeypot ----------------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_screen_readers(published):
    page = text(Client().get(url_for(published)))
    start = page.index('class="hp-field" aria-hidden="true"')
    block = page[start : page.index("</div>", start)]
    assert 'name="website"' in block and 'tabindex="-1"' in block and 'autocomplete="off"' in block
    assert "请勿填写此栏" in block  # labelled as what it is, should anyone reach it


def test_a_filled_honeypot_is_refused_without_saying_why_and_stores_nothing(published):
    client = Client(REMOTE_ADDR="198.51.100.30")
    url = url_for(published)
    token = token_in(client.get(url))
    response = client.post(
        url,
        {"reason": "买广告，点这里", "website": "http://spam.example", "files": [pdf()], "form_token": token},
    )
    assert response.status_code == 400
    page = text(response)
    assert "本次提交未能受理" in page
    assert "website" not in page.split('class="hp-field"')[0]  # no word about the field
    assert "spam.example" not in page and "买广告" not in page  # nothing of it echoed back
    assert rows() == (0, 0, 0)
    assert not FormToken.objects.filter(token=token).exists()
    assert captcha_key(response), "a suspected bot gets the CAPTCHA on its next try"


# --- CAPTCHA -----------------------------------------------------------------------------------------


def test_the_first_objection_has_no_captcha_and_the_second_needs_one(published):
    client = Client(REMOTE_ADDR="198.51.100.40")
    url = url_for(published, "four")
    assert captcha_key(client.get(url)) is None
    assert client.post(url_for(published, "five"), {"reason": "第一条"}).status_code == 302

    page = client.get(url)
    key = captcha_key(page)
    assert key and f'src="{reverse("captcha-image", args=[key])}"' in text(page)
    image = client.get(reverse("captcha-image", args=[key]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")  # drawn here with Pillow

    missing = client.post(url, {"reason": "第二条"})
    assert missing.status_code == 200 and "请输入图片中的验证码" in text(missing)
    assert rows() == (1, 0, 1)

    answer = wrong(client, url)
    refused = client.post(url, {"reason": "第二条", "files": [pdf()], **answer})
    assert refused.status_code == 200 and "验证码不正确" in text(refused)
    assert rows() == (1, 0, 1)
    assert captcha_key(refused) != answer["captcha_0"], "a new picture after a wrong answer"

    good = solved(client, url)
    assert client.post(url, {"reason": "第二条", **good}).status_code == 302
    assert rows() == (2, 0, 2)
    # A challenge is answered once: the same right answer again is refused.
    again = client.post(url_for(published, "three"), {"reason": "第三条", **good})
    assert again.status_code == 200 and "验证码不正确" in text(again)
    assert rows() == (2, 0, 2)


def test_another_address_still_starts_without_captcha(published):
    Client(REMOTE_ADDR="198.51.100.41").post(url_for(published, "five"), {"reason": "第一条"})
    assert captcha_key(Client(REMOTE_ADDR="198.51.100.42").get(url_for(published))) is None


# --- the same text twice -----------------------------------------------------------------------------


def test_the_same_text_from_the_same_address_on_the_same_notice_is_refused(published):
    client = Client(REMOTE_ADDR="198.51.100.50")
    assert (
        client.post(url_for(published, "five"), {"reason": "该支部的会议记录与实际不符。"}).status_code == 302
    )
    url = url_for(published, "four")  # another result of the same notice
    response = client.post(
        url, {"reason": "  该支部的会议记录\n与实际不符。 ", "files": [pdf()], **solved(client, url)}
    )
    assert response.status_code == 200
    assert "已就本次公示提交过相同内容的异议" in text(response)
    assert rows() == (1, 0, 1)
    # A different text from the same address, and the same text from another address, are filed.
    assert client.post(url, {"reason": "另有情况：未按期换届。", **solved(client, url)}).status_code == 302
    other = Client(REMOTE_ADDR="198.51.100.51")
    assert other.post(url, {"reason": "该支部的会议记录与实际不符。"}).status_code == 302
    assert rows() == (3, 0, 3)
