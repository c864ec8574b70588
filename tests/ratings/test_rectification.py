"""整改: creating items from the review, and the full transition matrix answer / verify / send back
(ratings.outcomes.rectification)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import AuditEntry
from ratings.models import Rectification, RectificationEvidence, Status, Submission
from ratings.outcomes.rectification import (
    TRANSITIONS,
    rectification_answer,
    rectification_create,
    rectification_send_back,
    rectification_verify,
)
from ratings.workflow.edges import TransitionNotAllowed
from tests import factories

pytestmark = pytest.mark.django_db


def pdf_upload(name="report.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def sub(results_cycle):
    return results_cycle.three


@pytest.fixture
def branch_secretary(sub):
    return factories.SecretaryUserFactory(
        party_organization=sub.party_organization, username="rect-secretary"
    )


@pytest.fixture
def item(sub, staff_user):
    indicator = sub.cycle.rubric.indicators().get(code="1.1")
    return rectification_create(
        submission=sub,
        by=staff_user,
        problem="三会一课记录不全",
        requirement="补齐记录并建立台账",
        due_on=in_days(30),
        indicator_id=indicator.pk,
    )


def audit_actions(submission):
    return list(
        AuditEntry.objects.filter(target_type="ratings.submission", target_id=str(submission.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- creating -----------------------------------------------------------------------------------------


def test_staff_create_an_item_from_a_reviewed_submission(item, sub, staff_user):
    assert item.state == Rectification.State.OPEN
    assert item.indicator.code == "1.1" and item.created_by == staff_user
    assert "rectification.create" in audit_actions(sub)
    assert not item.overdue


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED])
def test_an_item_needs_a_finished_review(results_cycle, staff_user, status):
    sub = results_cycle.draft
    Submission.objects.filter(pk=sub.pk).update(status=status)
    with pytest.raises(TransitionNotAllowed, match="评审完成后"):
        rectification_create(
            submission=sub, by=staff_user, problem="问题", requirement="要求", due_on=in_days(5)
        )
    assert not Rectification.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"problem": " "}, "存在问题和整改要求"),
        ({"requirement": ""}, "存在问题和整改要求"),
        ({"due_on": None}, "整改期限"),
        ({"due_on": "yesterday"}, "不能早于今天"),
        ({"indicator_id": 999999}, "不属于本周期的测评标准"),
    ],
)
def test_a_bad_item_says_why_and_creates_nothing(sub, staff_user, kwargs, message):
    args = {"problem": "问题", "requirement": "要求", "due_on": in_days(5), **kwargs}
    if args["due_on"] == "yesterday":
        args["due_on"] = in_days(-1)
    with pytest.raises(ValidationError, match=message):
        rectification_create(submission=sub, by=staff_user, **args)
    assert not Rectification.objects.exists()


def test_only_the_committees_staff_create_items(sub, other_staff_user, branch_secretary):
    for user in (other_staff_user, branch_secretary):
        with pytest.raises(PermissionDenied):
            rectification_create(
                submission=sub, by=user, problem="问题", requirement="要求", due_on=in_days(5)
            )
    assert not Rectification.objects.exists()


# --- the transition matrix ------------------------------------------------------------------------------

ACTIONS = list(TRANSITIONS)
STATES = list(Rectification.State)


def _do(action, item, staff, secretary):
    if action == "answer":
        return rectification_answer(item=item, by=secretary, answer="已补齐全年记录。", files=[pdf_upload()])
    if action == "verify":
        return rectification_verify(item=item, by=staff, note="经核查已整改到位。")
    return rectification_send_back(item=item, by=staff, note="台账仍不完整。")


def _row(item):
    return Rectification.objects.values().get(pk=item.pk)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_rectification_transition_matrix(item, sub, staff_user, branch_secretary, action, state):
    Rectification.objects.filter(pk=item.pk).update(state=state)
    item.refresh_from_db()
    before, audit_before = _row(item), AuditEntry.objects.count()
    allowed = TRANSITIONS[action]
    if state in allowed:
        _do(action, item, staff_user, branch_secretary)
        item.refresh_from_db()
        assert item.state == allowed[state]
        assert f"rectification.{action}" in audit_actions(sub)
        if action == "answer":
            assert item.answer == "已补齐全年记录。" and item.answered_at
            assert item.evidence.count() == 1
        elif action == "verify":
            assert item.verified_at and item.staff_note == "经核查已整改到位。"
        else:
            assert item.staff_note == "台账仍不完整。"
    else:
        with pytest.raises(TransitionNotAllowed):
            _do(action, item, staff_user, branch_secretary)
        assert _row(item) == before
        assert AuditEntry.objects.count() == audit_before
        assert not RectificationEvidence.objects.exists()


def test_a_whole_round_answer_send_back_answer_verify(item, staff_user, branch_secretary):
    rectification_answer(item=item, by=branch_secretary, answer="第一次报送")
    rectification_send_back(item=item, by=staff_user, note="不完整")
    rectification_answer(item=item, by=branch_secretary, answer="第二次报送", files=[pdf_upload("b.pdf")])
    rectification_verify(item=item, by=staff_user)
    item.refresh_from_db()
    assert (item.state, item.answer) == (Rectification.State.VERIFIED, "第二次报送")
    assert not item.overdue


def test_only_the_branchs_own_secretary_answers(item, staff_user, other_secretary_user):
    before = _row(item)
    for user in (staff_user, other_secretary_user):
        with pytest.raises(PermissionDenied):
            rectification_answer(item=item, by=user, answer="x")
    assert _row(item) == before


def test_only_the_committees_staff_verify_or_send_back(item, branch_secretary, other_staff_user):
    rectification_answer(item=item, by=branch_secretary, answer="已整改")
    before = _row(item)
    for user in (branch_secretary, other_staff_user):
        with pytest.raises(PermissionDenied):
            rectification_verify(item=item, by=user)
        with pytest.raises(PermissionDenied):
            rectification_send_back(item=item, by=user, note="x")
    assert _row(item) == before


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("answer", {"answer": "  "}, "请写明整改情况"),
        (
            "answer",
            {"answer": "已整改", "files": [SimpleUploadedFile("a.docx", b"plain text")]},
            "内容与扩展名",
        ),
        ("send_back", {"note": ""}, "须写明原因"),
    ],
)
def test_a_bad_answer_or_send_back_says_why_and_changes_nothing(
    item, staff_user, branch_secretary, action, kwargs, message
):
    if action == "send_back":
        rectification_answer(item=item, by=branch_secretary, answer="已整改")
    before = _row(item)
    with pytest.raises(ValidationError, match=message):
        if action == "answer":
            rectification_answer(item=item, by=branch_secretary, **kwargs)
        else:
            rectification_send_back(item=item, by=staff_user, **kwargs)
    assert _row(item) == before
    assert not RectificationEvidence.objects.exists()


@pytest.mark.parametrize(
    ("state", "days", "overdue"),
    [
        ("open", -1, True),
        ("sent_back", -1, True),
        ("answered", -1, True),
        ("verified", -1, False),
        ("open", 0, False),
    ],
)
def test_an_item_past_its_due_date_and_not_verified_is_overdue(item, state, days, overdue):
    Rectification.objects.filter(pk=item.pk).update(state=state, due_on=in_days(days))
    assert Rectification.objects.get(pk=item.pk).overdue is overdue


# --- notices to the branch --------------------------------------------------------------------


def _notices(user, kind):
    from notifications.models import Notification

    return Notification.objects.filter(recipient=user, kind=kind)


def test_the_secretary_is_told_when_an_item_is_issued_and_when_it_is_sent_back(
    sub, staff_user, branch_secretary, django_capture_on_commit_callbacks
):
    from notifications.models import Kind

    with django_capture_on_commit_callbacks(execute=True):
        item = rectification_create(
            submission=sub, by=staff_user, problem="台账缺失", requirement="建立台账", due_on=in_days(10)
        )
    issued = _notices(branch_secretary, Kind.RECTIFICATION_ISSUED).get()
    assert "台账缺失" in issued.body and issued.url.endswith(f"/rectification/{item.pk}/")
    assert not _notices(staff_user, Kind.RECTIFICATION_ISSUED).exists()

    for round_no in (1, 2):
        rectification_answer(item=item, by=branch_secretary, answer=f"第{round_no}次")
        with django_capture_on_commit_callbacks(execute=True):
            rectification_send_back(item=item, by=staff_user, note=f"退回{round_no}")
    sent_back = _notices(branch_secretary, Kind.RECTIFICATION_SENT_BACK)
    assert sent_back.count() == 2 and "退回2" in sent_back.order_by("-pk").first().body


def test_the_secretary_is_told_once_when_an_item_is_overdue(item, branch_secretary, staff_user):
    from notifications.models import Kind
    from ratings.outcomes.tasks import send_rectification_reminders

    Rectification.objects.filter(pk=item.pk).update(due_on=in_days(-1))
    send_rectification_reminders()
    send_rectification_reminders()
    overdue = _notices(branch_secretary, Kind.RECTIFICATION_BRANCH_OVERDUE)
    assert overdue.count() == 1 and "三会一课记录不全" in overdue.get().body
    assert _notices(staff_user, Kind.RECTIFICATION_OVERDUE).count() == 1
