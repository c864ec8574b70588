"""The self-assessment shows, beside each indicator where the branch lost points last cycle, the
published 典型经验 cases that illustrate it — in the same queries however many indicators."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programme import cases as services
from programme.hooks import weak_indicator_cases
from ratings.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


def _case(finished, staff, code, title, *, po=None, publish=True):
    case = services.case_create(
        committee_id=finished.cycle.committee_id,
        party_organization=po or finished.five.party_organization,
        title=title,
        text="每月固定支委会，台账随会形成。",
        indicators=[finished.cycle.rubric.indicators().get(code=code)],
        by=staff,
    )
    if publish:
        for edge in ("submit", "publish"):
            case = services.case_transition(case=case, edge=edge, by=staff)
    return case


def _sub(cycle, result):
    return Submission.objects.select_related("cycle").get(
        cycle=cycle, party_organization=result.party_organization
    )


def test_cases_beside_the_indicators_where_points_were_lost(finished, next_cycle, staff_user, client):
    _case(finished, staff_user, "1.1", "支委会这样开")
    _case(finished, staff_user, "1.2", "党课讲到心里")
    _case(finished, staff_user, "2.1", "与失分无关的案例")
    _case(finished, staff_user, "1.1", "还在起草的案例", publish=False)
    _case(finished, staff_user, "1.1", "自己的案例", po=finished.none.party_organization)
    sub = _sub(next_cycle, finished.none)  # lost points on 1.1 and 1.2 last cycle
    notes = weak_indicator_cases(sub)
    assert {code: [n.text for n in items] for code, items in notes.items()} == {
        "1.1": ["支委会这样开"],
        "1.2": ["党课讲到心里"],
    }
    assert notes["1.1"][0].detail == finished.five.party_organization.name
    assert weak_indicator_cases(_sub(next_cycle, finished.five)) == {}  # lost nothing

    client.force_login(factories.SecretaryUserFactory(party_organization=finished.none.party_organization))
    page = client.get(reverse("ratings:self-assessment", args=[sub.pk])).content.decode()
    assert "支委会这样开" in page and "党课讲到心里" in page
    assert "与失分无关的案例" not in page and "还在起草的案例" not in page
    assert page.index("支委会这样开") > page.index('id="ind-')  # beside an indicator
    case = services.published_cases().get(title="支委会这样开")
    assert reverse("programme:case-public", args=[case.pk]) in page


def test_the_same_queries_for_more_indicators_and_cases(finished, next_cycle, staff_user):
    def queries(result):
        sub = _sub(next_cycle, result)
        with CaptureQueriesContext(connection) as ctx:
            notes = weak_indicator_cases(sub)
        return len(ctx.captured_queries), notes

    _case(finished, staff_user, "1.1", "支委会这样开")
    few, notes = queries(finished.four)  # lost points on 1.1 only
    assert list(notes) == ["1.1"]
    for n in range(5):
        _case(finished, staff_user, ("1.1", "1.2")[n % 2], f"案例{n}")
    many, notes = queries(finished.none)  # on 1.1 and 1.2, with more cases
    assert sorted(notes) == ["1.1", "1.2"] and len(notes["1.1"]) == 3
    assert many == few == 2


def test_no_cases_from_a_last_cycle_whose_results_are_not_out(committee, staff_user):
    from ratings.outcomes.publication import cycle_publish
    from ratings.workflow.cycle_setup import cycle_open
    from tests.ratings.conftest import make_results_cycle

    results = make_results_cycle(committee, staff_user)  # last year's, reviewed, not yet 公示
    _case(results, staff_user, "1.1", "支委会这样开")
    this_year = cycle_open(
        cycle=factories.CycleFactory(
            committee=committee, rubric=results.cycle.rubric, year=results.cycle.year + 1
        ),
        by=staff_user,
    )
    sub = _sub(this_year, results.none)
    assert weak_indicator_cases(sub) == {}

    cycle_publish(cycle=results.cycle, by=staff_user)
    assert [n.text for n in weak_indicator_cases(sub)["1.1"]] == ["支委会这样开"]
