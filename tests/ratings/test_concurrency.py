"""Concurrent writes on PostgreSQL (SQLite serialises whole transactions, so it proves nothing here).

Each test runs the services in threads, every thread with its own database connection, released
together at a barrier. Where a race needs a wider window than a few milliseconds to show, a step
between reading and writing is slowed down or held until the other thread gets there, so a missing
row lock makes the test fail every time rather than now and then. The last two tests check the
other side: a lock must cover only the row being written, so one branch or inspector never waits
for another's transaction.
"""

import contextlib
import threading
import time
from unittest import mock

import pytest
from django.db import connection

from branches.models import AuditEntry
from ratings.models import InspectionAssignment, InspectionScore, RatingSettings, Status, Submission
from ratings.workflow import onsite, precheck, self_assessment
from ratings.workflow.edges import TransitionNotAllowed
from tests import factories

# Skipped with the reason by tests/service_markers.py unless the database is PostgreSQL.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WINDOW = 0.3  # seconds a slowed step waits: long enough for the other thread to reach the same point


def run_together(*calls):
    """Run each call in its own thread and connection, all released at once.
    Returns (results, errors), each in the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:
            errors[i] = exc
        finally:
            connection.close()  # this thread's connection, not the test's

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results, errors


def slowed(original):
    def wrapper(*args, **kwargs):
        time.sleep(WINDOW)
        return original(*args, **kwargs)

    return wrapper


def _accepted_with_two_inspectors(flow, submission):
    flow.fill(submission)
    self_assessment.submission_submit(submission=submission, by=flow.secretary(submission))
    precheck.submission_accept(submission=submission, by=flow.staff)
    return flow.assign(submission)


def test_two_inspectors_saving_at_the_same_time_lose_nothing(rating_flow, rating_submission):
    assignments = _accepted_with_two_inspectors(rating_flow, rating_submission)
    indicators = rating_flow.indicators(rating_submission)
    # Each inspector goes over every indicator three times; the last round is what must remain.
    rounds = {
        a.pk: [{ind.pk: ind.max_score - r - k for ind in indicators} for r in range(3)]
        for k, a in enumerate(assignments)
    }

    def inspect(assignment):
        def run():
            own = InspectionAssignment.objects.get(pk=assignment.pk)
            for scores in rounds[assignment.pk]:
                for ind in indicators:
                    onsite.inspection_score_save(
                        assignment=own,
                        indicator_id=ind.pk,
                        score=scores[ind.pk],
                        finding=f"{own.inspector} 第{scores[ind.pk]}分",
                        by=own.inspector,
                    )

        return run

    _results, errors = run_together(*(inspect(a) for a in assignments))

    assert errors == [None, None]
    for a in assignments:
        saved = dict(InspectionScore.objects.filter(assignment=a).values_list("indicator_id", "score"))
        assert saved == rounds[a.pk][-1]
    assert AuditEntry.objects.filter(
        action="inspection.score", target_id=str(rating_submission.pk)
    ).count() == 2 * 3 * len(indicators)


def test_two_submits_at_once_make_one_transition_and_one_audit_entry(rating_flow, rating_submission):
    rating_flow.fill(rating_submission)
    secretary = rating_flow.secretary(rating_submission)
    copies = [Submission.objects.get(pk=rating_submission.pk) for _ in range(2)]

    # Slow the completeness check, which runs after the status is read and before it is written.
    with mock.patch.object(self_assessment, "submission_missing", slowed(self_assessment.submission_missing)):
        results, errors = run_together(
            *(lambda s=s: self_assessment.submission_submit(submission=s, by=secretary) for s in copies)
        )

    assert sum(r is not None for r in results) == 1
    [error] = [e for e in errors if e is not None]
    assert isinstance(error, TransitionNotAllowed)
    assert Submission.objects.get(pk=rating_submission.pk).status == Status.SUBMITTED
    assert (
        AuditEntry.objects.filter(action="submission.submit", target_id=str(rating_submission.pk)).count()
        == 1
    )


def test_the_last_two_sign_offs_at_once_complete_the_inspection_exactly_once(rating_flow, rating_submission):
    assignments = _accepted_with_two_inspectors(rating_flow, rating_submission)
    for a in assignments:
        rating_flow.score(a)
    # The committee's settings exist already (as in production); creating them inside the two
    # sign-offs would serialise them on the unique index and hide a missing lock.
    RatingSettings.for_committee(rating_submission.cycle.committee_id)

    # Hold each sign-off right after it has read everyone's signatures until the other one has
    # read them too. Row locks must keep the second sign-off from reading before the first has
    # committed (the wait then times out and the first goes on); without them both would read
    # before either committed, and neither would see the inspection complete.
    meet = threading.Barrier(2, timeout=1.5)

    def after_reading_signatures(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if (
            sql.startswith("SELECT")
            and 'FROM "ratings_inspectionassignment"' in sql
            and "FOR UPDATE" not in sql
        ):
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
        return result

    def sign_off(assignment):
        def run():
            with connection.execute_wrapper(after_reading_signatures):
                return onsite.inspection_sign_off(assignment=assignment, by=assignment.inspector)

        return run

    _results, errors = run_together(*(sign_off(a) for a in assignments))

    assert errors == [None, None]
    assert all(a.signed_off_at for a in InspectionAssignment.objects.filter(submission=rating_submission))
    assert Submission.objects.get(pk=rating_submission.pk).status == Status.INSPECTED
    assert (
        AuditEntry.objects.filter(action="submission.inspected", target_id=str(rating_submission.pk)).count()
        == 1
    )
    # The commit hook computed the proposed level.
    assert Submission.objects.get(pk=rating_submission.pk).proposed_level == 5


def _while_another_holds(module, module_attr, slow_call, quick_call, hold=2.0, lock_timeout="1s"):
    """Run `slow_call` in one thread, made to stay `hold` seconds inside its transaction at
    `module.module_attr` (a function a workflow service calls), and `quick_call` in another thread once the
    first is there, with a lock timeout shorter than the hold. Returns (slow_error, quick_error)."""
    inside, original = threading.Event(), getattr(module, module_attr)

    def stalling(*args, **kwargs):
        if threading.current_thread().name == "slow":
            inside.set()
            time.sleep(hold)
        return original(*args, **kwargs)

    errors = {}

    def slow():
        try:
            slow_call()
        except Exception as exc:
            errors["slow"] = exc
        finally:
            connection.close()

    def quick():
        try:
            assert inside.wait(timeout=30)
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{lock_timeout}'")
            quick_call()
        except Exception as exc:
            errors["quick"] = exc
        finally:
            connection.close()

    with mock.patch.object(module, module_attr, stalling):
        threads = [threading.Thread(target=slow, name="slow"), threading.Thread(target=quick, name="quick")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return errors.get("slow"), errors.get("quick")


def test_a_branch_saving_does_not_wait_for_another_branchs_transaction_in_the_same_cycle(
    other_secretary_user, rating_flow, rating_submission
):
    # Each write locks its own submission; one branch's slow upload must not hold up the others.
    other = Submission.objects.get(
        cycle=rating_submission.cycle, party_organization=other_secretary_user.party_organization
    )
    secretary = rating_flow.secretary(rating_submission)
    first, other_first = (rating_flow.indicators(s)[0] for s in (rating_submission, other))
    slow_error, quick_error = _while_another_holds(
        self_assessment,
        "sniff",
        lambda: self_assessment.evidence_add(
            submission=rating_submission, indicator_id=first.pk, upload=factories.png_upload(), by=secretary
        ),
        lambda: self_assessment.self_score_save(
            submission=other, indicator_id=other_first.pk, score=10, comment="", by=other_secretary_user
        ),
    )

    assert (slow_error, quick_error) == (None, None)
    assert rating_submission.evidence.count() == 1
    assert other.scores.get(indicator=other_first).score == 10


def test_an_inspector_saving_does_not_wait_for_another_submissions_inspection(
    other_secretary_user, rating_flow, rating_submission, committee
):
    other = Submission.objects.get(
        cycle=rating_submission.cycle, party_organization=other_secretary_user.party_organization
    )
    slow_side = rating_flow.drive(rating_submission, Status.ACCEPTED).assignments.get(
        signed_off_at__isnull=True
    )
    rating_flow.fill(other)
    self_assessment.submission_submit(submission=other, by=other_secretary_user)
    precheck.submission_accept(submission=other, by=rating_flow.staff)
    others = [factories.InspectorUserFactory(committee=committee, username=f"inspector-{c}") for c in "cd"]
    quick_side = rating_flow.assign(other, others)[0]
    ind, other_ind = rating_flow.indicators(rating_submission)[0], rating_flow.indicators(other)[0]

    slow_error, quick_error = _while_another_holds(
        onsite,
        "score_bounds",
        lambda: onsite.inspection_score_save(
            assignment=slow_side, indicator_id=ind.pk, score=5, finding="", by=slow_side.inspector
        ),
        lambda: onsite.inspection_score_save(
            assignment=quick_side, indicator_id=other_ind.pk, score=6, finding="", by=quick_side.inspector
        ),
    )

    assert (slow_error, quick_error) == (None, None)
    assert InspectionScore.objects.get(assignment=slow_side, indicator=ind).score == 5
    assert InspectionScore.objects.get(assignment=quick_side, indicator=other_ind).score == 6
