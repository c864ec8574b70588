"""Compliance on hand-computed examples: periods, time-zone edges, quorum, founding date, settings."""

import datetime as dt

import pytest

from meetings import compliance
from meetings.compliance import GAP, MET, NOT_REQUIRED, OPEN, TypeRule, evaluate
from meetings.models import MeetingType
from tests import factories
from tests.factories import beijing, meeting_type

pytestmark = pytest.mark.django_db

AFTER_2023 = dt.date(2024, 1, 10)


def states(type_compliance):
    return [p.state for p in type_compliance.periods]


# --- the pure evaluation, no database ---------------------------------------------------------

MONTHLY = TypeRule(1, "committee_meeting", "支委会", "month", 1, committee_id=1)
QUARTERLY = TypeRule(2, "party_lecture", "党课", "quarter", 1, committee_id=1)
QUARTERLY_TWICE = TypeRule(3, "general_meeting", "支部党员大会", "quarter", 2, committee_id=1)
YEARLY = TypeRule(4, "life_meeting", "组织生活会", "year", 1, committee_id=1)
NO_MINIMUM = TypeRule(5, "board_attendance", "列席理事会", "none", 1, committee_id=1)


def run(counts, today=AFTER_2023, founded_on=None, rules=(MONTHLY, QUARTERLY, QUARTERLY_TWICE, YEARLY)):
    return evaluate(
        party_organization_id=1,
        name="支部",
        year=2023,
        rules=list(rules),
        counts=compliance.counts_from_pairs(counts),
        today=today,
        founded_on=founded_on,
    )


def test_monthly_quarterly_and_yearly_periods_on_a_hand_computed_year():
    counts = {
        (1, 1): (1, 0),
        (1, 2): (2, 0),
        (1, 4): (0, 1),
        (1, 6): (1, 0),  # 支委会: Apr only below quorum
        (2, 2): (1, 0),
        (2, 9): (1, 0),  # 党课: Q1 and Q3
        (3, 4): (1, 0),
        (3, 5): (1, 0),
        (3, 7): (1, 0),  # 党员大会 twice a quarter: Q2 yes, Q3 only once
        (4, 12): (1, 0),  # 组织生活会 in December
    }
    branch = run(counts)
    monthly, quarterly, twice, yearly = branch.types

    assert [p.index for p in monthly.gaps] == [3, 4, 5, 7, 8, 9, 10, 11, 12]
    assert (monthly.met_periods, monthly.held, monthly.below_quorum) == (3, 4, 1)
    assert states(quarterly) == [MET, GAP, MET, GAP]
    assert states(twice) == [GAP, MET, GAP, GAP]
    assert twice.periods[2].held == 1 and twice.periods[2].missing == 1
    assert states(yearly) == [MET]
    assert branch.gap_count == 9 + 2 + 3 + 0
    assert branch.due_count == 12 + 4 + 4 + 1
    assert branch.rate == round(100 * 7 / 21, 1)


def test_the_heat_map_puts_each_requirement_in_the_month_its_period_ends():
    counts = {(1, 3): (1, 0), (2, 1): (1, 0)}  # 支委会 in March, 党课 in January (Q1)
    cells = run(counts).months
    assert (cells[0].met, cells[0].due, cells[0].css, cells[0].text) == (0, 1, "hm-zero", "0/1")
    # March: 支委会 (month) + 党课 and 党员大会 (Q1): two of three met
    assert (cells[2].met, cells[2].due, cells[2].css, cells[2].text) == (2, 3, "hm-part", "2/3")
    assert [p.rule.code for p in cells[2].gaps] == ["general_meeting"]
    # December: month + two quarterly + the yearly requirement
    assert cells[11].due == 4 and cells[11].css == "hm-zero"


def test_a_running_period_is_open_not_a_gap_and_later_ones_are_future():
    counts = {(1, 8): (1, 0)}
    branch = run(counts, today=dt.date(2023, 8, 15), rules=(MONTHLY, QUARTERLY, YEARLY))
    monthly, quarterly, yearly = branch.types
    assert states(monthly)[6:] == [GAP, MET, "future", "future", "future", "future"]
    assert states(quarterly) == [GAP, GAP, OPEN, "future"]
    assert states(yearly) == [OPEN]
    assert branch.months[7].css == "hm-full"  # August met already
    assert branch.months[8].css == "hm-future" and branch.months[8].text == ""


def test_periods_that_began_before_the_branch_was_founded_are_not_required():
    branch = run({}, founded_on=dt.date(2023, 5, 10), rules=(MONTHLY, QUARTERLY, YEARLY))
    monthly, quarterly, yearly = branch.types
    assert states(monthly)[:5] == [NOT_REQUIRED] * 5
    assert states(monthly)[5:] == [GAP] * 7
    assert states(quarterly) == [NOT_REQUIRED, NOT_REQUIRED, GAP, GAP]
    assert states(yearly) == [NOT_REQUIRED]
    assert branch.months[0].css == "hm-none" and branch.months[0].text == "—"


