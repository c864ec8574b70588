"""The rating demo is live whatever day it is loaded: a cycle open with deadlines still ahead, the
last finished cycle's awards valid, and 2023's story as it was (starfire.demo)."""

import datetime as dt

import pytest
from django.utils import timezone

from branches import demo as register_demo
from ratings.models import Award, Cycle, Objection, Submission
from starfire import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def load_on(monkeypatch):
    """`load_on(day)`: load the demo as if today were `day` (the clock keeps running from there)."""

    def _load(day: dt.date):
        real_now = timezone.now
        offset = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone()) - real_now()
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
        assert timezone.localdate() == day
        register_demo.load_register()
        return demo.load_ratings()

    return _load


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2031, 2, 28)])
def test_the_demo_is_live_on_the_day_it_is_loaded(load_on, day):
    committee = load_on(day)["committee"]
    now = timezone.now()
    cycles = Cycle.objects.filter(committee=committee)

    current = cycles.get(status=Cycle.Status.OPEN)
    assert current.self_assessment_deadline > now
    assert current.inspection_deadline > current.self_assessment_deadline
    assert current.review_deadline > current.inspection_deadline
    assert not Submission.objects.filter(cycle=current, deadline_extended_to__lt=now).exists()

    finished = cycles.filter(status=Cycle.Status.FINAL).order_by("-year").first()
    awards = Award.objects.filter(cycle=finished)
    assert awards.exists()
    assert {a.public_state for a in awards if a.state != Award.State.REVOKED} == {"valid"}
    assert all(a.valid_until is None or a.valid_until >= day for a in awards)
    assert all(a.valid_from <= day for a in awards)

    # 2023's story: 30 branches at 3★ or above, two objections, one award revoked
    c2023 = cycles.get(year=2023)
    subs = Submission.objects.filter(cycle=c2023)
    assert subs.filter(vetoed=False, final_level__gte=3).count() == 30
    assert Objection.objects.filter(submission__cycle=c2023).count() == 2
    revoked = Award.objects.get(cycle=c2023, state=Award.State.REVOKED)
    assert revoked.public_state == "revoked" and revoked.plaque.returned_on is not None
