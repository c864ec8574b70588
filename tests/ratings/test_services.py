"""The rating services (ratings.workflow and ratings.rubric) beyond the state machine: input checks, conflicts of
interest, who may call what, opening a cycle, copying a rubric, the star levels of a cycle worked
out by hand, and the audit trail of score changes."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from branches.models import AuditEntry, PartyOrgKind
from ratings.models import (
    AppliedAdjustment,
    Cycle,
    CycleExclusion,
    Evidence,
    FinalScore,
    IndicatorScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    InspectorConflict,
    ReturnReason,
    Rubric,
    StarBand,
    Status,
    Submission,
    VetoDecision,
)
from ratings.rubric import services as rubric_services
from ratings.rubric.data import create_default_rubric
from ratings.workflow import cycle_setup, levels, onsite, panel, precheck, self_assessment
from tests import factories

pytestmark = pytest.mark.django_db


def _indicator(submission, code):
    return submission.cycle.rubric.indicators().get(code=code)


def _audit_count():
    return AuditEntry.objects.count()


def _rows(submission):
    """Everything a service could write about a submission."""
    return {
        "row": Submission.objects.filter(pk=submission.pk).values().get(),
        "audit": _audit_count(),
        "self": sorted(
            IndicatorScore.objects.filter(submission=submission).values_list(
                "indicator_id", "score", "comment"
            )
        ),
        "evidence": sorted(Evidence.objects.filter(submission=submission).values_list("pk", flat=True)),
        "returns": ReturnReason.objects.filter(submission=submission).count(),
        "assignments": sorted(
            InspectionAssignment.objects.filter(submission=submission).values_list(
                "pk", "inspector_id", "signed_off_at"
            )
        ),
        "inspection": sorted(
            InspectionScore.objects.filter(assignment__submission=submission).values_list(
                "assignment_id", "indicator_id", "score", "finding"
            )
        ),
        "photos": InspectionPhoto.objects.filter(assignment__submission=submission).count(),
        "final": sorted(
            FinalScore.objects.filter(submission=submission).values_list("indicator_id", "score", "reason")
        ),
        "adjustments": sorted(
            AppliedAdjustment.objects.filter(submission=submission).values_list("item_id", "times")
        ),
        "vetoes": sorted(VetoDecision.objects.filter(submission=submission).values_list("item_id", "state")),
    }


# --- Scores: range, half steps, indicator of the cycle's rubric -------------------------------


def _self_save(flow, submission, indicator_id, score):
    return self_assessment.self_score_save(
        submission=submission,
        indicator_id=indicator_id,
        score=score,
        comment="说明",
        by=flow.secretary(submission),
    )


def _inspection_save(flow, submission, indicator_id, score):
    assignment = submission.assignments.get(signed_off_at__isnull=True)
    return onsite.inspection_score_save(
        assignment=assignment, indicator_id=indicator_id, score=score, finding="现场", by=assignment.inspector
    )


SAVERS = {"self": (_self_save, Status.DRAFT), "inspection": (_inspection_save, Status.ACCEPTED)}


@pytest.mark.parametrize("saver", SAVERS)
@pytest.mark.parametrize(
    ("bad", "expected_words"),
    [
        ("-0.5", ["1.1", "0", "40"]),
        ("40.5", ["1.1", "0", "40"]),
        ("1000", ["1.1", "40"]),
        ("3.25", ["0.5"]),
        ("0.1", ["0.5"]),
        ("39.9", ["0.5"]),
        ("abc", ["数字"]),
        ("", ["数字"]),
        ("nan", []),
        ("Infinity", []),
    ],
)
def test_a_score_outside_the_range_or_not_in_half_points_is_refused_and_nothing_is_written(
    saver, bad, expected_words, rating_flow, rating_submission
):
    save, status = SAVERS[saver]
    submission = rating_flow.drive(rating_submission, status, self_scores={"1.1": 20})
    ind = _indicator(submission, "1.1")
    before = _rows(submission)

    with pytest.raises(ValidationError) as excinfo:
        save(rating_flow, submission, ind.pk, bad)

    message = " ".join(excinfo.value.messages)
    for word in expected_words:
        assert word in message
    assert _rows(submission) == before


@pytest.mark.parametrize("saver", SAVERS)
@pytest.mark.parametrize("good", ["0", "40", "39.5", "0.5", D("12.5"), 7, 12.5, " 8 "])
def test_scores_from_zero_to_the_maximum_in_half_points_are_kept_exactly(
    saver, good, rating_flow, rating_submission
):
    save, status = SAVERS[saver]
    submission = rating_flow.drive(rating_submission, status)
    ind = _indicator(submission, "1.1")

    row = save(rating_flow, submission, ind.pk, good)

    row.refresh_from_db()
    assert row.score == D(str(good).strip())


@pytest.mark.parametrize("saver", SAVERS)
def test_an_indicator_of_another_rubric_is_refused(saver, rating_flow, rating_submission, committee):
    save, status = SAVERS[saver]
    submission = rating_flow.drive(rating_submission, status)
    foreign = factories.make_rubric(committee).indicators().get(code="1.1")
    before = _rows(submission)

    for indicator_id in (foreign.pk, 987654, "x", None):
        with pytest.raises(ValidationError, match="测评标准"):
            save(rating_flow, submission, indicator_id, "10")

    assert _rows(submission) == before


def test_evidence_final_scores_and_return_reasons_refuse_an_indicator_of_another_rubric(
    rating_flow, rating_submission, committee, staff_user
):
    foreign = factories.make_rubric(committee).indicators().get(code="1.1")
    draft = rating_flow.drive(rating_submission, Status.DRAFT)
    before = _rows(draft)
    with pytest.raises(ValidationError, match="测评标准"):
        self_assessment.evidence_add(
            submission=draft,
            indicator_id=foreign.pk,
            upload=factories.png_upload(),
            by=rating_flow.secretary(draft),
        )
    assert _rows(draft) == before

    self_assessment.submission_submit(submission=draft, by=rating_flow.secretary(draft))
    before = _rows(draft)
    with pytest.raises(ValidationError, match="测评标准"):
        precheck.submission_return(submission=draft, by=staff_user, reasons=[(foreign.pk, "缺材料")])
    assert _rows(draft) == before

    precheck.submission_accept(submission=draft, by=staff_user)
    for assignment in rating_flow.assign(draft):
        rating_flow.score(assignment)
        onsite.inspection_sign_off(assignment=assignment, by=assignment.inspector)
    before = _rows(draft)
    with pytest.raises(ValidationError, match="测评标准"):
        panel.final_score_set(
            submission=draft, indicator_id=foreign.pk, score=10, reason="调整", by=staff_user
        )
    assert _rows(draft) == before


def test_a_final_score_departing_from_the_inspectors_average_needs_a_reason(
    rating_flow, rating_submission, staff_user
):
    submission = rating_flow.drive(
        rating_submission, Status.INSPECTED, inspector_scores=[{"1.1": 30}, {"1.1": 31}]
    )  # average 30.5
    ind = _indicator(submission, "1.1")
    before = _rows(submission)

    with pytest.raises(ValidationError, match="理由"):
        panel.final_score_set(
            submission=submission, indicator_id=ind.pk, score="30", reason=" ", by=staff_user
        )
    for bad in ("-1", "40.5", "abc", "nan"):
        with pytest.raises(ValidationError):
            panel.final_score_set(
                submission=submission, indicator_id=ind.pk, score=bad, reason="理由", by=staff_user
            )
    assert _rows(submission) == before

    panel.final_score_set(submission=submission, indicator_id=ind.pk, score="30.5", reason="", by=staff_user)
    panel.final_score_set(
        submission=submission, indicator_id=ind.pk, score="30", reason="现场材料缺一份", by=staff_user
    )
    assert FinalScore.objects.get(submission=submission, indicator=ind).score == D("30")


# --- Conflicts of interest --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(InspectorConflict.Kind))
def test_an_inspector_registered_as_linked_to_the_organisation_is_refused_with_the_reason(
    kind, rating_flow, rating_submission, staff_user, rating_inspectors, party_organization
):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    precheck.submission_accept(submission=submission, by=staff_user)
    inspector = rating_inspectors[0]
    org = party_organization.organizations.get()
    InspectorConflict.objects.create(inspector=inspector, organization=org, kind=kind, note="曾任该会秘书长")
    before = _rows(submission)

    with pytest.raises(ValidationError) as excinfo:
        onsite.inspector_assign(submission=submission, inspector=inspector, by=staff_user)

    message = excinfo.value.messages[0]
    assert excinfo.value.code == "conflict_of_interest"
    assert org.name in message
    assert str(kind.label) in message
    assert "回避" in message
    assert _rows(submission) == before
    # The other inspector has no conflict and is assigned.
    onsite.inspector_assign(submission=submission, inspector=rating_inspectors[1], by=staff_user)


def test_a_conflict_with_any_organisation_of_a_joint_branch_is_refused(
    committee, staff_user, rating_rubric, rating_flow, rating_inspectors
):
    joint = factories.PartyOrganizationFactory(committee=committee, kind=PartyOrgKind.JOINT_BRANCH)
    second = joint.organizations.order_by("pk").last()
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=rating_rubric), by=staff_user
    )
    submission = rating_flow.drive(
        Submission.objects.get(cycle=cycle, party_organization=joint), Status.SUBMITTED
    )
    precheck.submission_accept(submission=submission, by=staff_user)
    InspectorConflict.objects.create(
        inspector=rating_inspectors[0], organization=second, kind=InspectorConflict.Kind.BUSINESS
    )

    with pytest.raises(ValidationError, match=second.name):
        onsite.inspector_assign(submission=submission, inspector=rating_inspectors[0], by=staff_user)
    assert not submission.assignments.exists()


def test_an_inspector_who_is_a_member_of_the_branch_is_refused(
    rating_flow, rating_submission, staff_user, rating_inspectors, party_organization
):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    precheck.submission_accept(submission=submission, by=staff_user)
    member = party_organization.members.first()
    member.user = rating_inspectors[0]
    member.save()
    before = _rows(submission)

    with pytest.raises(ValidationError) as excinfo:
        onsite.inspector_assign(submission=submission, inspector=rating_inspectors[0], by=staff_user)

    assert excinfo.value.code == "conflict_of_interest"
    assert party_organization.name in excinfo.value.messages[0]
    assert "党员" in excinfo.value.messages[0] and "回避" in excinfo.value.messages[0]
    assert _rows(submission) == before


def test_a_conflict_with_an_unrelated_organisation_does_not_block(
    rating_flow, rating_submission, staff_user, rating_inspectors, committee
):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    precheck.submission_accept(submission=submission, by=staff_user)
    elsewhere = factories.SocialOrganizationFactory(committee=committee)
    InspectorConflict.objects.create(inspector=rating_inspectors[0], organization=elsewhere)
    factories.MemberFactory(user=rating_inspectors[0])  # a member of some other branch

    assert onsite.conflict_reason(rating_inspectors[0], submission) is None
    onsite.inspector_assign(submission=submission, inspector=rating_inspectors[0], by=staff_user)


def test_only_inspectors_of_the_committee_can_be_assigned(
    rating_flow, rating_submission, staff_user, other_committee, secretary_user
):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    precheck.submission_accept(submission=submission, by=staff_user)
    foreign = factories.InspectorUserFactory(committee=other_committee, username="foreign-inspector")
    before = _rows(submission)

    for user in (foreign, staff_user, secretary_user):
        with pytest.raises(ValidationError):
            onsite.inspector_assign(submission=submission, inspector=user, by=staff_user)

    assert _rows(submission) == before


# --- Who may call what ------------------------------------------------------------------------


@pytest.fixture
def outsiders(other_staff_user, other_secretary_user, secretary_user, inspector_user):
    """Everyone who is not staff of the submission's committee."""
    return {
        "staff of another committee": other_staff_user,
        "secretary of another branch": other_secretary_user,
        "the branch's own secretary": secretary_user,
        "an unassigned inspector": inspector_user,
        "a user without a role": factories.UserFactory(username="nobody"),
    }


