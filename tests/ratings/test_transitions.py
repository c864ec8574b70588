"""The submission state machine, through the real services with the actor each edge needs.

One parametrized test over every status × every action: the edges of the procedure (issue 4: its
first four steps, self-assessment, preliminary check, on-site acceptance, central review) succeed
with the expected target and an audit entry; every other edge raises and changes nothing. Then
the rules around the edges: no editing after submit, the deadline and its extension, reasons for
reopening, open vetoes, and when an inspection is done.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import AuditEntry
from ratings.models import (
    Cycle,
    Evidence,
    FinalScore,
    IndicatorScore,
    InspectionAssignment,
    InspectionScore,
    RatingSettings,
    ReturnReason,
    Status,
    Submission,
    VetoDecision,
)
from ratings.workflow import levels, onsite, panel, precheck, self_assessment
from ratings.workflow.edges import TransitionNotAllowed
from tests import factories

pytestmark = pytest.mark.django_db

ACTIONS = ["submit", "return", "accept", "sign_off", "review", "reopen"]

# The procedure written out: (from, action) → to. Reopen steps back one stage (re-check,
# re-inspection, re-review); signing off completes the inspection when the last inspector signs.
ALLOWED = {
    (Status.DRAFT, "submit"): Status.SUBMITTED,
    (Status.RETURNED, "submit"): Status.SUBMITTED,
    (Status.SUBMITTED, "return"): Status.RETURNED,
    (Status.SUBMITTED, "accept"): Status.ACCEPTED,
    (Status.ACCEPTED, "sign_off"): Status.INSPECTED,
    (Status.INSPECTED, "review"): Status.REVIEWED,
    (Status.ACCEPTED, "reopen"): Status.SUBMITTED,
    (Status.INSPECTED, "reopen"): Status.ACCEPTED,
    (Status.REVIEWED, "reopen"): Status.INSPECTED,
}
AUDIT_ACTION = {
    "submit": "submission.submit",
    "return": "submission.return",
    "accept": "submission.accept",
    "sign_off": "submission.inspected",
    "review": "submission.review",
    "reopen": "submission.reopen",
}
STAMPED = {
    "submit": "submitted_at",
    "accept": "accepted_at",
    "sign_off": "inspected_at",
    "review": "reviewed_at",
}


def _ready_to_sign(flow, submission, username="inspector-extra"):
    """An inspector's assignment written directly, every indicator scored, not signed: every
    precondition of signing off (and an inspectors' average for the review) except the status."""
    inspector = factories.InspectorUserFactory(committee=submission.cycle.committee, username=username)
    assignment = InspectionAssignment.objects.create(
        submission=submission, inspector=inspector, assigned_by=flow.staff
    )
    for ind in flow.indicators(submission):
        InspectionScore.objects.create(assignment=assignment, indicator=ind, score=ind.max_score)
    return assignment


def _prepare(action, flow, submission):
    """The call of `action` by its proper actor, with everything but the status in order."""
    if action == "submit":
        secretary = flow.secretary(submission)
        return secretary, lambda: self_assessment.submission_submit(submission=submission, by=secretary)
    if action == "return":
        return flow.staff, lambda: precheck.submission_return(
            submission=submission, by=flow.staff, reasons=[(None, "请补充会议记录")]
        )
    if action == "accept":
        return flow.staff, lambda: precheck.submission_accept(submission=submission, by=flow.staff)
    if action == "sign_off":
        if submission.status == Status.ACCEPTED:
            assignment = submission.assignments.get(signed_off_at__isnull=True)
        else:
            assignment = _ready_to_sign(flow, submission)
        return assignment.inspector, lambda: onsite.inspection_sign_off(
            assignment=assignment, by=assignment.inspector
        )
    if action == "review":
        if not submission.assignments.exists():
            _ready_to_sign(flow, submission)
        return flow.staff, lambda: panel.submission_review(submission=submission, by=flow.staff)
    if action == "reopen":
        return flow.staff, lambda: panel.submission_reopen(
            submission=submission, by=flow.staff, reason="复核发现佐证材料与现场不符"
        )
    raise AssertionError(action)


def _state(submission):
    """Everything an edge could touch."""
    return {
        "row": Submission.objects.filter(pk=submission.pk).values().get(),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True)),
        "return_reasons": list(
            ReturnReason.objects.filter(submission=submission).values_list("pk", flat=True)
        ),
        "assignments": list(
            InspectionAssignment.objects.filter(submission=submission)
            .order_by("pk")
            .values_list("pk", "signed_off_at")
        ),
        "final_scores": list(
            FinalScore.objects.filter(submission=submission).order_by("pk").values_list("pk", "score")
        ),
        "self_scores": list(
            IndicatorScore.objects.filter(submission=submission).order_by("pk").values_list("pk", "score")
        ),
    }


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("start", list(Status))
def test_every_action_from_every_status(start, action, rating_flow, rating_submission, committee):
    submission = rating_flow.drive(rating_submission, start)
    assert submission.status == start
    actor, act = _prepare(action, rating_flow, submission)
    before = _state(submission)

    if (start, action) in ALLOWED:
        target = ALLOWED[(start, action)]
        result = act()

        row = Submission.objects.get(pk=submission.pk)
        assert row.status == target
        if action != "sign_off":
            assert result.status == target
        entries = AuditEntry.objects.filter(
            pk__gt=max(before["audit"], default=0),
            action=AUDIT_ACTION[action],
            target_type="ratings.submission",
            target_id=str(submission.pk),
        )
        assert entries.count() == 1
        entry = entries.get()
        assert entry.actor == actor
        assert entry.committee_id == committee.pk
        assert entry.before == {"status": start.value} and entry.after == {"status": target.value}
        if action in STAMPED:
            assert getattr(row, STAMPED[action]) is not None
            assert getattr(row, STAMPED[action]) != before["row"][STAMPED[action]]
    else:
        with pytest.raises(TransitionNotAllowed) as excinfo:
            act()
        assert excinfo.value.messages[0]
        assert _state(submission) == before


