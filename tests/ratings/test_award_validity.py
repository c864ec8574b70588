"""How long an award is valid and what every page says about it (ratings.models.outcomes,
ratings.outcomes.awards, the migration that fixed the stored dates)."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from ratings.models import Award, RatingSettings, ended_by_naming, validity_end
from ratings.outcomes.awards import award_downgrade
from ratings.outcomes.certificates import certificate_html
from tests.ratings.conftest import finalize_results, make_results_cycle

DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@given(named_on=DATES, years=st.one_of(st.none(), st.integers(min_value=1, max_value=10)))
def test_an_award_never_ends_before_it_starts(named_on, years):
    end = validity_end(named_on, years=years)
    assert end is None or end >= named_on
    if years is not None:
        assert end.year - named_on.year in (years - 1, years)


@given(valid_from=DATES, next_named_on=DATES)
def test_the_next_naming_never_ends_an_award_before_it_started(valid_from, next_named_on):
    end = ended_by_naming(valid_from, next_named_on)
    assert end >= valid_from
    assert end < next_named_on or end == valid_from


def test_one_year_from_29_february():
    assert validity_end(dt.date(2024, 2, 29), years=1) == dt.date(2025, 2, 27)
    assert validity_end(dt.date(2026, 12, 1), years=2) == dt.date(2028, 11, 30)


finalize = finalize_results


def awards_of(results):
    return list(Award.objects.filter(cycle=results.cycle).order_by("seq"))


@pytest.mark.django_db
def test_an_award_runs_from_its_naming_for_the_years_the_committee_set(committee, staff_user):
    settings = RatingSettings.for_committee(committee.pk)
    settings.award_validity = RatingSettings.AwardValidity.YEARS
    settings.award_validity_years = 3
    settings.save()
    # a cycle of long ago, named today: valid from today, not from its year
    results = finalize(make_results_cycle(committee, staff_user, year=2019), staff_user)
    today = timezone.localdate()
    for award in awards_of(results):
        assert award.valid_from == today
        assert award.valid_until == validity_end(today, years=3) > today
        assert award.public_state == "valid"


@pytest.mark.django_db
def test_naming_the_next_cycle_ends_the_previous_awards(committee, staff_user, monkeypatch):
    today = timezone.localdate()
    first = make_results_cycle(committee, staff_user, year=today.year - 2)
    first = finalize(first, staff_user)
    earlier = awards_of(first)
    assert [a.valid_until for a in earlier] == [None, None, None]
    next_naming = today + dt.timedelta(days=300)
    real_localdate = timezone.localdate
    # "today" moves on; the local date of a given moment (a deadline) is still computed for real
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: next_naming if value is None else real_localdate(value, tz),
    )
    second = make_results_cycle(committee, staff_user, year=today.year - 1, rubric=first.cycle.rubric)
    second = finalize(second, staff_user)
    for award in Award.objects.filter(pk__in=[a.pk for a in earlier]):
        assert award.valid_from == today and award.valid_until == next_naming - dt.timedelta(days=1)
        assert award.public_state == "expired"
    for award in awards_of(second):
        assert award.valid_from == next_naming and award.valid_until is None
        assert award.public_state == "valid"


@pytest.mark.django_db
def test_every_page_shows_the_same_dates_and_state(two_finished_cycles, staff_client, staff_user):
    older, newer = two_finished_cycles
    award = awards_of(newer)[1]
    award_downgrade(award=award, to_level=3, grounds="other", reason="测试降级", by=staff_user)
    award.refresh_from_db()
    expected = f"{award.valid_from:%Y-%m-%d} 至 下一周期命名之日"
    detail = staff_client.get(reverse("ratings:award-detail", args=[award.pk])).content.decode()
    verify = staff_client.get(reverse("ratings:verify", args=[award.token])).content.decode()
    certificate = certificate_html(award, site_url="https://starfire.example.org")
    for page in (detail, verify):
        assert expected in re.sub(r"\s+", " ", page)
        assert "已降级" in page
    assert (
        f"{award.valid_from.year}年{award.valid_from.month}月{award.valid_from.day}日 至 下一周期命名之日"
        in (re.sub(r"\s+", " ", certificate))
    )
    assert "已降级" in certificate


@pytest.mark.django_db
def test_the_migration_ends_awards_at_the_next_naming_and_keeps_the_last_open(two_finished_cycles):
    older, newer = two_finished_cycles
    named_before = timezone.localdate() - dt.timedelta(days=400)
    Award.objects.filter(cycle=older.cycle).update(valid_from=named_before, valid_until=None)
    Award.objects.filter(cycle=newer.cycle).update(valid_until=timezone.localdate() + dt.timedelta(days=5))
    module = importlib.import_module("ratings.migrations.0006_award_validity")
    module.fix_validity(apps, None)
    assert set(Award.objects.filter(cycle=older.cycle).values_list("valid_until", flat=True)) == {
        timezone.localdate() - dt.timedelta(days=1)
    }
    assert set(Award.objects.filter(cycle=newer.cycle).values_list("valid_until", flat=True)) == {None}


@pytest.mark.django_db
def test_the_award_list_filters_valid_and_expired_by_todays_date(two_finished_cycles, staff_client):
    older, newer = two_finished_cycles
    lapsed = awards_of(older)[0]
    Award.objects.filter(pk=lapsed.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    url = reverse("ratings:award-list")
    expired = list(staff_client.get(url, {"state": "expired"}).context["page"])
    valid = list(staff_client.get(url, {"state": "valid"}).context["page"])
    assert [a.pk for a in expired] == [lapsed.pk]
    assert len(valid) == 5 and lapsed.pk not in {a.pk for a in valid}
