"""cycle_recompute_levels: totals from one SQL aggregate, and only the rows that moved written."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import Role
from ratings.models import FinalScore, InspectionAssignment, InspectionScore, Status, Submission
from ratings.workflow.levels import (
    cycle_recompute_levels,
    indicator_totals,
    recompute_deferred,
    recompute_on_commit,
)
from tests import factories

from .conftest import make_results_cycle

pytestmark = pytest.mark.django_db

LEVEL_COLUMNS = ("total", "proposed_level", "level_explanation", "indicator_total")


def submission_updates(queries) -> list[str]:
    table = Submission._meta.db_table
    return [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}"')]


def levels(cycle):
    return {
        pk: values for pk, *values in Submission.objects.filter(cycle=cycle).values_list("pk", *LEVEL_COLUMNS)
    }


def test_recompute_with_nothing_changed_writes_no_row(committee, staff_user):
    results = make_results_cycle(committee, staff_user)
    history_before = {s.pk: s.history.count() for s in results.subs.values()}

    with CaptureQueriesContext(connection) as ctx:
        count = cycle_recompute_levels(cycle_id=results.cycle.pk)

    assert count == 5  # the five reviewed submissions; the draft is not under review
    assert submission_updates(ctx.captured_queries) == []
    assert {s.pk: s.history.count() for s in results.subs.values()} == history_before


def test_a_changed_score_updates_exactly_that_submission(committee, staff_user):
    results = make_results_cycle(committee, staff_user)
    before = levels(results.cycle)
    history_before = {s.pk: s.history.count() for s in results.subs.values()}
    four = results.subs["four"]
    final = FinalScore.objects.get(submission=four, indicator__code="1.2")
    FinalScore.objects.filter(pk=final.pk).update(score=final.score - Decimal("0.5"))

    with CaptureQueriesContext(connection) as ctx:
        cycle_recompute_levels(cycle_id=results.cycle.pk)

    updates = submission_updates(ctx.captured_queries)
    assert len(updates) == 1, updates
    after = levels(results.cycle)
    assert [pk for pk in after if after[pk] != before[pk]] == [four.pk]
    assert after[four.pk][0] == before[four.pk][0] - Decimal("0.5")
    assert {s.pk: s.history.count() for s in results.subs.values()} == {
        pk: n + (pk == four.pk) for pk, n in history_before.items()
    }


def test_a_submission_reopened_out_of_review_is_cleared_in_the_same_statement(committee, staff_user):
    results = make_results_cycle(committee, staff_user)
    three = results.subs["three"]
    Submission.objects.filter(pk=three.pk).update(status=Status.INSPECTED)
    cycle_recompute_levels(cycle_id=results.cycle.pk)  # still under review: nothing moves
    Submission.objects.filter(pk=three.pk).update(status=Status.ACCEPTED)

    with CaptureQueriesContext(connection) as ctx:
        count = cycle_recompute_levels(cycle_id=results.cycle.pk)

    assert count == 4 and len(submission_updates(ctx.captured_queries)) == 1
    three.refresh_from_db()
    assert (three.total, three.proposed_level, three.level_explanation) == (None, None, "")


def test_inspector_averages_round_half_to_even_as_the_rules_always_did(committee, staff_user):
    """Four inspectors giving 0, 0, 0 and 0.5 average 0.125, which rounds to 0.12 (not 0.13)."""
    results = make_results_cycle(committee, staff_user)
    sub = results.subs["five"]
    indicator = sub.cycle.rubric.indicators().get(code="1.1")
    FinalScore.objects.filter(submission=sub, indicator=indicator).delete()
    for i, score in enumerate(["0", "0", "0", "0.5"]):
        inspector = factories.UserFactory(
            username=f"levels-inspector-{i}", role=Role.INSPECTOR, committee=committee
        )
        assignment = InspectionAssignment.objects.create(
            submission=sub, inspector=inspector, assigned_by=staff_user
        )
        InspectionScore.objects.create(assignment=assignment, indicator=indicator, score=Decimal(score))

    totals = indicator_totals(sub.cycle)

    other_maxima = sum(i.max_score for i in sub.cycle.rubric.indicators().exclude(pk=indicator.pk))
    assert totals[sub.pk] == other_maxima + Decimal("0.12")


def _inspectors_score(sub, committee, staff_user, by_inspector):
    """Each inspector (a list of {indicator: score}) assigned to `sub` and scoring."""
    for k, scores in enumerate(by_inspector):
        inspector = factories.UserFactory(
            username=f"totals-{sub.pk}-{k}", role=Role.INSPECTOR, committee=committee
        )
        assignment = InspectionAssignment.objects.create(
            submission=sub, inspector=inspector, assigned_by=staff_user
        )
        for indicator, score in scores.items():
            InspectionScore.objects.create(assignment=assignment, indicator=indicator, score=Decimal(score))


@pytest.mark.parametrize("with_a_final_score", [False, True], ids=["no final score", "one final score"])
def test_totals_average_the_inspectors_per_indicator_with_or_without_final_scores(
    committee, staff_user, with_a_final_score
):
    """Before the central review a cycle has no final score (the aggregate then leaves them out);
    both forms of the aggregate give the inspectors' average per indicator, rounded half to even,
    summed over the rubric's indicators only."""
    results = make_results_cycle(committee, staff_user)
    cycle = results.cycle
    FinalScore.objects.filter(submission__cycle=cycle).delete()
    ind = {i.code: i for i in cycle.rubric.indicators()}
    elsewhere = factories.make_rubric(committee).indicators().first()  # another rubric's indicator
    four, three = results.subs["four"], results.subs["three"]
    _inspectors_score(
        four,
        committee,
        staff_user,
        [{ind["1.1"]: "3.5", ind["1.2"]: "2", elsewhere: "9"}, {ind["1.1"]: "4", ind["1.2"]: "2.5"}],
    )
    _inspectors_score(three, committee, staff_user, [{ind["1.1"]: s} for s in ["0", "0", "0", "0.5"]])
    if with_a_final_score:
        FinalScore.objects.create(
            submission=four, indicator=ind["1.2"], score=Decimal("7.25"), set_by=staff_user
        )

    totals = indicator_totals(cycle)

    # 3.75 + 2.25 (or the final 7.25); 0.125 → 0.12 (half to even)
    assert totals[four.pk] == (Decimal("11") if with_a_final_score else Decimal("6"))
    assert totals[three.pk] == Decimal("0.12")
    assert set(totals) == {four.pk, three.pk}  # the others have no score at all


def test_deferred_recompute_runs_once_per_cycle_on_leaving(committee, staff_user, django_assert_num_queries):
    results = make_results_cycle(committee, staff_user)
    four = results.subs["four"]
    final = FinalScore.objects.get(submission=four, indicator__code="1.2")
    FinalScore.objects.filter(pk=final.pk).update(score=final.score - Decimal("10"))

    with recompute_deferred():
        assert cycle_recompute_levels(cycle_id=results.cycle.pk) == 0
        recompute_on_commit(results.cycle.pk)
        four.refresh_from_db()
        assert four.total == Decimal(90)  # not yet

    four.refresh_from_db()
    assert four.total == Decimal(80)