def test_the_matrix_covers_every_edge_of_the_procedure():
    """Guards the table above against a status added to the model without a decision here."""
    assert {s for s, _a in ALLOWED} | set(ALLOWED.values()) == set(Status)


# --- The branch cannot edit what it has handed in ---------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED, Status.REVIEWED])
def test_a_handed_in_submission_cannot_be_edited_by_the_branch(status, rating_flow, rating_submission):
    submission = rating_flow.drive(rating_submission, status, self_scores={"1.1": 30})
    secretary = rating_flow.secretary(submission)
    ind = {i.code: i for i in rating_flow.indicators(submission)}["1.1"]
    evidence = Evidence.objects.filter(submission=submission).first()
    before = _state(submission)
    files = sorted(Evidence.objects.filter(submission=submission).values_list("pk", flat=True))

    with pytest.raises(ValidationError):
        self_assessment.self_score_save(
            submission=submission, indicator_id=ind.pk, score=40, comment="改一下", by=secretary
        )
    with pytest.raises(ValidationError):
        self_assessment.evidence_add(
            submission=submission, indicator_id=ind.pk, upload=factories.png_upload(), by=secretary
        )
    with pytest.raises(ValidationError):
        self_assessment.evidence_remove(evidence=evidence, by=secretary)

    assert _state(submission) == before
    assert IndicatorScore.objects.get(submission=submission, indicator=ind).score == 30
    assert sorted(Evidence.objects.filter(submission=submission).values_list("pk", flat=True)) == files


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED])
def test_the_branch_edits_while_it_holds_the_submission(status, rating_flow, rating_submission):
    submission = rating_flow.drive(rating_submission, status, self_scores={"1.1": 30})
    secretary = rating_flow.secretary(submission)
    ind = {i.code: i for i in rating_flow.indicators(submission)}["1.1"]

    self_assessment.self_score_save(
        submission=submission, indicator_id=ind.pk, score="35.5", comment="补充", by=secretary
    )
    self_assessment.evidence_add(
        submission=submission, indicator_id=ind.pk, upload=factories.png_upload(), by=secretary
    )

    assert IndicatorScore.objects.get(submission=submission, indicator=ind).score == 35.5
    assert Evidence.objects.filter(submission=submission, indicator=ind).count() == 2


# --- Deadline ---------------------------------------------------------------------------------


