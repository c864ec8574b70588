"""Six staff creating the same cycle year at once on PostgreSQL: one cycle, five form errors."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ratings.models import Cycle
from ratings.workflow import cycle_setup
from tests import factories
from tests.ratings.test_concurrency import run_together, slowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_creates_of_one_year_give_one_cycle_and_form_errors(committee, staff_user):
    rubric = factories.make_rubric(committee)
    now = timezone.now()

    def create():
        return cycle_setup.cycle_create(
            cycle=Cycle(
                committee=committee,
                rubric=rubric,
                year=2030,
                self_assessment_deadline=now + dt.timedelta(days=30),
                inspection_deadline=now + dt.timedelta(days=60),
                review_deadline=now + dt.timedelta(days=90),
            ),
            by=staff_user,
        )

    # Every request passes the checks before any of them saves.
    with mock.patch.object(Cycle, "save", slowed(Cycle.save)):
        results, errors = run_together(*[create] * 6)
    assert sum(r is not None for r in results) == 1
    refused = [e for e in errors if e is not None]
    assert len(refused) == 5
    for error in refused:
        assert isinstance(error, ValidationError) and "year" in error.message_dict, repr(error)
    assert Cycle.objects.filter(committee=committee, year=2030).count() == 1