def test_a_type_without_minimum_reports_its_count_and_no_requirement():
    branch = run({(5, 3): (2, 0)}, rules=(NO_MINIMUM,))
    (board,) = branch.types
    assert board.periods == [] and board.held == 2 and not board.has_requirement
    assert board.state == NOT_REQUIRED and branch.gap_count == 0 and branch.rate is None


def test_period_compliance_takes_overlapping_periods_whole():
    branch = run({(1, 1): (1, 0), (1, 3): (1, 0), (2, 5): (1, 0)})
    q1 = {row.rule.code: row for row in compliance.period_compliance(branch, quarter=1)}
    assert (q1["committee_meeting"].required, q1["committee_meeting"].held) == (3, 2)
    assert [p.index for p in q1["committee_meeting"].gaps] == [2]
    may = {row.rule.code: row for row in compliance.period_compliance(branch, month=5)}
    assert [p.label for p in may["party_lecture"].periods] == ["2023年第2季度"]
    assert may["party_lecture"].gaps == []
    assert [p.label for p in may["life_meeting"].periods] == ["2023年"]
    year = {row.rule.code: row for row in compliance.period_compliance(branch)}
    assert year["committee_meeting"].required == 12


# --- through the database: local time zone edges, quorum, settings ----------------------------


def test_a_meeting_late_on_31_march_beijing_time_is_q1_and_just_after_midnight_is_q2(branch, record):
    record("party_lecture", (2023, 3, 31, 23, 30))  # 15:30 UTC
    record("party_lecture", (2023, 7, 1, 0, 10))  # 2023-06-30 16:10 UTC, still Q2 in UTC
    lecture = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("party_lecture")
    assert states(lecture) == [MET, GAP, MET, GAP]


def test_year_edges_follow_beijing_time(branch, record):
    record("life_meeting", (2022, 12, 31, 23, 59))
    record("life_meeting", (2024, 1, 1, 0, 30))  # 2023-12-31 16:30 UTC
    assert compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("life_meeting").gaps
    assert (
        compliance.branch_compliance(branch.pk, 2024, today=dt.date(2025, 1, 5)).type("life_meeting").gaps
        == []
    )
    record("life_meeting", (2023, 12, 31, 23, 30))
    assert compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("life_meeting").gaps == []


def test_a_committee_meeting_below_quorum_is_saved_flagged_and_does_not_count(branch, record):
    below = record("committee_meeting", (2023, 2, 8, 9, 0), present=["书记甲"])
    assert (below.entitled_count, below.present_count, below.quorum_ok, below.below_quorum) == (
        3,
        1,
        False,
        True,
    )
    ok = record("committee_meeting", (2023, 3, 8, 9, 0), present=["书记甲", "支委乙"])
    assert ok.quorum_ok is True
    committee_meeting = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type(
        "committee_meeting"
    )
    assert states(committee_meeting)[1:3] == [GAP, MET]
    assert committee_meeting.periods[1].below_quorum == 1
    assert committee_meeting.below_quorum == 1 and committee_meeting.held == 1


def test_probationary_members_do_not_count_toward_the_general_meetings_quorum(branch, record):
    # 6 full members vote; 3 of them plus both 预备党员 present is exactly half: not enough.
    half = record(
        "general_meeting", (2023, 1, 10, 9, 0), present=["书记甲", "支委乙", "党员丁", "预备庚", "预备辛"]
    )
    assert (half.entitled_count, half.present_count, half.quorum_ok) == (6, 3, False)
    more = record("general_meeting", (2023, 4, 10, 9, 0), present=["书记甲", "支委乙", "党员丁", "党员戊"])
    assert (more.entitled_count, more.present_count, more.quorum_ok) == (6, 4, True)
    general = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("general_meeting")
    assert states(general) == [GAP, MET, GAP, GAP]


def test_types_without_quorum_count_whoever_came(branch, record):
    meeting = record("theme_day", (2023, 1, 20, 9, 0), present=["预备庚"])
    assert meeting.quorum_ok is None and meeting.counts_for_compliance


def test_planned_and_cancelled_meetings_do_not_count(branch, record):
    record("theme_day", (2023, 1, 20, 9, 0), status="planned")
    record("theme_day", (2023, 2, 20, 9, 0), status="cancelled")
    record("theme_day", (2023, 3, 20, 9, 0))
    theme = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("theme_day")
    assert states(theme)[:3] == [GAP, GAP, MET]


def test_frequencies_are_committee_settings(branch, record, committee, other_committee):
    MeetingType.objects.filter(committee=committee, code="theme_day").update(frequency="quarter", min_count=2)
    record("theme_day", (2023, 1, 20, 9, 0))
    record("theme_day", (2023, 2, 20, 9, 0))
    record("theme_day", (2023, 4, 20, 9, 0))
    theme = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("theme_day")
    assert states(theme) == [MET, GAP, GAP, GAP]
    # the other committee still has the default (monthly)
    assert meeting_type(other_committee, "theme_day").frequency == "month"


