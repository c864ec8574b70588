"""牵手 pairing changed by staff: goals and period edited, the pair ended early with a reason; an
ended pair stays in the list with its result."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEntry
from programme import pairing as services
from programme.models import Pairing
from tests import factories

from .conftest import period

pytestmark = pytest.mark.django_db


def _pair(finished, staff):
    return services.pairing_create(
        cycle=finished.cycle,
        strong=finished.five.party_organization,
        weak=finished.none.party_organization,
        goals="三会一课规范化",
        by=staff,
        **period(),
    )


def _at(day: dt.date, hour=15):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_staff_change_goals_and_period_with_audit(finished, staff_user):
    pairing = _pair(finished, staff_user)
    today = timezone.localdate()
    services.pairing_update(
        pairing=pairing,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        goals=" 台账规范 ",
        by=staff_user,
    )
    pairing.refresh_from_db()
    assert (pairing.starts_on, pairing.goals) == (today, "台账规范")
    entry = AuditEntry.objects.filter(action="pairing.update").get()
    assert "三会一课规范化" in str(entry.before) and "台账规范" in str(entry.after)
    assert pairing.history.count() == 2


def test_an_update_that_does_not_fit_is_refused_and_nothing_changes(finished, staff_user, other_staff_user):
    pairing = _pair(finished, staff_user)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        services.pairing_update(pairing=pairing, starts_on=today, ends_on=today, goals=" ", by=staff_user)
    assert set(err.value.message_dict) == {"ends_on", "goals"}
    with pytest.raises(PermissionDenied):
        services.pairing_update(
            pairing=pairing,
            starts_on=today,
            ends_on=today + dt.timedelta(days=9),
            goals="x",
            by=other_staff_user,
        )
    pairing.refresh_from_db()
    assert (
        pairing.goals == "三会一课规范化" and not AuditEntry.objects.filter(action="pairing.update").exists()
    )


def test_staff_end_a_pair_early_and_it_stops_taking_activities(finished, staff_user):
    pairing = _pair(finished, staff_user)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.pairing_end(pairing=pairing, ended_on=yesterday, reason="帮扶对象撤销合并", by=staff_user)
    pairing.refresh_from_db()
    assert pairing.state == Pairing.State.ENDED and pairing.ended_on == yesterday
    assert AuditEntry.objects.filter(action="pairing.end").count() == 1
    row = services.pairing_rows([pairing], unpublished=True)[0]
    assert row.progress == 100 and yesterday.isoformat() in row.state
    secretary = factories.SecretaryUserFactory(party_organization=pairing.weak)
    with pytest.raises(ValidationError):  # after the day it ended
        services.joint_activity_record(
            pairing=pairing, by=secretary, starts_at=_at(timezone.localdate()), place="室", topic="活动"
        )
    with pytest.raises(ValidationError):  # ended once
        services.pairing_end(pairing=pairing, ended_on=yesterday, reason="再次", by=staff_user)
    with pytest.raises(ValidationError):  # no longer editable
        services.pairing_update(
            pairing=pairing, starts_on=pairing.starts_on, ends_on=pairing.ends_on, goals="新", by=staff_user
        )


@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [(-400, "原因", "ended_on"), (400, "原因", "ended_on"), (0, "  ", "reason")],
)
def test_an_end_outside_the_period_or_without_reason_is_refused(finished, staff_user, days, reason, field):
    pairing = _pair(finished, staff_user)
    with pytest.raises(ValidationError) as err:
        services.pairing_end(
            pairing=pairing,
            ended_on=timezone.localdate() + dt.timedelta(days=days),
            reason=reason,
            by=staff_user,
        )
    assert field in err.value.message_dict
    pairing.refresh_from_db()
    assert pairing.state == Pairing.State.ACTIVE and pairing.ended_on is None


def test_pages_edit_and_end_a_pair(finished, staff_user, client):
    pairing = _pair(finished, staff_user)
    client.force_login(staff_user)
    detail = reverse("programme:pairing-detail", args=[pairing.pk])
    assert reverse("programme:pairing-end", args=[pairing.pk]) in client.get(detail).content.decode()
    edit = reverse("programme:pairing-edit", args=[pairing.pk])
    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"starts_on": "2026-05-01", "ends_on": "2026-04-01", "goals": "x"})
    assert bad.status_code == 400 and "结束日期须晚于开始日期" in bad.content.decode()
    ok = client.post(edit, {"starts_on": "2026-01-01", "ends_on": "2026-12-31", "goals": "台账规范"})
    assert ok.status_code == 302
    end = reverse("programme:pairing-end", args=[pairing.pk])
    assert client.post(end, {"ended_on": "2027-06-01", "reason": "原因"}).status_code == 400
    assert client.post(end, {"ended_on": "2026-06-01", "reason": "帮扶对象撤销合并"}).status_code == 302
    page = client.get(reverse("programme:pairing-list")).content.decode()
    assert "帮扶对象撤销合并" in page and "2026-06-01" in page
    assert reverse("programme:pairing-end", args=[pairing.pk]) not in client.get(detail).content.decode()


def _joint(pairing, day, topic):
    secretary = factories.SecretaryUserFactory(party_organization=pairing.weak)
    return services.joint_activity_record(
        pairing=pairing, by=secretary, starts_at=_at(day), place="活动室", topic=topic
    )


def test_a_shorter_period_that_drops_recorded_activities_is_confirmed_first(finished, staff_user):
    pairing = _pair(finished, staff_user)
    first = pairing.starts_on
    kept = _joint(pairing, first + dt.timedelta(days=10), "结对学习")
    dropped = _joint(pairing, first + dt.timedelta(days=40), "联合主题党日")
    shorter = {"starts_on": first, "ends_on": first + dt.timedelta(days=30), "goals": "台账规范"}

    with pytest.raises(ValidationError) as err:
        services.pairing_update(pairing=pairing, by=staff_user, **shorter)
    message = err.value.message_dict["drop_activities"][0]
    assert "1 次联合活动" in message and "联合主题党日" in message and "结对学习" not in message
    pairing.refresh_from_db()
    assert pairing.ends_on != shorter["ends_on"]  # nothing changed
    assert services.pairing_rows([pairing], unpublished=True)[0].activities == 2

    services.pairing_update(pairing=pairing, by=staff_user, drop_activities=True, **shorter)
    pairing.refresh_from_db()
    assert pairing.ends_on == shorter["ends_on"]
    assert services.pairing_rows([pairing], unpublished=True)[0].activities == 1
    report = services.pairing_report(pairing, unpublished=True)
    assert [m.pk for m in report.activities] == [kept.pk]
    entry = AuditEntry.objects.filter(action="pairing.update").get()
    assert entry.after["activities_no_longer_counted"] == [dropped.pk]

    # a change that keeps every activity inside needs no confirmation
    services.pairing_update(
        pairing=pairing, by=staff_user, starts_on=first, ends_on=first + dt.timedelta(days=60), goals="x"
    )


def test_the_edit_page_asks_before_dropping_activities(finished, staff_user, client):
    pairing = _pair(finished, staff_user)
    first = pairing.starts_on
    _joint(pairing, first + dt.timedelta(days=40), "联合主题党日")
    client.force_login(staff_user)
    edit = reverse("programme:pairing-edit", args=[pairing.pk])
    data = {
        "starts_on": first.isoformat(),
        "ends_on": (first + dt.timedelta(days=30)).isoformat(),
        "goals": "x",
    }

    page = client.get(edit).content.decode()
    assert 'type="checkbox" name="drop_activities"' not in page  # no question before there is one to ask
    assert 'type="hidden" name="drop_activities"' in page
    asked = client.post(edit, data)
    html = asked.content.decode()
    assert asked.status_code == 400
    assert "联合主题党日" in html and 'type="checkbox" name="drop_activities"' in html
    pairing.refresh_from_db()
    assert pairing.ends_on != first + dt.timedelta(days=30)
    asked_for = f'name="drop_for" value="{first.isoformat()}|{(first + dt.timedelta(days=30)).isoformat()}"'
    assert asked_for in html  # the question is about this period

    # a tick given for one period does not confirm another one: asked again, nothing saved
    shorter_still = {**data, "ends_on": (first + dt.timedelta(days=20)).isoformat()}
    again = client.post(edit, {**shorter_still, "drop_activities": "on", "drop_for": asked_for.split('"')[3]})
    assert again.status_code == 400 and "联合主题党日" in again.content.decode()
    # a tick sent with a form that fails for another reason is not carried into the next save
    other_error = client.post(edit, {**data, "goals": " ", "drop_activities": "on", "drop_for": "x"})
    assert 'name="drop_activities" value=' not in other_error.content.decode()
    pairing.refresh_from_db()
    assert pairing.ends_on not in (first + dt.timedelta(days=30), first + dt.timedelta(days=20))

    confirmed = {**data, "drop_activities": "on", "drop_for": asked_for.split('"')[3]}
    assert client.post(edit, confirmed).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ends_on == first + dt.timedelta(days=30)