def _staff_call(name, submission, cycle_in_preparation, extra_inspector):
    """(state to drive to, call(by)) for each staff service, everything but the caller in order."""
    ind = _indicator(submission, "1.1")
    veto_item = submission.cycle.rubric.vetoes.get(code="V1")
    bonus = submission.cycle.rubric.adjustments.get(code="B1")
    committee, po = submission.cycle.committee, submission.party_organization
    calls = {
        "cycle_create": (
            Status.DRAFT,
            lambda by: cycle_setup.cycle_create(
                cycle=factories.CycleFactory.build(
                    committee=committee, rubric=submission.cycle.rubric, year=2026
                ),
                by=by,
            ),
        ),
        "cycle_exclusion_set": (
            Status.DRAFT,
            lambda by: cycle_setup.cycle_exclusion_set(
                cycle=cycle_in_preparation, party_organization=po, reason="正在注销", by=by
            ),
        ),
        "cycle_exclusion_remove": (
            Status.DRAFT,
            lambda by: cycle_setup.cycle_exclusion_remove(
                exclusion=CycleExclusion.objects.get(cycle=cycle_in_preparation), by=by
            ),
        ),
        "cycle_open": (Status.DRAFT, lambda by: cycle_setup.cycle_open(cycle=cycle_in_preparation, by=by)),
        "rubric_copy": (
            Status.DRAFT,
            lambda by: rubric_services.rubric_copy(rubric=submission.cycle.rubric, by=by),
        ),
        "submission_extend_deadline": (
            Status.DRAFT,
            lambda by: precheck.submission_extend_deadline(
                submission=submission, until=timezone.now() + dt.timedelta(days=60), reason="延期", by=by
            ),
        ),
        "submission_return": (
            Status.SUBMITTED,
            lambda by: precheck.submission_return(submission=submission, by=by, reasons=[(None, "缺材料")]),
        ),
        "submission_accept": (
            Status.SUBMITTED,
            lambda by: precheck.submission_accept(submission=submission, by=by),
        ),
        "inspector_assign": (
            Status.ACCEPTED,
            lambda by: onsite.inspector_assign(submission=submission, inspector=extra_inspector, by=by),
        ),
        "inspector_unassign": (
            Status.ACCEPTED,
            lambda by: onsite.inspector_unassign(
                assignment=submission.assignments.get(signed_off_at__isnull=True), by=by
            ),
        ),
        "final_score_set": (
            Status.INSPECTED,
            lambda by: panel.final_score_set(
                submission=submission, indicator_id=ind.pk, score=10, reason="调整", by=by
            ),
        ),
        "adjustment_set": (
            Status.INSPECTED,
            lambda by: panel.adjustment_set(
                submission=submission, item_id=bonus.pk, times=1, note="省级表彰", by=by
            ),
        ),
        "veto_raise": (
            Status.INSPECTED,
            lambda by: panel.veto_raise(submission=submission, item_id=veto_item.pk, note="举报", by=by),
        ),
        "veto_decide": (
            Status.INSPECTED,
            lambda by: panel.veto_decide(veto=submission.vetoes.get(), confirmed=True, reason="核实", by=by),
        ),
        "submission_review": (
            Status.INSPECTED,
            lambda by: panel.submission_review(submission=submission, by=by),
        ),
        "submission_reopen": (
            Status.INSPECTED,
            lambda by: panel.submission_reopen(submission=submission, by=by, reason="复核"),
        ),
    }
    return calls[name]


