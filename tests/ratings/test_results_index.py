"""The 公示与命名 index counts each result and each award once, however many awards a cycle has
(ratings.views.publication)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_results_index_counts_each_result_and_award_once(two_finished_cycles, staff_client):
    older, newer = two_finished_cycles
    page = staff_client.get(reverse("ratings:results-index"))
    rows = {c.pk: (c.n_reviewed, c.n_awards) for c in page.context["cycles"]}
    # by hand: five, four, three, none and vetoed reviewed; five, four and three named
    assert rows == {older.cycle.pk: (5, 3), newer.cycle.pk: (5, 3)}
