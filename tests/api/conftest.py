import pytest
from rest_framework.test import APIClient

from api.tokens import token_create
from ratings.workflow import precheck, self_assessment
from tests.ratings import conftest as rating_fixtures

# The rating's fixtures, shared with its tests.
rating_rubric = rating_fixtures.rating_rubric
rating_cycle = rating_fixtures.rating_cycle
rating_submission = rating_fixtures.rating_submission
rating_inspectors = rating_fixtures.rating_inspectors
rating_flow = rating_fixtures.rating_flow
results_cycle = rating_fixtures.results_cycle


@pytest.fixture
def api():
    """`api(user)`: an API client with a fresh personal token of `user` (None: anonymous)."""

    def _client(user=None):
        client = APIClient()
        if user is not None:
            _token, key = token_create(user=user, name="测试")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return _client


@pytest.fixture
def accepted(rating_submission, rating_flow, staff_user):
    """The submission accepted for inspection, two inspectors assigned, nothing scored yet."""
    rating_flow.fill(rating_submission)
    self_assessment.submission_submit(
        submission=rating_submission, by=rating_flow.secretary(rating_submission)
    )
    precheck.submission_accept(submission=rating_submission, by=staff_user)
    return rating_flow.assign(rating_submission)


@pytest.fixture
def results_cycle_published(committee, staff_user):
    """A cycle of last year with five reviewed results, published (its 公示 running)."""
    from ratings.outcomes.publication import cycle_publish
    from tests.ratings.conftest import make_results_cycle

    return cycle_publish(cycle=make_results_cycle(committee, staff_user).cycle, by=staff_user)