def _close_self_assessment(cycle):
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=timezone.now() - dt.timedelta(minutes=1)
    )


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED])
def test_a_passed_deadline_blocks_submit_until_staff_extend_it_for_that_branch(
    status, other_secretary_user, rating_flow, rating_submission, staff_user
):
    submission = rating_flow.drive(rating_submission, status)
    other = Submission.objects.get(
        cycle=submission.cycle, party_organization=other_secretary_user.party_organization
    )
    rating_flow.fill(other)
    _close_self_assessment(submission.cycle)
    submission.refresh_from_db()
    submission.cycle.refresh_from_db()
    before = _state(submission)

    with pytest.raises(TransitionNotAllowed, match="截止"):
        self_assessment.submission_submit(submission=submission, by=rating_flow.secretary(submission))
    assert _state(submission) == before

    precheck.submission_extend_deadline(
        submission=submission, until=timezone.now() + dt.timedelta(days=3), reason="因疫情延期", by=staff_user
    )
    self_assessment.submission_submit(submission=submission, by=rating_flow.secretary(submission))
    assert Submission.objects.get(pk=submission.pk).status == Status.SUBMITTED

    # The extension was for that branch only.
    with pytest.raises(TransitionNotAllowed):
        self_assessment.submission_submit(submission=other, by=other_secretary_user)
    assert Submission.objects.get(pk=other.pk).status == Status.DRAFT


def test_an_extension_must_lie_in_the_future_and_have_a_reason(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.DRAFT)
    _close_self_assessment(submission.cycle)
    before = _state(submission)

    with pytest.raises(ValidationError):
        precheck.submission_extend_deadline(
            submission=submission, until=timezone.now() - dt.timedelta(hours=1), reason="延期", by=staff_user
        )
    with pytest.raises(ValidationError):
        precheck.submission_extend_deadline(
            submission=submission, until=timezone.now() + dt.timedelta(days=1), reason="  ", by=staff_user
        )
    assert _state(submission) == before


def test_an_incomplete_self_assessment_cannot_be_submitted_and_the_message_lists_what_is_missing(
    rating_flow, rating_submission
):
    submission = rating_submission
    secretary = rating_flow.secretary(submission)
    ind = {i.code: i for i in rating_flow.indicators(submission)}
    self_assessment.self_score_save(
        submission=submission, indicator_id=ind["1.1"].pk, score=40, comment="", by=secretary
    )
    self_assessment.self_score_save(
        submission=submission, indicator_id=ind["1.2"].pk, score=30, comment="", by=secretary
    )
    before = _state(submission)

    with pytest.raises(ValidationError) as excinfo:
        self_assessment.submission_submit(submission=submission, by=secretary)

    text = " ".join(excinfo.value.messages)
    assert "1.1" in text and "2.1" in text  # 1.1 lacks evidence, 2.1 a score and evidence
    assert "1.2" not in text  # scored and needs no evidence
    assert _state(submission) == before


# --- Reopen, review, inspection ---------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.INSPECTED, Status.REVIEWED])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopen_requires_a_reason(status, reason, rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, status)
    before = _state(submission)

    with pytest.raises(ValidationError):
        panel.submission_reopen(submission=submission, by=staff_user, reason=reason)

    assert _state(submission) == before


def test_reopening_an_inspection_lets_the_inspectors_score_and_sign_again(rating_flow, rating_submission):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    panel.submission_reopen(submission=submission, by=rating_flow.staff, reason="照片与现场不符，重新验收")
    ind = rating_flow.indicators(submission)[0]

    assignments = list(submission.assignments.order_by("pk"))
    assert all(a.signed_off_at is None for a in assignments)
    onsite.inspection_score_save(
        assignment=assignments[0], indicator_id=ind.pk, score=20, finding="复查", by=assignments[0].inspector
    )
    for a in assignments:
        onsite.inspection_sign_off(assignment=a, by=a.inspector)

    assert Submission.objects.get(pk=submission.pk).status == Status.INSPECTED
    assert InspectionScore.objects.get(assignment=assignments[0], indicator=ind).score == 20