STAFF_SERVICES = [
    "cycle_create",
    "cycle_exclusion_set",
    "cycle_exclusion_remove",
    "cycle_open",
    "rubric_copy",
    "submission_extend_deadline",
    "submission_return",
    "submission_accept",
    "inspector_assign",
    "inspector_unassign",
    "final_score_set",
    "adjustment_set",
    "veto_raise",
    "veto_decide",
    "submission_review",
    "submission_reopen",
]


def _everything():
    return {
        "audit": _audit_count(),
        "rubrics": sorted(Rubric.objects.values_list("pk", "frozen_at")),
        "cycles": sorted(Cycle.objects.values_list("pk", "status")),
        "exclusions": sorted(CycleExclusion.objects.values_list("pk", "party_organization_id", "reason")),
        "submissions": sorted(
            Submission.objects.values_list("pk", "status", "deadline_extended_to", "proposed_level")
        ),
        "returns": ReturnReason.objects.count(),
        "assignments": sorted(InspectionAssignment.objects.values_list("pk", "signed_off_at")),
        "final": sorted(FinalScore.objects.values_list("pk", "score")),
        "adjustments": AppliedAdjustment.objects.count(),
        "vetoes": sorted(VetoDecision.objects.values_list("pk", "state")),
    }


@pytest.mark.parametrize("name", STAFF_SERVICES)
def test_only_staff_of_the_committee_may_call_a_staff_service(
    name, rating_flow, rating_submission, staff_user, outsiders, committee
):
    cycle_in_preparation = factories.CycleFactory(
        committee=committee, rubric=rating_submission.cycle.rubric, year=2025
    )
    extra_inspector = factories.InspectorUserFactory(committee=committee, username="inspector-c")
    status, call = _staff_call(name, rating_submission, cycle_in_preparation, extra_inspector)
    rating_flow.drive(rating_submission, status)
    if name == "cycle_exclusion_remove":
        CycleExclusion.objects.create(
            cycle=cycle_in_preparation, party_organization=rating_submission.party_organization, reason="合并"
        )
    if name == "veto_decide":
        panel.veto_raise(
            submission=rating_submission,
            item_id=rating_submission.cycle.rubric.vetoes.get(code="V1").pk,
            note="举报",
            by=staff_user,
        )
    before = _everything()

    for who, user in outsiders.items():
        with pytest.raises(PermissionDenied):
            call(user)
        assert _everything() == before, who

    call(staff_user)  # and the committee's own staff may
    assert _everything() != before


