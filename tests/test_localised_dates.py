"""Dates follow the interface language: an English page writes "1 Dec 2026", a Chinese one
"2026-12-01" in lists and "2026年12月1日" in prose; messages made in Python do the same."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.dates import short_date, short_datetime, validate_date_in_range
from ratings.outcomes.publication import cycle_publish
from tests.ratings.conftest import make_results_cycle

pytestmark = pytest.mark.django_db

NOTICE_START = dt.date(2025, 3, 3)  # a Monday: the notice runs over working days


def _client(language: str, user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def published(committee, staff_user):
    rc = make_results_cycle(committee, staff_user, year=2024)
    return cycle_publish(cycle=rc.cycle, by=staff_user, starts_on=NOTICE_START, today=NOTICE_START)


@pytest.mark.parametrize(
    "language, written",
    [("zh-hans", "2025年3月3日"), ("en", "3 March 2025")],
)
def test_the_public_notice_writes_its_period_in_the_pages_language(published, language, written):
    html = _client(language).get(reverse("ratings:public-notice", args=[published.pk])).content.decode()
    assert written in html
    assert "2025-03-03" not in html


@pytest.mark.parametrize(
    "language, written, other",
    [("zh-hans", "2025-03-03", "3 Mar 2025"), ("en", "3 Mar 2025", "2025-03-03")],
)
def test_the_results_page_writes_short_dates_in_the_pages_language(
    published, staff_user, language, written, other
):
    response = _client(language, staff_user).get(reverse("ratings:cycle-results", args=[published.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert written in html
    assert other not in html


@pytest.mark.parametrize(
    "language, expected",
    [("zh-hans", ("2000-01-01", "2100-12-31")), ("en", ("1 Jan 2000", "31 Dec 2100"))],
)
def test_a_date_error_message_writes_dates_in_the_active_language(language, expected):
    with translation.override(language), pytest.raises(ValidationError) as caught:
        validate_date_in_range(dt.date(1999, 12, 31))
    text = " ".join(caught.value.messages)
    assert all(day in text for day in expected), text


def test_python_text_uses_the_same_formats_as_the_templates():
    moment = dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC)  # 09:30 in Asia/Shanghai
    with translation.override("zh-hans"):
        assert (short_date(moment.date()), short_datetime(moment)) == ("2025-03-03", "2025-03-03 09:30")
    with translation.override("en"):
        assert (short_date(moment.date()), short_datetime(moment)) == ("3 Mar 2025", "3 Mar 2025, 09:30")


def test_the_notice_text_stays_chinese_in_english_and_says_so(published):
    """The 公示 text is an official document: whatever the interface language it is shown as
    published, in Chinese, and an English page says why; the page around it is English."""
    import re

    english = _client("en").get(reverse("ratings:public-notice", args=[published.pk])).content.decode()
    official = re.search(
        r'<section class="card" lang="zh-Hans" id="official-text">(.*?)</section>', english, re.S
    )
    assert official is not None
    assert "现予公示" in official.group(1)
    assert "as published" in english  # the note, in English
    assert "Public notice" in english or "notice" in english.split("<h1>")[1].split("</h1>")[0].lower()

    chinese = _client("zh-hans").get(reverse("ratings:public-notice", args=[published.pk])).content.decode()
    assert "现予公示" in chinese
    assert 'id="official-language-note"' not in chinese