def test_review_requires_every_veto_to_be_decided(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    veto_item = submission.cycle.rubric.vetoes.get(code="V1")
    veto = panel.veto_raise(submission=submission, item_id=veto_item.pk, note="群众举报", by=staff_user)
    before = _state(submission)

    with pytest.raises(ValidationError, match="一票否决"):
        panel.submission_review(submission=submission, by=staff_user)
    assert _state(submission) == before

    panel.veto_decide(veto=veto, confirmed=False, reason="经核实举报不实", by=staff_user)
    panel.submission_review(submission=submission, by=staff_user)
    assert Submission.objects.get(pk=submission.pk).status == Status.REVIEWED


def test_a_confirmed_veto_does_not_block_the_review_but_gives_no_star(
    rating_flow, rating_submission, staff_user
):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    veto = panel.veto_raise(
        submission=submission,
        item_id=submission.cycle.rubric.vetoes.get(code="V2").pk,
        note="民政部门公告",
        by=staff_user,
    )
    panel.veto_decide(veto=veto, confirmed=True, reason="已核实被撤销登记", by=staff_user)

    panel.submission_review(submission=submission, by=staff_user)

    row = Submission.objects.get(pk=submission.pk)
    assert row.status == Status.REVIEWED
    assert row.vetoed is True and row.proposed_level is None
    assert VetoDecision.objects.get(pk=veto.pk).state == VetoDecision.State.CONFIRMED


def _accepted(rating_flow, submission):
    rating_flow.fill(submission)
    self_assessment.submission_submit(submission=submission, by=rating_flow.secretary(submission))
    precheck.submission_accept(submission=submission, by=rating_flow.staff)
    return submission


def _status(submission):
    return Submission.objects.get(pk=submission.pk).status


def _inspected_entries(submission):
    return AuditEntry.objects.filter(action="submission.inspected", target_id=str(submission.pk)).count()


def test_the_inspection_is_complete_only_when_every_assigned_inspector_has_signed(
    rating_flow, rating_submission, committee
):
    submission = _accepted(rating_flow, rating_submission)
    a, b = rating_flow.inspectors
    c = factories.InspectorUserFactory(committee=committee, username="inspector-c")
    assignments = rating_flow.assign(submission, [a, b, c])
    for assignment in assignments:
        rating_flow.score(assignment)

    onsite.inspection_sign_off(assignment=assignments[0], by=a)
    onsite.inspection_sign_off(assignment=assignments[1], by=b)  # the minimum of two has signed, c has not
    assert _status(submission) == Status.ACCEPTED
    assert _inspected_entries(submission) == 0

    onsite.inspection_sign_off(assignment=assignments[2], by=c)
    assert _status(submission) == Status.INSPECTED
    assert _inspected_entries(submission) == 1


def test_fewer_inspectors_than_the_committee_minimum_do_not_complete_the_inspection(
    rating_flow, rating_submission, committee
):
    settings = RatingSettings.for_committee(committee.pk)
    settings.min_inspectors = 3
    settings.save()
    submission = _accepted(rating_flow, rating_submission)
    a, b = rating_flow.inspectors
    assignments = rating_flow.assign(submission, [a, b])
    for assignment in assignments:
        rating_flow.score(assignment)
        onsite.inspection_sign_off(assignment=assignment, by=assignment.inspector)
    assert _status(submission) == Status.ACCEPTED  # both signed, but three are required

    c = factories.InspectorUserFactory(committee=committee, username="inspector-c")
    [third] = rating_flow.assign(submission, [c])
    rating_flow.score(third)
    onsite.inspection_sign_off(assignment=third, by=c)

    assert _status(submission) == Status.INSPECTED
    assert _inspected_entries(submission) == 1


def test_a_committee_may_require_a_single_inspector(rating_flow, rating_submission, committee):
    RatingSettings.objects.update_or_create(committee=committee, defaults={"min_inspectors": 1})
    submission = _accepted(rating_flow, rating_submission)
    [only] = rating_flow.assign(submission, rating_flow.inspectors[:1])
    rating_flow.score(only)

    onsite.inspection_sign_off(assignment=only, by=only.inspector)

    assert _status(submission) == Status.INSPECTED


def test_an_inspector_cannot_sign_off_with_indicators_unscored(rating_flow, rating_submission):
    submission = _accepted(rating_flow, rating_submission)
    assignments = rating_flow.assign(submission)
    first_indicator = rating_flow.indicators(submission)[0]
    onsite.inspection_score_save(
        assignment=assignments[0],
        indicator_id=first_indicator.pk,
        score=10,
        finding="",
        by=assignments[0].inspector,
    )
    before = _state(submission)

    with pytest.raises(ValidationError) as excinfo:
        onsite.inspection_sign_off(assignment=assignments[0], by=assignments[0].inspector)

    assert "1.2" in excinfo.value.messages[0] and "2.1" in excinfo.value.messages[0]
    assert _state(submission) == before


def test_a_signed_inspector_cannot_change_scores_any_more(rating_flow, rating_submission):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    signed = submission.assignments.get(signed_off_at__isnull=False)
    ind = rating_flow.indicators(submission)[0]
    before = _state(submission)

    with pytest.raises(TransitionNotAllowed):
        onsite.inspection_score_save(
            assignment=signed, indicator_id=ind.pk, score=1, finding="", by=signed.inspector
        )
    with pytest.raises(TransitionNotAllowed):
        onsite.inspection_sign_off(assignment=signed, by=signed.inspector)

    assert _state(submission) == before
    assert InspectionScore.objects.get(assignment=signed, indicator=ind).score == ind.max_score


def test_a_returned_submission_keeps_each_rounds_reasons(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.RETURNED)
    ind = rating_flow.indicators(submission)[0]
    self_assessment.submission_submit(submission=submission, by=rating_flow.secretary(submission))

    precheck.submission_return(
        submission=submission, by=staff_user, reasons=[(ind.pk, "会议记录缺签名"), (None, " ")]
    )

    rounds = sorted(
        ReturnReason.objects.filter(submission=submission).values_list("round", "indicator_id", "reason")
    )
    assert rounds == [(1, None, "材料不全"), (2, ind.pk, "会议记录缺签名")]


def test_a_return_without_any_reason_is_refused(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    before = _state(submission)

    with pytest.raises(ValidationError):
        precheck.submission_return(submission=submission, by=staff_user, reasons=[(None, "  ")])

    assert _state(submission) == before


def test_a_submission_reopened_out_of_review_loses_its_proposed_level(
    rating_flow, rating_submission, django_capture_on_commit_callbacks
):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    levels.cycle_recompute_levels(cycle_id=submission.cycle_id)
    assert Submission.objects.get(pk=submission.pk).proposed_level == 5

    with django_capture_on_commit_callbacks(execute=True):
        panel.submission_reopen(submission=submission, by=rating_flow.staff, reason="重新验收")

    row = Submission.objects.get(pk=submission.pk)
    assert row.status == Status.ACCEPTED
    assert row.proposed_level is None and row.total is None and row.level_explanation == ""


def test_unassigning_the_only_inspector_yet_to_sign_completes_the_inspection(
    rating_flow, rating_submission, committee
):
    submission = _accepted(rating_flow, rating_submission)
    a, b = rating_flow.inspectors
    c = factories.InspectorUserFactory(committee=committee, username="inspector-c")
    assignments = rating_flow.assign(submission, [a, b, c])
    for assignment in assignments[:2]:
        rating_flow.score(assignment)
        onsite.inspection_sign_off(assignment=assignment, by=assignment.inspector)
    assert _status(submission) == Status.ACCEPTED  # c has not signed

    # c falls ill; the two who signed are enough, and nobody is left who could sign.
    onsite.inspector_unassign(assignment=assignments[2], by=rating_flow.staff)

    assert _status(submission) == Status.INSPECTED
    assert _inspected_entries(submission) == 1


def test_unassigning_leaves_the_inspection_open_while_too_few_have_signed(rating_flow, rating_submission):
    submission = _accepted(rating_flow, rating_submission)
    first, second = rating_flow.assign(submission)
    rating_flow.score(first)
    onsite.inspection_sign_off(assignment=first, by=first.inspector)

    onsite.inspector_unassign(assignment=second, by=rating_flow.staff)

    assert _status(submission) == Status.ACCEPTED
    assert _inspected_entries(submission) == 0