def test_an_assigned_inspector_may_raise_a_veto_but_not_decide_it(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    inspector = rating_flow.inspectors[0]
    item = submission.cycle.rubric.vetoes.get(code="V1")

    veto = panel.veto_raise(submission=submission, item_id=item.pk, note="现场发现", by=inspector)
    with pytest.raises(PermissionDenied):
        panel.veto_decide(veto=veto, confirmed=True, reason="属实", by=inspector)

    assert VetoDecision.objects.get(pk=veto.pk).state == VetoDecision.State.OPEN


def _secretary_calls(flow, submission):
    ind = _indicator(submission, "1.1")
    evidence = submission.evidence.first()
    return {
        "self_score_save": lambda by: self_assessment.self_score_save(
            submission=submission, indicator_id=ind.pk, score=1, comment="", by=by
        ),
        "evidence_add": lambda by: self_assessment.evidence_add(
            submission=submission, indicator_id=ind.pk, upload=factories.png_upload(), by=by
        ),
        "evidence_remove": lambda by: self_assessment.evidence_remove(evidence=evidence, by=by),
        "submission_submit": lambda by: self_assessment.submission_submit(submission=submission, by=by),
    }


def test_only_the_branchs_own_secretary_may_fill_in_and_submit(
    rating_flow,
    rating_submission,
    secretary_user,
    other_secretary_user,
    staff_user,
    other_staff_user,
    inspector_user,
):
    submission = rating_flow.drive(rating_submission, Status.DRAFT)
    calls = _secretary_calls(rating_flow, submission)
    before = _rows(submission)

    for name, call in calls.items():
        for user in (other_secretary_user, staff_user, other_staff_user, inspector_user):
            with pytest.raises(PermissionDenied):
                call(user)
            assert _rows(submission) == before, (name, user)

    for call in calls.values():
        call(secretary_user)
    assert Submission.objects.get(pk=submission.pk).status == Status.SUBMITTED


def test_only_the_assigned_inspector_may_score_photograph_and_sign_their_assignment(
    rating_flow, rating_submission, inspector_user, staff_user, secretary_user
):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    assignment = submission.assignments.get(signed_off_at__isnull=True)
    signed = submission.assignments.get(signed_off_at__isnull=False)
    ind = _indicator(submission, "1.1")
    calls = [
        lambda by: onsite.inspection_score_save(
            assignment=assignment, indicator_id=ind.pk, score=1, finding="", by=by
        ),
        lambda by: onsite.inspection_photo_add(
            assignment=assignment, indicator_id=ind.pk, upload=factories.png_upload(), by=by
        ),
        lambda by: onsite.inspection_sign_off(assignment=assignment, by=by),
    ]
    before = _rows(submission)

    for call in calls:
        for user in (signed.inspector, inspector_user, staff_user, secretary_user):
            with pytest.raises(PermissionDenied):
                call(user)
    assert _rows(submission) == before

    for call in calls:
        call(assignment.inspector)
    assert Submission.objects.get(pk=submission.pk).status == Status.INSPECTED


# --- Opening a cycle --------------------------------------------------------------------------


def test_opening_a_cycle_creates_a_draft_for_every_active_party_organisation_of_the_committee(
    committee, other_committee, staff_user, rating_rubric
):
    taking_part = [factories.PartyOrganizationFactory(committee=committee) for _ in range(3)]
    factories.PartyOrganizationFactory(committee=committee, is_active=False)
    factories.PartyOrganizationFactory(committee=other_committee)
    excluded = factories.PartyOrganizationFactory(committee=committee)
    cycle = factories.CycleFactory(committee=committee, rubric=rating_rubric)
    assert not rating_rubric.is_frozen

    cycle_setup.cycle_open(cycle=cycle, by=staff_user, exclusions={excluded.pk: "  社会组织正在办理注销  "})

    subs = Submission.objects.filter(cycle=cycle)
    assert sorted(subs.values_list("party_organization_id", flat=True)) == sorted(po.pk for po in taking_part)
    assert set(subs.values_list("status", flat=True)) == {Status.DRAFT}
    assert list(
        CycleExclusion.objects.filter(cycle=cycle).values_list("party_organization_id", "reason")
    ) == [(excluded.pk, "社会组织正在办理注销")]
    cycle.refresh_from_db()
    rating_rubric.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN and cycle.opened_at is not None
    assert rating_rubric.is_frozen
    assert AuditEntry.objects.filter(action="cycle.open", target_id=str(cycle.pk)).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_excluding_a_party_organisation_needs_a_reason_and_nothing_is_written_without_one(
    reason, committee, staff_user, rating_rubric
):
    first, second = factories.PartyOrganizationFactory.create_batch(2, committee=committee)
    cycle = factories.CycleFactory(committee=committee, rubric=rating_rubric)
    before = _everything()

    with pytest.raises(ValidationError, match="原因"):
        cycle_setup.cycle_open(cycle=cycle, by=staff_user, exclusions={first.pk: "合并", second.pk: reason})

    assert _everything() == before
    assert not CycleExclusion.objects.exists()
    assert not Submission.objects.filter(cycle=cycle).exists()


def test_a_cycle_opens_once(committee, staff_user, rating_cycle):
    before = _everything()

    with pytest.raises(ValidationError):
        cycle_setup.cycle_open(cycle=rating_cycle, by=staff_user)

    assert _everything() == before


def test_a_cycle_does_not_open_on_a_rubric_without_bands(committee, staff_user, party_organization):
    rubric = factories.make_rubric(committee, bands=())
    cycle = factories.CycleFactory(committee=committee, rubric=rubric)
    before = _everything()

    with pytest.raises(ValidationError, match="分数线"):
        cycle_setup.cycle_open(cycle=cycle, by=staff_user)

    assert _everything() == before


# --- Copying a rubric -------------------------------------------------------------------------


def _content(rubric):
    return {
        "settings": {
            f: getattr(rubric, f)
            for f in (
                "name",
                "bonus_cap",
                "deduction_cap",
                "promotion_limit",
                "plaque_min_level",
                "quota_tie_rule",
            )
        },
        "categories": [
            (
                c.code,
                c.title,
                c.order,
                [
                    (
                        i.code,
                        i.title,
                        i.evidence_description,
                        i.max_score,
                        i.evidence_required,
                        i.guidance,
                        i.order,
                    )
                    for i in c.indicators.order_by("order", "pk")
                ],
            )
            for c in rubric.categories.order_by("order", "pk")
        ],
        "adjustments": sorted(
            rubric.adjustments.values_list("kind", "code", "title", "points", "max_points", "order")
        ),
        "vetoes": sorted(rubric.vetoes.values_list("code", "title", "order")),
        "bands": sorted(rubric.bands.values_list("level", "min_total", "quota_percent")),
    }


def test_copying_a_rubric_makes_the_next_version_with_identical_content(committee, staff_user):
    original = create_default_rubric(committee)
    Rubric.objects.filter(pk=original.pk).update(
        bonus_cap=D("4"),
        deduction_cap=D("8"),
        promotion_limit=False,
        plaque_min_level=4,
        quota_tie_rule=Rubric.TieRule.INCLUDE,
        frozen_at=timezone.now(),
    )
    StarBand.objects.filter(rubric=original, level=5).update(quota_percent=D("10"))
    original.refresh_from_db()
    content = _content(original)
    assert len(content["categories"]) == 6 and sum(len(c[3]) for c in content["categories"]) == 24

    copy = rubric_services.rubric_copy(rubric=original, by=staff_user)

    assert copy.pk != original.pk
    assert copy.version == original.version + 1
    assert copy.based_on_id == original.pk
    assert copy.frozen_at is None
    assert _content(copy) == content
    assert _content(original) == content
    assert not set(copy.indicators().values_list("pk", flat=True)) & set(
        original.indicators().values_list("pk", flat=True)
    )
    assert rubric_services.rubric_check(copy) == []


def test_copying_an_older_version_takes_the_next_free_number(committee, staff_user):
    v1 = factories.make_rubric(committee)
    factories.make_rubric(committee)  # version 2

    copy = rubric_services.rubric_copy(rubric=v1, by=staff_user)

    assert copy.version == 3
    assert _content(copy) == _content(v1)


# --- Star levels of a cycle, worked out by hand ---------------------------------------------------


def test_star_levels_of_a_cycle_worked_out_by_hand(
    committee, staff_user, party_organization, rating_rubric, rating_flow
):
    """Rubric: 1.1 (max 40), 1.2 (30), 2.1 (30); bonus B1 +3 a time, cap 5; deduction D1 −2, cap 10;
    bands 95/85/75/65/60; one level of promotion per cycle.

    p1: inspectors 38/28/27 and 39/29/28 → 38.5 + 28.5 + 27.5 = 94.5; B1 three times = 9, capped 5
        → 99.5 → five stars; last cycle four stars, so one level up is allowed.
    p2: 35/26/25 and 36/26/26 → 35.5 + 26 + 25.5 = 87; the panel sets 1.1 to 35 → 86.5 → four-star
        band; last cycle (2023) two stars → three stars (its five stars of 2022 do not count).
    p3: 40/30/30 and 40/29/29 → 40 + 29.5 + 29.5 = 99, but a veto is confirmed → no star, not ranked.
    p4: 20/20/20 and 21/20/20 → 60.5; D1 once → 58.5 → below every band.
    """
    p1 = party_organization
    p2, p3, p4 = factories.PartyOrganizationFactory.create_batch(3, committee=committee)
    two_years_ago = factories.CycleFactory(committee=committee, year=2022)
    factories.SubmissionFactory(
        cycle=two_years_ago, party_organization=p2, status=Status.REVIEWED, proposed_level=5
    )
    last_year = factories.CycleFactory(committee=committee, year=2023)
    factories.SubmissionFactory(
        cycle=last_year, party_organization=p1, status=Status.REVIEWED, proposed_level=4
    )
    factories.SubmissionFactory(
        cycle=last_year, party_organization=p2, status=Status.REVIEWED, proposed_level=2
    )
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=rating_rubric, year=2024), by=staff_user
    )
    subs = {po: Submission.objects.get(cycle=cycle, party_organization=po) for po in (p1, p2, p3, p4)}
    scores = {
        p1: [{"1.1": 38, "1.2": 28, "2.1": 27}, {"1.1": 39, "1.2": 29, "2.1": 28}],
        p2: [{"1.1": 35, "1.2": 26, "2.1": 25}, {"1.1": 36, "1.2": 26, "2.1": 26}],
        p3: [{"1.1": 40, "1.2": 30, "2.1": 30}, {"1.1": 40, "1.2": 29, "2.1": 29}],
        p4: [{"1.1": 20, "1.2": 20, "2.1": 20}, {"1.1": 21, "1.2": 20, "2.1": 20}],
    }
    for po, sub in subs.items():
        rating_flow.drive(sub, Status.INSPECTED, inspector_scores=scores[po])
    rubric = cycle.rubric
    panel.adjustment_set(
        submission=subs[p1],
        item_id=rubric.adjustments.get(code="B1").pk,
        times=3,
        note="三项省级表彰",
        by=staff_user,
    )
    panel.final_score_set(
        submission=subs[p2],
        indicator_id=_indicator(subs[p2], "1.1").pk,
        score="35",
        reason="现场会议记录缺一次",
        by=staff_user,
    )
    veto = panel.veto_raise(
        submission=subs[p3], item_id=rubric.vetoes.get(code="V1").pk, note="通报", by=staff_user
    )
    panel.veto_decide(veto=veto, confirmed=True, reason="纪委通报属实", by=staff_user)
    panel.adjustment_set(
        submission=subs[p4],
        item_id=rubric.adjustments.get(code="D1").pk,
        times=1,
        note="逾期报送",
        by=staff_user,
    )

    assert levels.cycle_recompute_levels(cycle_id=cycle.pk) == 4

    def result(po):
        return Submission.objects.get(pk=subs[po].pk)

    def check_all():
        r1, r2, r3, r4 = (result(po) for po in (p1, p2, p3, p4))
        assert (r1.indicator_total, r1.bonus_total, r1.deduction_total, r1.total) == (
            D("94.5"),
            5,
            0,
            D("99.5"),
        )
        assert (r1.proposed_level, r1.previous_level, r1.vetoed) == (5, 4, False)
        assert r1.level_explanation.startswith("总分 99.5")
        for words in ("指标得分 94.5", "加分 5", "上限", "五星档"):
            assert words in r1.level_explanation
        assert "限制为" not in r1.level_explanation

        assert (r2.indicator_total, r2.total, r2.proposed_level, r2.previous_level) == (
            D("86.5"),
            D("86.5"),
            3,
            2,
        )
        assert r2.level_explanation == "总分 86.5 → 四星档；上一周期二星，逐级晋升限制为三星"

        assert r3.vetoed is True and r3.proposed_level is None
        assert r3.indicator_total == D("99")
        for words in ("一票否决", "发生严重违纪违法案件", "不参与排名"):
            assert words in r3.level_explanation

        assert (r4.indicator_total, r4.deduction_total, r4.total) == (D("60.5"), 2, D("58.5"))
        assert (r4.proposed_level, r4.previous_level, r4.vetoed) == (0, None, False)
        assert r4.level_explanation.startswith("总分 58.5")
        assert "减分 2" in r4.level_explanation and "不授星" in r4.level_explanation

    check_all()

    # Completing the review fills the remaining final scores with the inspectors' averages, which
    # keeps every result, and keeps the panel's own final score.
    for sub in subs.values():
        panel.submission_review(submission=sub, by=staff_user)
    check_all()
    assert FinalScore.objects.get(submission=subs[p2], indicator=_indicator(subs[p2], "1.1")).score == 35
    assert FinalScore.objects.get(submission=subs[p1], indicator=_indicator(subs[p1], "2.1")).score == D(
        "27.5"
    )


