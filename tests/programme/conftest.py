import datetime as dt

import pytest
from django.utils import timezone

from ratings.workflow.cycle_setup import cycle_open
from ratings.workflow.levels import cycle_recompute_levels
from tests import factories
from tests.ratings.conftest import finalize_results, make_results_cycle


@pytest.fixture
def finished(committee, staff_user):
    """Last year's cycle of `committee`, final: five (5★), four (4★), three (3★) named; none (no
    star) and vetoed below; draft left out."""
    return finalize_results(make_results_cycle(committee, staff_user), staff_user)


@pytest.fixture
def next_cycle(finished, staff_user):
    """This year's cycle on the same rubric, open."""
    cycle = factories.CycleFactory(
        committee=finished.cycle.committee, rubric=finished.cycle.rubric, year=timezone.localdate().year
    )
    return cycle_open(cycle=cycle, by=staff_user)


def review(cycle, po, staff, scores):
    """A reviewed result of `po` in `cycle` with these final scores, levels proposed."""
    sub = factories.reviewed_submission(cycle, po, by=staff, scores=scores)
    cycle_recompute_levels(cycle_id=cycle.pk)
    sub.refresh_from_db()
    return sub


def period():
    today = timezone.localdate()
    return {"starts_on": today - dt.timedelta(days=60), "ends_on": today + dt.timedelta(days=300)}
