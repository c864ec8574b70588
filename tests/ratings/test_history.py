"""The rating's bulk writes leave row history too: opening a cycle, returning with reasons,
recomputing star levels (only the rows that changed), reopening an inspection, importing a
rubric, and a new rubric version from the admin."""

import pytest
from django.urls import reverse

from branches.models import AuditEntry
from ratings.models import Rubric, Status, Submission
from ratings.rubric.services import rubric_copy, rubric_create
from ratings.workflow.levels import cycle_recompute_levels
from ratings.workflow.panel import submission_reopen
from tests import factories

from .conftest import make_results_cycle

pytestmark = pytest.mark.django_db


def test_opening_a_cycle_records_each_new_submission_and_the_frozen_rubric(rating_cycle, staff_user):
    subs = Submission.objects.filter(cycle=rating_cycle)
    assert subs.exists()
    for sub in subs:
        created = sub.history.get(history_type="+")
        assert created.history_user == staff_user
    rubric = rating_cycle.rubric
    frozen = rubric.history.filter(history_type="~").first()
    assert frozen is not None and frozen.frozen_at is not None and frozen.history_user == staff_user


def test_recomputing_levels_records_only_the_submissions_whose_result_moved(committee, staff_user):
    results = make_results_cycle(committee, staff_user)
    reviewed = [s for key, s in results.subs.items() if key != "draft"]
    before = {s.pk: s.history.count() for s in reviewed}

    cycle_recompute_levels(cycle_id=results.cycle.pk)  # nothing changed since the fixture computed it

    assert {s.pk: s.history.count() for s in reviewed} == before

    four = results.subs["four"]
    from ratings.models import FinalScore

    FinalScore.objects.filter(submission=four, indicator__code="1.1").update(score=40)
    cycle_recompute_levels(cycle_id=results.cycle.pk)

    four.refresh_from_db()
    assert four.history.count() == before[four.pk] + 1
    latest = four.history.first()
    previous = latest.prev_record
    assert previous.proposed_level == 4 and latest.proposed_level == 5
    assert {s.pk: s.history.count() for s in reviewed if s.pk != four.pk} == {
        pk: n for pk, n in before.items() if pk != four.pk
    }


def test_reopening_an_inspection_records_each_cleared_sign_off(rating_flow, rating_submission, staff_user):
    sub = rating_flow.drive(rating_submission, Status.INSPECTED)
    assignments = list(sub.assignments.all())
    assert assignments and all(a.signed_off_at for a in assignments)

    submission_reopen(submission=sub, reason="验收记录需补充", by=staff_user)

    for a in assignments:
        a.refresh_from_db()
        assert a.signed_off_at is None
        cleared = a.history.first()
        assert cleared.history_user == staff_user and cleared.prev_record.signed_off_at is not None


def test_new_rubric_versions_are_numbered_in_one_place(committee, staff_user):
    first = factories.make_rubric(committee)
    copy = rubric_copy(rubric=first, by=staff_user)
    blank = rubric_create(rubric=Rubric(committee=committee, name="空白测评标准"), by=staff_user)
    assert (copy.version, blank.version) == (first.version + 1, first.version + 2)
    assert blank.history.get().history_user == staff_user
    assert AuditEntry.objects.filter(action="rubric.create", target_id=str(blank.pk)).exists()


def test_a_rubric_added_in_the_admin_goes_through_the_service(committee, staff_user, client):
    factories.make_rubric(committee)
    last = Rubric.objects.filter(committee=committee).order_by("-version").first()
    client.force_login(staff_user)
    response = client.get(reverse("admin:ratings_rubric_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["name"] = "管理后台新建的测评标准"
    for prefix in _inline_prefixes(response):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(reverse("admin:ratings_rubric_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Rubric.objects.get(committee=committee, name="管理后台新建的测评标准")
    assert new.version == last.version + 1
    assert AuditEntry.objects.filter(action="rubric.create", target_id=str(new.pk), actor=staff_user).exists()


def _inline_prefixes(response):
    return [formset.formset.prefix for formset in response.context["inline_admin_formsets"]]