def test_a_submission_not_yet_inspected_takes_no_part_in_the_levels(
    committee, staff_user, party_organization, rating_rubric, rating_flow
):
    other = factories.PartyOrganizationFactory(committee=committee)
    cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=committee, rubric=rating_rubric), by=staff_user
    )
    inspected = rating_flow.drive(
        Submission.objects.get(cycle=cycle, party_organization=party_organization), Status.INSPECTED
    )
    rating_flow.drive(Submission.objects.get(cycle=cycle, party_organization=other), Status.SUBMITTED)

    assert levels.cycle_recompute_levels(cycle_id=cycle.pk) == 1
    assert Submission.objects.get(pk=inspected.pk).proposed_level == 5
    assert Submission.objects.get(cycle=cycle, party_organization=other).proposed_level is None


# --- Audit trail of score changes -------------------------------------------------------------


def _entries(action, submission):
    return list(AuditEntry.objects.filter(action=action, target_id=str(submission.pk)).order_by("pk"))


def test_self_score_changes_are_audited_with_before_and_after(rating_flow, rating_submission, secretary_user):
    submission = rating_submission
    ind = _indicator(submission, "1.1")

    self_assessment.self_score_save(
        submission=submission, indicator_id=ind.pk, score="30", comment="", by=secretary_user
    )
    self_assessment.self_score_save(
        submission=submission, indicator_id=ind.pk, score=30, comment="", by=secretary_user
    )  # no change, no entry
    self_assessment.self_score_save(
        submission=submission, indicator_id=ind.pk, score="30.5", comment="补充材料", by=secretary_user
    )

    first, second = _entries("self_score.save", submission)
    assert first.before["score"] is None and D(first.after["score"]) == 30
    assert D(second.before["score"]) == 30 and D(second.after["score"]) == D("30.5")
    assert second.before["comment"] == "" and second.after["comment"] == "补充材料"
    assert second.actor == secretary_user
    assert "1.1" in second.note


