"""The cycle's transition table: every state × every edge, the working-day calendar of 公示, and
the date and completeness rules each edge checks."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import AuditEntry
from core.dates import RangeDateTimeField
from meetings.forms import MeetingForm
from ratings.models import Cycle, Objection, RatingSettings, Submission
from ratings.outcomes.publication import cycle_publish, notice_is_open, results_finalize
from ratings.views.forms_results import PlaqueForm, PublishForm
from ratings.workflow.cycle_edges import (
    CYCLE_TRANSITIONS,
    notice_ends_on,
    nth_working_day,
    require_cycle_transition,
)
from ratings.workflow.cycle_setup import cycle_open
from ratings.workflow.edges import TransitionNotAllowed

MON = dt.date(2026, 11, 30)  # a Monday
FRI = MON + dt.timedelta(days=4)
SAT, SUN = FRI + dt.timedelta(days=1), FRI + dt.timedelta(days=2)


# --- working days --------------------------------------------------------------------------------


def test_working_days_skip_saturdays_and_sundays():
    assert nth_working_day(MON, 1) == MON
    assert nth_working_day(MON, 5) == FRI
    assert nth_working_day(FRI, 2) == MON + dt.timedelta(days=7)  # the weekend in between
    assert nth_working_day(SAT, 1) == MON + dt.timedelta(days=7)
    assert nth_working_day(SUN, 5) == FRI + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("start", "calendar_days", "working_days", "end"),
    [
        (MON, 7, 5, SUN),  # 7 days hold 5 working days: the calendar end counts
        (MON, 5, 5, FRI),
        (FRI, 5, 5, FRI + dt.timedelta(days=6)),  # Fri + Mon–Thu: the weekend does not count
        (SAT, 1, 5, FRI + dt.timedelta(days=7)),
        (MON, 1, 1, MON),
        (MON, 3, 10, FRI + dt.timedelta(days=7)),
    ],
)
def test_the_notice_lasts_its_days_and_at_least_the_working_days(start, calendar_days, working_days, end):
    assert notice_ends_on(start, calendar_days, working_days) == end


# --- the table, state by state ----------------------------------------------------------------------


def snapshot(cycle):
    c = Cycle.objects.get(pk=cycle.pk)
    return (c.status, c.notice_starts_on, c.notice_ends_on, c.finalized_at, c.opened_at)


def run_edge(action, cycle, staff):
    today = timezone.localdate()
    if action == "open":
        return cycle_open(cycle=cycle, by=staff)
    if action == "publish":
        return cycle_publish(cycle=cycle, by=staff, today=today)
    return results_finalize(cycle=cycle, by=staff, today=today)


def put_in_state(cycle, state):
    today = timezone.localdate()
    fields = {"status": state}
    if state in (Cycle.Status.PUBLISHED, Cycle.Status.FINAL):  # a notice that has ended
        fields.update(
            notice_starts_on=today - dt.timedelta(days=10), notice_ends_on=today - dt.timedelta(days=3)
        )
    Cycle.objects.filter(pk=cycle.pk).update(**fields)


@pytest.mark.parametrize("state", list(Cycle.Status))
@pytest.mark.parametrize("action", list(CYCLE_TRANSITIONS))
def test_every_state_and_edge(results_cycle, staff_user, state, action):
    cycle = results_cycle.cycle
    put_in_state(cycle, state)
    before = snapshot(cycle)
    audits = AuditEntry.objects.count()
    if state in CYCLE_TRANSITIONS[action]:
        run_edge(action, cycle, staff_user)
        assert snapshot(cycle)[0] == CYCLE_TRANSITIONS[action][state]
        assert AuditEntry.objects.filter(action=f"cycle.{action}").exists()
    elif (state, action) == (Cycle.Status.FINAL, "finalize"):
        # the daily job runs again over a final cycle: nothing more happens
        assert run_edge(action, cycle, staff_user) == {"finalized": 0, "waiting": 0, "awards": 0}
        assert snapshot(cycle) == before and AuditEntry.objects.count() == audits
    else:
        with pytest.raises(TransitionNotAllowed):
            run_edge(action, cycle, staff_user)
        assert snapshot(cycle) == before and AuditEntry.objects.count() == audits


def test_a_refusal_names_the_state_and_the_states_that_allow_it(results_cycle):
    with pytest.raises(TransitionNotAllowed, match="进行中.*公示中"):
        require_cycle_transition(results_cycle.cycle, "finalize")


# --- 公示: dates and completeness ---------------------------------------------------------------------


def test_publishing_before_the_self_assessment_deadline_is_refused(results_cycle, staff_user):
    deadline = timezone.now() + dt.timedelta(days=21)
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(self_assessment_deadline=deadline)
    with pytest.raises(ValidationError, match="自评截止时间 .* 之后才能发布公示"):
        cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


def test_publishing_with_a_branch_neither_reviewed_nor_excluded_names_it(results_cycle, staff_user):
    results_cycle.cycle.exclusions.all().delete()
    with pytest.raises(ValidationError, match=results_cycle.draft.party_organization.name) as info:
        cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    assert "说明不参评原因" in str(info.value)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


@pytest.mark.parametrize("starts_on", [dt.date(1, 1, 1), dt.date(9999, 12, 31), "yesterday"])
def test_a_notice_starting_in_the_past_or_out_of_range_is_refused(results_cycle, staff_user, starts_on):
    if starts_on == "yesterday":
        starts_on = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        cycle_publish(cycle=results_cycle.cycle, by=staff_user, starts_on=starts_on)
    assert "starts_on" in info.value.message_dict
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


def test_the_committees_minimum_of_working_days_extends_a_short_notice(results_cycle, staff_user, committee):
    settings = RatingSettings.for_committee(committee.pk)
    settings.notice_min_working_days = 5
    settings.save()
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(notice_days=1)
    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user, starts_on=FRI, today=FRI)
    last = FRI + dt.timedelta(days=6)  # Fri, Mon, Tue, Wed, Thu
    assert cycle.notice_ends_on == last
    assert notice_is_open(cycle, today=SAT) and notice_is_open(cycle, today=last)
    assert not notice_is_open(cycle, today=last + dt.timedelta(days=1))


def test_finalising_waits_for_the_day_after_the_last_day_of_the_notice(results_cycle, staff_user):
    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user, starts_on=FRI, today=FRI)
    assert cycle.notice_ends_on == FRI + dt.timedelta(days=6)  # 7 days, 5 of them working days
    with pytest.raises(TransitionNotAllowed, match="期满后"):
        results_finalize(cycle=cycle, by=staff_user, today=cycle.notice_ends_on)
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.PUBLISHED
    first_working_day_after = nth_working_day(cycle.notice_ends_on + dt.timedelta(days=1), 1)
    results_finalize(cycle=cycle, by=staff_user, today=first_working_day_after)
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.FINAL


def test_the_cycle_stays_published_while_an_objection_is_open(results_cycle, staff_user):
    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    Objection.objects.create(submission=results_cycle.three, reference="YY-T", reason="理由")
    done = results_finalize(cycle=cycle, by=staff_user, today=cycle.notice_ends_on + dt.timedelta(days=1))
    assert done["waiting"] == 1
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.PUBLISHED
    assert Submission.objects.get(pk=results_cycle.three.pk).finalized_at is None


# --- dates in range ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_out_of_range_dates_are_form_errors(value):
    form = PublishForm({"starts_on": value})
    assert not form.is_valid() and "starts_on" in form.errors
    form = PlaqueForm({"made_on": value, "delivered_on": value})
    assert not form.is_valid() and "made_on" in form.errors
    with pytest.raises(ValidationError):
        RangeDateTimeField(input_formats=["%Y-%m-%d %H:%M"]).clean(f"{value} 00:00")


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_meeting_at_an_impossible_time_is_a_form_error(value):
    with pytest.raises(ValidationError):
        MeetingForm.base_fields["starts_at"].clean(value)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_publishing_from_the_page_with_an_impossible_date_is_a_form_error(staff_client, results_cycle, value):
    from django.urls import reverse

    response = staff_client.post(
        reverse("ratings:cycle-publish", args=[results_cycle.cycle.pk]), {"starts_on": value, "confirm": "1"}
    )
    assert response.status_code == 200 and "2000-01-01" in response.content.decode()
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


# --- confirmations ------------------------------------------------------------------------------------


def test_publishing_without_confirmation_shows_the_consequences_and_changes_nothing(
    staff_client, results_cycle
):
    from django.urls import reverse

    url = reverse("ratings:cycle-publish", args=[results_cycle.cycle.pk])
    for response in (staff_client.get(url), staff_client.post(url, {"starts_on": ""})):
        page = response.content.decode()
        assert response.status_code == 200 and "确认发布公示" in page and 'name="confirm"' in page
        assert "5 个党组织的评审结果" in page and "3 个列入星级名单" in page
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN
    staff_client.post(url, {"starts_on": "", "confirm": "1"})
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.PUBLISHED


def test_finalising_without_confirmation_lists_the_certificate_numbers_it_will_issue(
    staff_client, results_cycle, staff_user
):
    from django.urls import reverse

    start = timezone.localdate() - dt.timedelta(days=20)
    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user, starts_on=start, today=start)
    url = reverse("ratings:results-finalize", args=[cycle.pk])
    page = staff_client.post(url).content.decode()
    assert "确认确定结果" in page and "授予 3 个星级命名" in page
    assert results_cycle.five.party_organization.name in page
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.PUBLISHED
    staff_client.post(url, {"confirm": "1"})
    from ratings.models import Award

    numbers = list(Award.objects.filter(cycle=cycle).values_list("certificate_no", flat=True))
    assert len(numbers) == 3 and all(n in page for n in numbers)
