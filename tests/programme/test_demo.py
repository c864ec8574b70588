"""The programme's demo: the 2023 pairing with its effect in 2024, improvement plans in every
state and published cases, loaded through the services on top of the rating and meeting demos on
any day; loading it again changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from branches import demo as register_demo
from meetings import compliance
from meetings.demo import load_meetings
from meetings.models import Meeting
from programme import pairing as pairing_services
from programme import plans as plan_services
from programme.models import Case, ImprovementPlan, Pairing
from starfire import demo
from starfire.demo.programme import load_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(monkeypatch):
    def _load(day: dt.date):
        real_now = timezone.now
        offset = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone()) - real_now()
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
        register_demo.load_register()
        committee = demo.load_ratings()["committee"]
        load_meetings()
        return committee, load_programme()

    return _load


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2031, 2, 28)])
def test_the_demo_pairing_and_its_effect_in_the_next_cycle(loaded, day):
    committee, result = loaded(day)
    pairing = Pairing.objects.select_related("strong", "weak", "cycle").get(committee=committee)
    assert (pairing.strong.name, pairing.weak.name, pairing.cycle.year) == (
        demo.WUHOU,
        demo.TWO_STAR_2023,
        2023,
    )

    [row] = pairing_services.pairing_rows([pairing], unpublished=True)
    assert row.activities == 4
    assert (row.before.level, row.after.level, row.after.cycle.year) == (2, 3, 2024)
    assert row.change == "提升 1 星"

    # the joint activities are part of both branches' organisational life in 2024
    joint_type = pairing_services.joint_meeting_type(committee.pk)
    counts = compliance.monthly_counts(compliance.branches_in([pairing.strong_id, pairing.weak_id]), 2024)
    for po_id in (pairing.strong_id, pairing.weak_id):
        held = Meeting.objects.filter(meeting_type=joint_type, status="held", starts_at__year=2024)
        hosted, partnered = (
            held.filter(party_organization_id=po_id),
            held.filter(partner_organization_id=po_id),
        )
        assert partnered.count() == 2  # each side recorded two of the four
        assert sum(counts[po_id][joint_type.pk][0]) == hosted.count() + partnered.count()

    # improvement plans in every state, overdue among them, on any day
    plans = plan_services.with_progress(ImprovementPlan.objects.filter(committee=committee), day)
    shown = {plan_services.display_state(p, overdue=p.has_late)[0] for p in plans}
    assert shown == {"generated", "committed", "in_progress", "done", "overdue"}

    # published cases, with photos, in the public library
    published = Case.objects.filter(committee=committee, state=Case.State.PUBLISHED)
    assert published.count() == result["cases"] == 3
    assert all(c.photos.exists() and c.indicators.exists() for c in published)
    assert Case.objects.filter(committee=committee).exclude(state=Case.State.PUBLISHED).count() == 2

    assert load_programme() == result  # idempotent