def test_inspection_score_changes_are_audited_with_before_and_after(rating_flow, rating_submission):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    assignment = submission.assignments.get(signed_off_at__isnull=True)
    ind = _indicator(submission, "1.2")
    start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()  # leaves out the drive's

    onsite.inspection_score_save(
        assignment=assignment, indicator_id=ind.pk, score="27", finding="缺记录", by=assignment.inspector
    )
    onsite.inspection_score_save(
        assignment=assignment, indicator_id=ind.pk, score="27", finding="缺记录", by=assignment.inspector
    )  # no change, no entry

    [entry] = AuditEntry.objects.filter(pk__gt=start, action="inspection.score")
    assert D(entry.before["score"]) == 30 and D(entry.after["score"]) == 27
    assert entry.before["finding"] == "现场查看" and entry.after["finding"] == "缺记录"
    assert entry.actor == assignment.inspector
    assert "1.2" in entry.note


def test_final_score_and_adjustment_changes_are_audited_with_before_and_after(
    rating_flow, rating_submission, staff_user
):
    submission = rating_flow.drive(rating_submission, Status.INSPECTED)
    ind = _indicator(submission, "2.1")
    bonus = submission.cycle.rubric.adjustments.get(code="B1")

    panel.final_score_set(
        submission=submission, indicator_id=ind.pk, score="28", reason="现场照片不清", by=staff_user
    )
    panel.final_score_set(
        submission=submission, indicator_id=ind.pk, score="29", reason="补充照片后复核", by=staff_user
    )
    panel.adjustment_set(submission=submission, item_id=bonus.pk, times=2, note="两次省级表彰", by=staff_user)

    first, second = _entries("review.final_score", submission)
    assert first.before["score"] is None and D(first.after["score"]) == 28
    assert D(second.before["score"]) == 28 and D(second.after["score"]) == 29
    assert second.after["reason"] == "补充照片后复核"
    [adjusted] = _entries("review.adjustment", submission)
    assert adjusted.before == {"times": 0} and adjusted.after == {"times": 2}
