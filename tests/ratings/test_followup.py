"""动态管理 during validity: a reproducible, seeded sample of valid 4★/5★ awards; checks opened by
events; each check scheduled, scored and ended as confirmed, downgraded or revoked through the
award's own services, visible on its history and the public verification page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgStatus
from ratings.models import Award, AwardEvent, FollowUpCheck, FollowUpSample, RatingSettings, VetoDecision
from ratings.outcomes import followup
from ratings.outcomes.awards import GROUNDS
from ratings.outcomes.rectification import rectification_create
from tests import factories
from tests.ratings.conftest import finalize_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(results_cycle, staff_user):
    """Awards: five (5★), four (4★), three (3★)."""
    return finalize_results(results_cycle, staff_user)


def award(final, key):
    return Award.objects.select_related("cycle").get(submission=getattr(final, key))


def test_the_same_seed_draws_the_same_sample_and_the_share_sets_its_size():
    ids = list(range(1, 41))
    first = followup.sample_award_ids(ids, 20, seed=12345)
    assert len(first) == 8
    assert followup.sample_award_ids(list(reversed(ids)), 20, seed=12345) == first
    assert any(followup.sample_award_ids(ids, 20, seed=s) != first for s in range(1, 20))
    assert len(followup.sample_award_ids(ids[:3], 10, seed=1)) == 1  # at least one
    assert followup.sample_award_ids([], 50, seed=1) == []


def test_a_draw_stores_its_seed_and_samples_only_valid_high_awards(final, staff_user):
    sample = followup.followup_sample_draw(cycle=final.cycle, by=staff_user, share=50, seed=7)
    sample = FollowUpSample.objects.get(pk=sample.pk)
    eligible = [award(final, "five").pk, award(final, "four").pk]
    assert (sample.seed, sample.share, sample.eligible) == (7, 50, 2)
    drawn = sorted(sample.checks.values_list("award_id", flat=True))
    assert drawn == followup.sample_award_ids(eligible, 50, 7) and len(drawn) == 1
    assert set(sample.checks.values_list("trigger", flat=True)) == {FollowUpCheck.Trigger.SAMPLE}


def test_the_share_comes_from_the_committees_settings(final, staff_user, committee):
    RatingSettings.objects.update_or_create(committee=committee, defaults={"followup_share": 100})
    sample = followup.followup_sample_draw(cycle=final.cycle, by=staff_user, seed=1)
    assert sample.share == 100 and sample.checks.count() == 2


def test_only_the_committees_staff_draw(final, other_staff_user, secretary_user):
    for user in (other_staff_user, secretary_user):
        with pytest.raises(PermissionDenied):
            followup.followup_sample_draw(cycle=final.cycle, by=user, share=50, seed=1)
    assert not FollowUpSample.objects.exists()


def test_an_organisation_on_the_abnormal_list_opens_a_check_once(final, django_capture_on_commit_callbacks):
    org = final.four.party_organization.organizations.first()
    org.status = OrgStatus.ABNORMAL
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    checks = FollowUpCheck.objects.filter(award=award(final, "four"))
    assert list(checks.values_list("trigger", "state")) == [("abnormal", "open")]
    assert followup.open_checks_for_events() == 0  # the daily run finds it open already


def test_a_deregistered_organisation_opens_a_check_once(final, django_capture_on_commit_callbacks):
    org = final.five.party_organization.organizations.first()
    org.status = OrgStatus.DEREGISTERED
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    checks = FollowUpCheck.objects.filter(award=award(final, "five"))
    assert list(checks.values_list("trigger", "state")) == [("deregistered", "open")]
    assert not FollowUpCheck.objects.exclude(award=award(final, "five")).exists()
    assert followup.open_checks_for_events() == 0  # the daily run finds it open already


def test_an_organisation_deregistered_in_bulk_is_found_by_the_daily_run(final):
    from branches.models import SocialOrganization

    org = final.three.party_organization.organizations.first()
    SocialOrganization.objects.filter(pk=org.pk).update(status=OrgStatus.DEREGISTERED)  # no save signal
    assert followup.open_checks_for_events() == 1
    assert FollowUpCheck.objects.get().trigger == FollowUpCheck.Trigger.DEREGISTERED


def test_overdue_rectification_past_the_limit_opens_a_check(final, staff_user, committee):
    RatingSettings.objects.update_or_create(committee=committee, defaults={"followup_overdue_days": 10})
    item = rectification_create(
        submission=final.five, by=staff_user, problem="台账", requirement="补齐",
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )  # fmt: skip
    today = item.due_on + dt.timedelta(days=10)
    assert followup.open_checks_for_events(today=today) == 0  # ten days: not past the limit
    assert followup.open_checks_for_events(today=today + dt.timedelta(days=1)) == 1
    assert FollowUpCheck.objects.get().trigger == FollowUpCheck.Trigger.RECTIFICATION_OVERDUE


def test_a_veto_reported_in_a_later_cycle_opens_a_check(final, staff_user, committee):
    later = factories.CycleFactory(committee=committee, rubric=final.cycle.rubric, year=final.cycle.year + 1)
    sub = factories.SubmissionFactory(cycle=later, party_organization=final.three.party_organization)
    VetoDecision.objects.create(submission=sub, item=final.cycle.rubric.vetoes.first(), raised_by=staff_user)
    assert followup.open_checks_for_events() == 1
    assert FollowUpCheck.objects.get().award == award(final, "three")


def _scheduled(final, key, staff_user, trigger="abnormal"):
    check = followup.followup_check_open(award=award(final, key), trigger=trigger, note="test")
    indicator = final.cycle.rubric.indicators().first()
    followup.followup_schedule(
        check=check, by=staff_user, visit_on=timezone.localdate(), inspector=None, indicators=[indicator]
    )
    followup.followup_score(
        check=check, by=staff_user, indicator=indicator, score=Decimal("1"), finding="不足"
    )
    return check


def test_a_check_ends_confirmed_with_an_award_event(final, staff_user, client):
    check = _scheduled(final, "five", staff_user)
    followup.followup_conclude(check=check, by=staff_user, outcome="confirmed", conclusion="符合五星标准")
    a = award(final, "five")
    assert a.level == 5 and a.events.filter(kind=AwardEvent.Kind.CONFIRMED).exists()
    page = client.get(reverse("ratings:verify", args=[a.token])).content.decode()
    assert "最近一次核查" in page and "维持星级" in page
    with pytest.raises(ValidationError):  # ended: nothing more
        followup.followup_conclude(check=check, by=staff_user, outcome="revoked", conclusion="x")


def test_a_check_ends_in_a_downgrade_or_revocation_through_the_award_services(final, staff_user):
    followup.followup_conclude(
        check=_scheduled(final, "five", staff_user),
        by=staff_user,
        outcome="downgraded",
        to_level=3,
        conclusion="降级",
    )
    assert (award(final, "five").level, award(final, "five").state) == (3, Award.State.DOWNGRADED)
    followup.followup_conclude(
        check=_scheduled(final, "four", staff_user), by=staff_user, outcome="revoked", conclusion="撤销"
    )
    four = award(final, "four")
    assert four.state == Award.State.REVOKED
    assert four.events.get(kind=AwardEvent.Kind.REVOKED).grounds == "abnormal"


@pytest.mark.parametrize(
    "trigger, grounds",
    [
        ("abnormal", "abnormal"),
        ("deregistered", "deregistered"),
        ("veto", "veto"),
        ("rectification_overdue", "rectification"),
        ("sample", "other"),
    ],
)
def test_a_revocation_is_recorded_with_the_grounds_of_what_opened_the_check(
    final, staff_user, client, trigger, grounds
):
    check = _scheduled(final, "four", staff_user, trigger=trigger)
    followup.followup_conclude(check=check, by=staff_user, outcome="revoked", conclusion="查实")
    event = award(final, "four").events.get(kind=AwardEvent.Kind.REVOKED)
    assert event.grounds == grounds
    client.force_login(staff_user)
    page = client.get(reverse("ratings:award-detail", args=[event.award_id])).content.decode()
    assert str(GROUNDS[grounds]) in page


def test_scores_stay_within_the_chosen_indicators(final, staff_user):
    check = _scheduled(final, "five", staff_user)
    other = final.cycle.rubric.indicators().exclude(pk__in=check.indicators.all()).first()
    with pytest.raises(ValidationError):
        followup.followup_score(check=check, by=staff_user, indicator=other, score=Decimal("1"))
    with pytest.raises(ValidationError):
        followup.followup_score(
            check=check, by=staff_user, indicator=check.indicators.first(), score=Decimal("999")
        )


def test_the_pages_draw_show_the_seed_and_refuse_empty_posts(final, staff_user, client):
    client.force_login(staff_user)
    url = reverse("ratings:followup", args=[final.cycle.pk])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"share": "100", "seed": "424242"}).status_code == 302
    page = client.get(url).content.decode()
    assert "424242" in page and final.five.party_organization.name in page
    check = FollowUpCheck.objects.filter(award__cycle=final.cycle).first()
    check_url = reverse("ratings:followup-check", args=[check.pk])
    assert client.post(check_url, {}).status_code == 400
    response = client.post(check_url, {"step": "conclude", "outcome": "confirmed", "conclusion": "合格"})
    assert response.status_code == 302
    assert FollowUpCheck.objects.get(pk=check.pk).state == "confirmed"


def test_staff_report_an_event_during_the_validity_and_it_opens_a_check(final, staff_user, client):
    from branches.models import AuditEntry

    four = award(final, "four")
    url = reverse("ratings:followup-report", args=[four.pk])
    client.force_login(staff_user)
    assert url in client.get(reverse("ratings:award-detail", args=[four.pk])).content.decode()
    assert client.get(url).status_code == 200
    blank = client.post(url, {"description": "  "})
    assert blank.status_code == 400 and "请写明报告的事项" in blank.content.decode()
    assert not FollowUpCheck.objects.exists()

    item = final.cycle.rubric.vetoes.get(code="V1")
    response = client.post(url, {"item": item.pk, "description": "2024年6月该组织负责人因违法被立案调查"})
    check = FollowUpCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ratings:followup-check", args=[check.pk])
    assert (check.award_id, check.trigger, check.state) == (four.pk, "veto", "open")
    assert check.note.startswith("V1 ") and "立案调查" in check.note
    entry = AuditEntry.objects.get(action="followup.report")
    assert entry.actor == staff_user and entry.target_id == str(four.pk)

    again = client.post(url, {"description": "又收到一项反映"})  # one open check per award for it
    assert again.status_code == 400 and "尚未结束" in again.content.decode()
    assert FollowUpCheck.objects.count() == 1

    followup.followup_conclude(check=check, by=staff_user, outcome="revoked", conclusion="查实")
    assert award(final, "four").events.get(kind=AwardEvent.Kind.REVOKED).grounds == "veto"
    assert client.post(url, {"description": "撤销之后"}).status_code == 400  # revoked: no more checks
    assert FollowUpCheck.objects.count() == 1


def test_only_the_committees_staff_report_an_event_on_the_awards_own_rubric(
    final, staff_user, other_staff_user, secretary_user, other_committee
):
    five = award(final, "five")
    for user in (other_staff_user, secretary_user):
        with pytest.raises(PermissionDenied):
            followup.followup_event_report(award=five, by=user, description="反映")
    foreign = factories.make_rubric(other_committee).vetoes.first()
    with pytest.raises(ValidationError) as error:
        followup.followup_event_report(award=five, by=staff_user, description="反映", item=foreign)
    assert "item" in error.value.message_dict
    assert not FollowUpCheck.objects.exists()
