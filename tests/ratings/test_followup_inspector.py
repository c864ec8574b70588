"""A scheduled follow-up visit is scored by the inspector assigned to it, like an inspection:
only that inspector, only while the check is open; staff see who scored and conclude."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ratings.models import Award, FollowUpScore
from ratings.outcomes import followup
from tests import factories
from tests.ratings.conftest import finalize_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(results_cycle, staff_user):
    return finalize_results(results_cycle, staff_user)


def _check(final, key, staff_user, inspector):
    award = Award.objects.select_related("cycle").get(submission=getattr(final, key))
    check = followup.followup_check_open(award=award, trigger="abnormal", note="test")
    indicator = final.cycle.rubric.indicators().first()
    followup.followup_schedule(
        check=check, by=staff_user, visit_on=timezone.localdate(), inspector=inspector, indicators=[indicator]
    )
    return check, indicator


def test_the_assigned_inspector_scores_and_the_score_records_who(final, staff_user, inspector_user):
    check, indicator = _check(final, "five", staff_user, inspector_user)
    followup.followup_score(
        check=check, by=inspector_user, indicator=indicator, score=Decimal("1"), finding="缺台账"
    )
    row = FollowUpScore.objects.get(check_row=check)
    assert (row.score, row.finding, row.scored_by) == (Decimal("1"), "缺台账", inspector_user)


def test_another_inspector_may_not_score_and_nobody_after_conclusion(
    final, staff_user, inspector_user, committee
):
    check, indicator = _check(final, "five", staff_user, inspector_user)
    other = factories.InspectorUserFactory(committee=committee, username="other-inspector")
    with pytest.raises(PermissionDenied):
        followup.followup_score(check=check, by=other, indicator=indicator, score=Decimal("1"))
    followup.followup_conclude(check=check, by=staff_user, outcome="confirmed", conclusion="维持")
    with pytest.raises(ValidationError):
        followup.followup_score(check=check, by=inspector_user, indicator=indicator, score=Decimal("1"))
    assert not FollowUpScore.objects.exists()


def test_the_inspector_scores_on_the_visit_page_and_staff_see_it(
    final, staff_user, inspector_user, committee, client
):
    check, indicator = _check(final, "five", staff_user, inspector_user)
    url = reverse("ratings:followup-visit", args=[check.pk])
    client.force_login(inspector_user)
    listing = client.get(reverse("ratings:inspections")).content.decode()
    assert url in listing
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"indicator": indicator.pk, "score": "1.5", "finding": "记录不全"})
    assert response.status_code == 302
    assert FollowUpScore.objects.get(check_row=check).scored_by == inspector_user
    client.force_login(factories.InspectorUserFactory(committee=committee, username="other-inspector"))
    assert client.get(url).status_code == 404
    client.force_login(staff_user)
    page = client.get(reverse("ratings:followup-check", args=[check.pk])).content.decode()
    assert "记录不全" in page and str(inspector_user) in page
    followup.followup_conclude(check=check, by=staff_user, outcome="confirmed", conclusion="维持")
    client.force_login(inspector_user)
    page = client.get(url)
    assert page.status_code == 200 and 'name="score"' not in page.content.decode()
    post = client.post(url, {"indicator": indicator.pk, "score": "0", "finding": ""})
    assert post.status_code == 400
    assert FollowUpScore.objects.get(check_row=check).score == Decimal("1.5")
    assert url not in client.get(reverse("ratings:inspections")).content.decode()


def test_the_inspectors_list_takes_the_same_queries_for_one_or_three_visits(
    final, staff_user, inspector_user, client
):
    client.force_login(inspector_user)
    _check(final, "five", staff_user, inspector_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("ratings:inspections")).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    _check(final, "four", staff_user, inspector_user)
    _check(final, "three", staff_user, inspector_user)
    assert count() == one
    assert client.get(reverse("ratings:inspections")).content.decode().count("followup/") == 3
