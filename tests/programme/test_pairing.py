"""牵手 pairing: who may be paired, joint activities counted once for both branches, and the weaker
branch's result before and after."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import compliance, selectors
from meetings.models import Meeting
from programme import pairing as services
from programme.models import Pairing, ProgrammeSettings
from tests import factories

from .conftest import period, review

pytestmark = pytest.mark.django_db


def _pair(finished, staff, weak="none", strong="five", **kwargs):
    return services.pairing_create(
        cycle=finished.cycle,
        strong=getattr(finished, strong).party_organization,
        weak=getattr(finished, weak).party_organization,
        goals=kwargs.pop("goals", "三会一课规范化"),
        by=staff,
        **{**period(), **kwargs},
    )


def _secretary(po):
    return factories.SecretaryUserFactory(party_organization=po)


def _yesterday() -> dt.date:
    """A day whose afternoon has passed whatever the hour (a meeting marked held must be past)."""
    return timezone.localdate() - dt.timedelta(days=1)


def _at(day: dt.date, hour=15):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


# --- pairing_create -----------------------------------------------------------------------------


def test_staff_pair_a_starred_branch_with_an_unrated_one(finished, staff_user):
    pairing = _pair(finished, staff_user)
    assert pairing.committee_id == finished.cycle.committee_id
    assert pairing.strong == finished.five.party_organization
    assert pairing.history.count() == 1


@pytest.mark.parametrize(
    ("strong", "weak", "field"),
    [
        ("none", "vetoed", "strong"),  # no star in force
        ("five", "three", "weak"),  # 3★ is the target: not weak
        ("four", "four", "weak"),  # the same branch
    ],
)
def test_it_refuses_pairs_that_do_not_fit(finished, staff_user, strong, weak, field):
    with pytest.raises(ValidationError) as exc:
        _pair(finished, staff_user, strong=strong, weak=weak)
    assert field in exc.value.message_dict
    assert not Pairing.objects.exists()


def test_the_target_is_a_committee_setting(finished, staff_user, committee):
    ProgrammeSettings.objects.update_or_create(committee=committee, defaults={"target_level": 4})
    assert _pair(finished, staff_user, weak="three").weak == finished.three.party_organization


def test_a_weak_branch_has_one_pair_per_cycle(finished, staff_user):
    _pair(finished, staff_user)
    with pytest.raises(ValidationError):
        _pair(finished, staff_user, strong="four")


def test_it_pairs_only_on_a_finished_cycle_and_in_order(next_cycle, finished, staff_user):
    with pytest.raises(ValidationError) as exc:
        services.pairing_create(
            cycle=next_cycle,
            strong=finished.five.party_organization,
            weak=finished.none.party_organization,
            goals="x",
            by=staff_user,
            starts_on=dt.date(2026, 5, 1),
            ends_on=dt.date(2026, 4, 1),
        )
    assert {"cycle", "ends_on"} <= set(exc.value.message_dict)


def test_only_staff_pair(finished, other_staff_user):
    secretary = _secretary(finished.none.party_organization)
    for user in (secretary, other_staff_user):
        with pytest.raises(PermissionDenied):
            _pair(finished, user)


# --- joint activities ---------------------------------------------------------------------------


def test_a_joint_activity_is_recorded_once_and_counts_for_both(finished, staff_user, committee):
    pairing = _pair(finished, staff_user)
    weak_secretary = _secretary(pairing.weak)
    day = timezone.localdate() - dt.timedelta(days=5)
    meeting = services.joint_activity_record(
        pairing=pairing, by=weak_secretary, starts_at=_at(day), place="活动室", topic="联学共建"
    )
    assert meeting.party_organization == pairing.weak and meeting.partner_organization == pairing.strong
    assert meeting.meeting_type.category == "joint"

    # both branches' organisational life has it, for the type and the month it was held in
    counts = compliance.monthly_counts(compliance.branches_in([pairing.strong_id, pairing.weak_id]), day.year)
    type_id = meeting.meeting_type_id
    for po_id in (pairing.strong_id, pairing.weak_id):
        assert counts[po_id][type_id][0][day.month - 1] == 1
    committee_counts = compliance.monthly_counts(compliance.branches_of_committee(committee.pk), day.year)
    assert committee_counts[pairing.strong_id][type_id][0][day.month - 1] == 1

    # one row for the committee: staff list it once; both secretaries see it; only the one who
    # recorded it edits it
    assert selectors.meeting_list(staff_user).filter(pk=meeting.pk).count() == 1
    assert Meeting.objects.count() == 1
    strong_secretary = _secretary(pairing.strong)
    assert list(selectors.meeting_list(strong_secretary)) == [meeting]
    assert selectors.meeting_list(strong_secretary, party_organization_id=pairing.strong_id).count() == 1
    assert selectors.can_record(weak_secretary, meeting.party_organization_id)
    assert not selectors.can_record(strong_secretary, meeting.party_organization_id)
    assert list(selectors.meeting_list(_secretary(finished.four.party_organization))) == []


def test_a_joint_meeting_of_a_required_type_closes_the_gap_of_both():
    committee = factories.CommitteeFactory()
    host, partner = (factories.PartyOrganizationFactory(committee=committee) for _ in "ab")
    factories.MeetingFactory(
        party_organization=host, partner_organization=partner, type_code="theme_day",
        starts_at=factories.beijing(2023, 5, 10, 14, 30),
    )  # fmt: skip
    result = compliance.compliance_summary([host.pk, partner.pk], 2023, today=dt.date(2023, 12, 31))
    for po in (host, partner):
        theme = next(t for t in result[po.pk].types if t.rule.code == "theme_day")
        may = next(p for p in theme.periods if p.first_month == 5)
        assert may.held == 1


def test_joint_activities_stay_within_the_pair_and_its_period(finished, staff_user):
    pairing = _pair(finished, staff_user)
    with pytest.raises(ValidationError) as exc:
        services.joint_activity_record(
            pairing=pairing,
            by=_secretary(pairing.strong),
            starts_at=_at(pairing.starts_on - dt.timedelta(days=1)),
            place="活动室",
            topic="联学",
        )
    assert "starts_at" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.joint_activity_record(
            pairing=pairing,
            by=_secretary(finished.four.party_organization),
            starts_at=_at(_yesterday()),
            place="活动室",
            topic="联学",
        )
    assert not Meeting.objects.exists()


# --- before and after ---------------------------------------------------------------------------


def test_the_result_is_the_weaker_branchs_level_in_the_next_cycle(finished, next_cycle, staff_user):
    pairing = _pair(finished, staff_user)
    [row] = services.pairing_rows([pairing], unpublished=True)
    assert (row.before.level, row.after.level, row.after.cycle) == (0, None, next_cycle)
    assert row.change == services.change_label(row.before, row.after) == "待下一周期评定"

    review(next_cycle, pairing.weak, staff_user, {"1.1": 30})  # 90 points; one level up at most
    [row] = services.pairing_rows([pairing], unpublished=True)
    assert (row.after.level, row.after.provisional, row.change) == (1, True, "提升 1 星")
    # the branch sees the level only once the results are published
    [row] = services.pairing_rows([pairing], unpublished=False)
    assert row.after.level is None

    report = services.pairing_report(pairing, unpublished=True)
    by_code = {s["indicator"].code: s for s in report.scores}
    assert (by_code["1.1"]["before"], by_code["1.1"]["after"], by_code["1.1"]["diff"]) == (0, 30, 30)


def test_the_list_counts_activities_in_a_fixed_number_of_queries(finished, staff_user, committee, client):
    client.force_login(staff_user)
    url = reverse("programme:pairing-list")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    pairing = _pair(finished, staff_user)
    services.joint_activity_record(
        pairing=pairing,
        by=_secretary(pairing.weak),
        starts_at=_at(_yesterday()),
        place="室",
        topic="一",
    )
    one = queries()
    for _ in range(3):
        weak = factories.PartyOrganizationFactory(committee=committee)
        pairing = services.pairing_create(
            cycle=finished.cycle, strong=finished.four.party_organization, weak=weak, goals="g",
            by=staff_user, **period(),
        )  # fmt: skip
        services.joint_activity_record(
            pairing=pairing, by=_secretary(weak), starts_at=_at(_yesterday()), place="室", topic="二"
        )
    assert queries() == one
    assert client.get(url).content.decode().count("programme/pairings/") >= 4


def test_pages_of_a_pair(finished, staff_user, client):
    pairing = _pair(finished, staff_user)
    secretary = _secretary(pairing.weak)
    client.force_login(secretary)
    page = client.get(reverse("programme:pairing-detail", args=[pairing.pk]))
    assert page.status_code == 200 and "三会一课规范化" in page.content.decode()
    form = client.get(reverse("programme:joint-activity-create", args=[pairing.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("programme:joint-activity-create", args=[pairing.pk]),
        {"starts_at": f"{_yesterday():%Y-%m-%d}T09:00", "place": "活动室", "topic": "联合主题党日"},
    )
    assert response.status_code == 302
    assert (
        "联合主题党日" in client.get(reverse("programme:pairing-detail", args=[pairing.pk])).content.decode()
    )

    client.force_login(staff_user)
    response = client.post(
        reverse("programme:pairing-create"),
        {
            "cycle": finished.cycle.pk,
            "strong": finished.four.party_organization.pk,
            "weak": finished.vetoed.party_organization.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "goals": "规范台账",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Pairing.objects.filter(weak=finished.vetoed.party_organization).exists()
