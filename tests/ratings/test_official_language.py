"""Official texts keep their language on a page in English: a certificate is issued in Chinese
whatever the interface language, and the pages offering one say so (as the 公示 page does for its
text); a star level's reasons, written in Chinese to be quoted in official documents, are marked
as Chinese so a screen reader reads them as Chinese."""

import lxml.html
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ratings.models import Objection, ReviewSession, Submission
from tests.ratings.conftest import finalize_results, make_results_cycle

pytestmark = pytest.mark.django_db


def _get(url, user, language):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def finished(committee, staff_user):
    return finalize_results(make_results_cycle(committee, staff_user), staff_user)


def _certificate_pages(finished):
    award = finished.four.award
    return [
        reverse("ratings:award-detail", args=[award.pk]),
        reverse("ratings:award-list") + f"?cycle={finished.cycle.pk}",
        reverse("ratings:branch-history", args=[finished.four.party_organization_id]),
        reverse("ratings:cycle-results", args=[finished.cycle.pk]),
    ]


def test_pages_offering_a_certificate_say_in_english_that_it_is_issued_in_chinese(finished, staff_user):
    for url in _certificate_pages(finished):
        english = _get(url, staff_user, "en")
        assert 'id="certificate-language-note"' in english, url
        assert english.count('id="certificate-language-note"') == 1, url
        doc = lxml.html.fromstring(english)
        for link in doc.xpath("//a[contains(@href, 'certificate.pdf')]"):
            assert link.get("hreflang") == "zh-Hans", (url, link.get("href"))


def test_a_chinese_page_needs_no_such_note(finished, staff_user):
    for url in _certificate_pages(finished):
        assert 'id="certificate-language-note"' not in _get(url, staff_user, "zh-hans"), url


def test_a_branch_without_a_certificate_gets_no_note(finished, staff_user):
    unnamed = finished.cycle.submissions.filter(award__isnull=True).first()
    assert unnamed is not None
    url = reverse("ratings:branch-history", args=[unnamed.party_organization_id])
    assert 'id="certificate-language-note"' not in _get(url, staff_user, "en")


def _explanation_elements(html, explanation):
    doc = lxml.html.fromstring(html)
    return [e for e in doc.iter() if isinstance(e.tag, str) and (e.text or "").strip() == explanation]


def test_the_reasons_for_a_star_level_are_marked_chinese_on_english_pages(finished, staff_user):
    sub = Submission.objects.get(pk=finished.four.pk)
    assert sub.level_explanation
    session = ReviewSession.objects.create(
        cycle=finished.cycle,
        held_on=timezone.localdate(),
        chair="甲",
        members="甲\n乙\n丙",
        created_by=staff_user,
    )
    Submission.objects.filter(pk=sub.pk).update(review_session=session)
    objection = Objection.objects.create(
        submission=sub, reference="YY-LANG-1", reason="理由", contact="13800138000", name="王五"
    )
    for url in (
        reverse("ratings:review", args=[sub.pk]),
        reverse("ratings:review-session", args=[session.pk]),
        reverse("ratings:objection-detail", args=[objection.pk]),
    ):
        found = _explanation_elements(_get(url, staff_user, "en"), sub.level_explanation)
        assert found, url
        for element in found:
            assert element.get("lang") == "zh-Hans", (url, lxml.html.tostring(element, encoding="unicode"))