def test_a_type_switched_off_is_not_checked_but_can_be_asked_for(branch, record, committee):
    MeetingType.objects.filter(committee=committee, code="group_meeting").update(counts_for_compliance=False)
    branch_year = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023)
    assert branch_year.type("group_meeting") is None
    asked = compliance.compliance_for_types(branch.pk, 2023, ["group_meeting"], today=AFTER_2023)
    assert asked.type("group_meeting").has_requirement is False


def test_compliance_for_types_keeps_the_order_asked_and_lists_unknown_codes(branch, record):
    record("board_attendance", (2023, 6, 1, 9, 0))
    record("committee_meeting", (2023, 6, 2, 9, 0))
    result = compliance.compliance_for_types(
        branch.pk, 2023, ["board_attendance", "committee_meeting", "nope"], today=AFTER_2023
    )
    assert [t.rule.code for t in result.types] == ["board_attendance", "committee_meeting"]
    assert result.missing_codes == ["nope"]
    assert result.type("board_attendance").held == 1
    assert (
        result.type("committee_meeting").met_periods == 1 and len(result.type("committee_meeting").gaps) == 11
    )


def test_compliance_summary_covers_many_branches_and_keeps_them_apart(committee, branch, record):
    other = factories.PartyOrganizationFactory(committee=committee, with_members=3)
    record("theme_day", (2023, 1, 5, 9, 0))
    record("theme_day", (2023, 1, 6, 9, 0), po=other)
    record("theme_day", (2023, 2, 6, 9, 0), po=other)
    summary = compliance.compliance_summary([branch.pk, other.pk], 2023, today=AFTER_2023)
    assert set(summary) == {branch.pk, other.pk}
    assert summary[branch.pk].type("theme_day").met_periods == 1
    assert summary[other.pk].type("theme_day").met_periods == 2


def test_committee_summary_counts_compliant_branches(committee, branch, record):
    factories.PartyOrganizationFactory(committee=committee, with_members=3)
    summary = compliance.committee_summary(committee.pk, 2023, today=AFTER_2023)
    assert summary.branch_count == 2 and summary.compliant_count == 0
    assert summary.gap_count == 2 * (3 * 12 + 2 * 4 + 2)
    assert [b.name for b in summary.worst(1)] == [sorted(b.name for b in summary.branches)[0]]


def test_a_meeting_recorded_in_utc_midnight_shanghai_is_counted_in_its_local_month(branch, record):
    record("theme_day", beijing(2023, 2, 1, 0, 30).astimezone(dt.UTC))  # 2023-01-31 16:30 UTC
    theme = compliance.branch_compliance(branch.pk, 2023, today=AFTER_2023).type("theme_day")
    assert states(theme)[:2] == [GAP, MET]


def test_meetings_for_evidence_are_the_held_ones_of_the_year_and_types(branch, record):
    held = record("committee_meeting", (2023, 2, 8, 9, 0))
    record("committee_meeting", (2023, 3, 8, 9, 0), status="cancelled")
    record("theme_day", (2023, 3, 9, 9, 0))
    record("committee_meeting", (2024, 1, 8, 9, 0))
    from meetings.selectors import meetings_for_evidence

    assert list(meetings_for_evidence(branch.pk, 2023, ["committee_meeting"])) == [held]


def test_the_compliance_table_tag_renders_one_branch_for_given_types(branch, record):
    from django.template import Context, Template

    record("committee_meeting", (2023, 2, 8, 9, 0))
    html = Template(
        '{% load meetings_tags %}{% compliance_table po year "committee_meeting,theme_day,nope" %}'
    ).render(Context({"po": branch.pk, "year": 2023}))
    assert 'data-type="committee_meeting"' in html and 'data-type="theme_day"' in html
    assert "1/12" in html and "nope" in html


def test_the_committee_summary_include_renders_for_the_rating_dashboard(committee, branch, record):
    from django.template.loader import render_to_string

    summary = compliance.committee_summary(committee.pk, 2023, today=AFTER_2023)
    html = render_to_string("meetings/_committee_summary.html", {"summary": summary})
    assert branch.name in html and "?year=2023" in html


def test_gap_labels_read_in_the_readers_language():
    from django.utils import translation

    from meetings.compliance_rules import gaps_label
    from meetings.models import Frequency

    assert gaps_label(Frequency.MONTH, [2, 3, 7]) == "2、3、7月"
    assert gaps_label(Frequency.QUARTER, [1, 3]) == "第1、3季度"
    with translation.override("en"):
        assert gaps_label(Frequency.MONTH, [2]) == "Month 2"
        assert gaps_label(Frequency.MONTH, [2, 3, 7]) == "Months 2, 3, 7"
        assert gaps_label(Frequency.QUARTER, [1, 3]) == "Quarters 1, 3"
        assert gaps_label(Frequency.YEAR, [1]) == "Whole year"
