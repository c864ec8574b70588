"""The demo's programme around the score: the province user reads both demo committees, the 2023
results among them; the 2023 推进会 pack commends 30 branches and hears 成都市武侯社区发展基金会党支部;
a seeded follow-up sample and a check opened by an organisation on the abnormal list."""

import pytest
from django.urls import reverse

from branches import demo as register_demo
from branches.models import User
from ratings.models import Cycle
from starfire import demo
from starfire.demo.followup import SEED, load_followup
from starfire.demo.promotion import load_promotion
from starfire.demo.province import load_province

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        register_demo.load_register()
        demo.load_ratings()
        load_promotion()
        load_followup()
        user = load_province()
        yield user
        transaction.set_rollback(True)


def test_the_province_user_sees_two_committees_and_the_2023_results(client, demo_loaded):
    user = demo_loaded
    assert sorted(user.province_committees.values_list("name", flat=True)) == sorted(
        [register_demo.COMMITTEE, register_demo.OTHER_COMMITTEE]
    )
    client.force_login(user)
    page = client.get(reverse("province:overview")).content.decode()
    assert register_demo.COMMITTEE in page and register_demo.OTHER_COMMITTEE in page
    cycle_2023 = Cycle.objects.get(committee__name=register_demo.COMMITTEE, year=2023)
    assert cycle_2023.tally.data["three_plus"] == 30
    results = client.get(reverse("province:cycle-results", args=[cycle_2023.pk]))
    assert results.status_code == 200
    assert "成都市武侯社区发展基金会党支部" in results.content.decode()
    cycle_2024 = Cycle.objects.get(committee__name=register_demo.COMMITTEE, year=2024)
    assert client.get(reverse("province:cycle-results", args=[cycle_2024.pk])).status_code == 404
    assert load_province().province_committees.count() == 2  # loading again changes nothing


def test_the_province_view_has_figures_for_both_committees(client, demo_loaded):
    from starfire.demo.other_committee import PLAN

    other_2023 = Cycle.objects.get(committee__name=register_demo.OTHER_COMMITTEE, year=2023)
    assert other_2023.status == Cycle.Status.FINAL and other_2023.notice_starts_on.year == 2023
    assert other_2023.tally.data["participants"] == len(PLAN) == 3
    assert other_2023.tally.data["levels"] == {"5": 0, "4": 1, "3": 1, "2": 1, "1": 0, "0": 0}
    client.force_login(demo_loaded)
    page = client.get(reverse("province:overview")).content.decode()
    for committee in (register_demo.COMMITTEE, register_demo.OTHER_COMMITTEE):
        cycle = Cycle.objects.get(committee__name=committee, year=2023)
        assert reverse("province:cycle-results", args=[cycle.pk]) in page
    assert "尚未统计" not in page  # every published cycle has its figures
    results = client.get(reverse("province:cycle-results", args=[other_2023.pk])).content.decode()
    assert all(name in results for name in PLAN)
    assert Cycle.objects.filter(committee__name=register_demo.OTHER_COMMITTEE).count() == 1  # once


def test_the_2023_pack_commends_30_and_hears_wuhou(client, demo_loaded):
    from ratings.outcomes import promotion
    from ratings.reports import promotion_pack

    cycle = Cycle.objects.get(committee__name=register_demo.COMMITTEE, year=2023)
    meeting = promotion.meeting_of(cycle)
    assert meeting.pk is not None and meeting.held_on.year == 2023
    assert len(promotion.commended(cycle, meeting.held_on)) == 30
    speakers = [s.party_organization.name for s in promotion.speakers(meeting)]
    assert len(speakers) == 3 and register_demo.WUHOU_BRANCH in speakers
    assert load_promotion().pk == meeting.pk  # loading again changes nothing
    import io

    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(promotion_pack.commendation_docx(cycle))).paragraphs)
    assert "以下 30 个三星及以上" in text and register_demo.WUHOU_BRANCH in text


def test_the_followup_sample_is_reproducible_and_an_abnormal_organisation_opened_a_check(client, demo_loaded):
    from branches.models import OrgStatus
    from ratings.models import FollowUpCheck, FollowUpSample
    from ratings.outcomes import followup

    cycle = Cycle.objects.get(committee__name=register_demo.COMMITTEE, year=2023)
    sample = FollowUpSample.objects.get(cycle=cycle)
    assert sample.seed == SEED
    drawn = sorted(sample.checks.values_list("award_id", flat=True))
    assert drawn and drawn == followup.sample_award_ids(
        list(followup.valid_high_awards(cycle).values_list("pk", flat=True)), sample.share, SEED
    )
    abnormal = FollowUpCheck.objects.get(trigger=FollowUpCheck.Trigger.ABNORMAL)
    assert abnormal.state == "open" and abnormal.award.level == 4
    org = abnormal.award.party_organization.organizations.first()
    assert org.status == OrgStatus.ABNORMAL
    assert load_followup()["sample"].pk == sample.pk  # loading again changes nothing
    assert FollowUpCheck.objects.filter(trigger=FollowUpCheck.Trigger.ABNORMAL).count() == 1
    client.force_login(User.objects.get(username="staff"))
    page = client.get(reverse("ratings:followup", args=[cycle.pk])).content.decode()
    assert str(SEED) in page and abnormal.award.party_organization.name in page
