"""公示 and 复核: publishing, objections (filing, rate limit, the full transition matrix), telling the
objector, and making results final (ratings.outcomes.publication, ratings.outcomes.objections)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import AuditEntry
from notifications.models import Notification
from ratings import tasks
from ratings.models import Award, Cycle, Objection, RatingSettings, Status, Submission
from ratings.outcomes.objections import (
    OBJECTION_TRANSITIONS,
    objection_file,
    objection_investigate,
    objection_reject,
    objection_uphold,
)
from ratings.outcomes.publication import cycle_publish, listed_results, notice_is_open, results_finalize
from ratings.workflow.edges import TransitionNotAllowed
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit lives in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def pdf_upload(name="evidence.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def published(results_cycle, staff_user):
    """`results_cycle` published today for its 7 notice days."""
    cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    return results_cycle.refresh()


def after_period(cycle):
    return cycle.notice_ends_on + dt.timedelta(days=1)


def file_objection(sub, **kwargs):
    kwargs.setdefault("reason", "该党支部的组织生活记录与实际不符。")
    kwargs.setdefault("ip", "203.0.113.7")
    return objection_file(submission=sub, **kwargs)


def audit_actions(target=None):
    qs = AuditEntry.objects.all()
    if target is not None:
        qs = qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return list(qs.order_by("pk").values_list("action", flat=True))


# --- publishing -----------------------------------------------------------------------------------


def test_publishing_opens_the_notice_for_the_cycles_number_of_days(results_cycle, staff_user):
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(  # published as on 2024-01-08, after the deadline
        self_assessment_deadline=dt.datetime(2024, 1, 5, 10, tzinfo=dt.UTC)
    )
    cycle = cycle_publish(
        cycle=results_cycle.cycle, by=staff_user, starts_on=dt.date(2024, 1, 8), today=dt.date(2024, 1, 8)
    )
    assert cycle.status == Cycle.Status.PUBLISHED
    assert (cycle.notice_starts_on, cycle.notice_ends_on) == (dt.date(2024, 1, 8), dt.date(2024, 1, 14))
    assert "cycle.publish" in audit_actions(cycle)
    assert notice_is_open(cycle, today=dt.date(2024, 1, 8)) and notice_is_open(
        cycle, today=dt.date(2024, 1, 14)
    )
    assert not notice_is_open(cycle, today=dt.date(2024, 1, 7))
    assert not notice_is_open(cycle, today=dt.date(2024, 1, 15))


def test_publishing_tells_every_reviewed_branch(
    results_cycle, staff_user, django_capture_on_commit_callbacks
):
    for sub in results_cycle.subs.values():
        factories.SecretaryUserFactory(
            party_organization=sub.party_organization, username=f"sec-{sub.party_organization_id}"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    # five reviewed branches (the unsubmitted draft is not told about a result it does not have)
    assert Notification.objects.filter(kind="results_published").count() == 5


def test_the_notice_lists_only_branches_with_a_star(published):
    listed = list(listed_results(published.cycle))
    assert [s.pk for s in listed] == [published.five.pk, published.four.pk, published.three.pk]


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ACCEPTED, Status.INSPECTED])
def test_publishing_is_refused_while_a_submission_is_still_in_the_procedure(
    results_cycle, staff_user, status
):
    Submission.objects.filter(pk=results_cycle.draft.pk).update(status=status)
    with pytest.raises(ValidationError, match=results_cycle.draft.party_organization.name):
        cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


def test_publishing_twice_or_a_cycle_without_results_is_refused(results_cycle, staff_user, committee):
    cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    with pytest.raises(TransitionNotAllowed):
        cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    empty = factories.CycleFactory(
        committee=committee,
        rubric=results_cycle.cycle.rubric,
        year=results_cycle.cycle.year + 1,
        status=Cycle.Status.OPEN,
    )
    with pytest.raises(ValidationError, match="没有完成评审"):
        cycle_publish(cycle=empty, by=staff_user)


def test_another_committees_staff_cannot_publish(results_cycle, other_staff_user):
    with pytest.raises(PermissionDenied):
        cycle_publish(cycle=results_cycle.cycle, by=other_staff_user)
    assert Cycle.objects.get(pk=results_cycle.cycle.pk).status == Cycle.Status.OPEN


# --- filing an objection --------------------------------------------------------------------------


def test_anyone_can_file_an_objection_during_the_notice(published):
    objection = file_objection(published.four, name="张三", contact="zhang@example.com", files=[pdf_upload()])
    assert objection.state == Objection.State.OPEN
    assert objection.reference.startswith(f"YY{published.cycle.year}-")
    assert objection.attachments.count() == 1
    assert objection.ip_hash and "203.0.113.7" not in objection.ip_hash
    assert "objection.file" in audit_actions(published.four)


def test_filing_tells_the_committee_staff(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        objection = file_objection(published.four)
    note = Notification.objects.get(kind="objection_filed")
    assert objection.reference in note.title


@pytest.mark.parametrize("offset", [-1, 8])
def test_outside_the_notice_period_no_objection_is_accepted(results_cycle, staff_user, offset):
    start = timezone.localdate() - dt.timedelta(days=offset)
    Cycle.objects.filter(pk=results_cycle.cycle.pk).update(  # published as on its first day
        self_assessment_deadline=timezone.now() - dt.timedelta(days=20)
    )
    cycle = cycle_publish(
        cycle=results_cycle.cycle, by=staff_user, starts_on=start, today=min(start, timezone.localdate())
    )
    with pytest.raises(TransitionNotAllowed, match="公示期"):
        file_objection(results_cycle.four)
    assert not Objection.objects.filter(submission__cycle=cycle).exists()


@pytest.mark.parametrize("key", ["none", "vetoed", "draft"])
def test_an_unlisted_result_cannot_be_objected_to(published, key):
    with pytest.raises(ValidationError, match="不在公示名单"):
        file_objection(getattr(published, key))
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "   "}, "请写明异议理由"),
        ({"reason": "理" * 2001}, "不能超过2000字"),
        ({"files": [pdf_upload(f"f{i}.pdf") for i in range(4)]}, "最多 3 个"),
        ({"files": [SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf")]}, "内容与扩展名"),
    ],
)
def test_a_bad_objection_says_why_and_saves_nothing(published, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        file_objection(published.four, **kwargs)
    assert not Objection.objects.exists()


def test_objections_are_rate_limited_per_address(published, committee):
    settings = RatingSettings.for_committee(committee.pk)
    settings.objections_per_ip_per_hour = 2
    settings.save()
    file_objection(published.four, ip="198.51.100.1", reason="第一条理由")
    file_objection(published.three, ip="198.51.100.1", reason="第二条理由")
    with pytest.raises(ValidationError, match="提交过于频繁") as exc:
        file_objection(published.five, ip="198.51.100.1", reason="第三条理由")
    assert exc.value.code == "rate_limited"
    assert Objection.objects.count() == 2
    file_objection(published.five, ip="198.51.100.2", reason="第三条理由")  # another address is not affected
    assert Objection.objects.count() == 3


# --- the transition matrix of objections ------------------------------------------------------------

ACTIONS = list(OBJECTION_TRANSITIONS)
STATES = list(Objection.State)


def _do(action, objection, staff, published):
    if action == "investigate":
        return objection_investigate(objection=objection, by=staff)
    if action == "reject":
        return objection_reject(objection=objection, by=staff, outcome="经核查，材料属实。")
    indicator = published.cycle.rubric.indicators().get(code="1.1")
    return objection_uphold(
        objection=objection,
        by=staff,
        outcome="经核查，部分活动未开展。",
        final_scores={indicator.pk: Decimal("10")},
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_objection_transition_matrix(published, staff_user, action, state):
    objection = Objection.objects.create(
        submission=published.four, reference=f"T-{action[:3]}-{state[:4]}", reason="理由", state=state
    )
    audit_before = AuditEntry.objects.count()
    sub_before = Submission.objects.values().get(pk=published.four.pk)
    allowed = OBJECTION_TRANSITIONS[action]
    if state in allowed:
        _do(action, objection, staff_user, published)
        objection.refresh_from_db()
        assert objection.state == allowed[state]
        assert f"objection.{action}" in audit_actions(published.four)
        if action != "investigate":
            assert objection.handled_by == staff_user and objection.outcome
    else:
        with pytest.raises(TransitionNotAllowed):
            _do(action, objection, staff_user, published)
        objection.refresh_from_db()
        assert objection.state == state
        assert AuditEntry.objects.count() == audit_before
        assert Submission.objects.values().get(pk=published.four.pk) == sub_before


def test_another_committees_staff_cannot_handle_an_objection(published, other_staff_user):
    objection = file_objection(published.four)
    with pytest.raises(PermissionDenied):
        objection_reject(objection=objection, by=other_staff_user, outcome="不予采纳")
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.OPEN


def test_rejecting_needs_the_reasons(published, staff_user):
    objection = file_objection(published.four)
    with pytest.raises(ValidationError, match="理由"):
        objection_reject(objection=objection, by=staff_user, outcome=" ")
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.OPEN


def test_upholding_needs_a_corrected_result(published, staff_user):
    objection = file_objection(published.four)
    with pytest.raises(ValidationError, match="须同时改正结果"):
        objection_uphold(objection=objection, by=staff_user, outcome="属实")
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.OPEN
    assert Submission.objects.get(pk=published.four.pk).status == Status.REVIEWED


# --- 复核 changes the result through the review services ----------------------------------------------


def test_upholding_with_a_changed_score_recomputes_the_star_and_its_explanation(published, staff_user):
    objection = file_objection(published.four)
    indicator = published.cycle.rubric.indicators().get(code="1.1")
    objection_uphold(
        objection=objection,
        by=staff_user,
        outcome="经核查，部分活动未开展。",
        final_scores={indicator.pk: Decimal("20")},
    )
    sub = Submission.objects.get(pk=published.four.pk)
    assert (sub.status, sub.total, sub.proposed_level) == (Status.REVIEWED, Decimal("80.00"), 3)
    assert sub.level_explanation.startswith("总分 80 → 三星档")
    actions = audit_actions(sub)
    for action in ("submission.reopen", "review.final_score", "submission.review", "objection.uphold"):
        assert action in actions
    assert sub.final_scores.get(indicator=indicator).reason.startswith(f"异议 {objection.reference} 复核")


def test_upholding_with_a_veto_takes_the_branch_off_the_notice(published, staff_user):
    objection = file_objection(published.three)
    veto = published.cycle.rubric.vetoes.get(code="V2")
    objection_uphold(objection=objection, by=staff_user, outcome="该组织已被撤销登记。", veto_item_id=veto.pk)
    sub = Submission.objects.get(pk=published.three.pk)
    assert sub.vetoed and sub.proposed_level is None
    assert "社会组织被撤销登记" in sub.level_explanation
    assert sub.pk not in {s.pk for s in listed_results(published.cycle)}


def test_an_objection_to_a_result_that_is_no_longer_reviewed_cannot_be_upheld(published, staff_user):
    objection = file_objection(published.four)
    Submission.objects.filter(pk=published.four.pk).update(status=Status.INSPECTED)
    indicator = published.cycle.rubric.indicators().first()
    with pytest.raises(TransitionNotAllowed, match="已评审"):
        objection_uphold(objection=objection, by=staff_user, outcome="属实", final_scores={indicator.pk: 1})
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.OPEN


# --- telling the objector ---------------------------------------------------------------------------


def test_an_objector_with_an_email_address_gets_the_outcome_once(
    published, staff_user, django_capture_on_commit_callbacks
):
    objection = file_objection(published.four, contact="objector@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        objection_reject(objection=objection, by=staff_user, outcome="经核查，相关活动均有记录。")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["objector@example.com"]
    assert objection.reference in message.subject and "相关活动均有记录" in message.body
    assert tasks.tell_objector(objection.pk) == "skipped"  # a retry or second run sends nothing more
    assert len(mail.outbox) == 1
    assert Objection.objects.get(pk=objection.pk).objector_notified_at is not None


@pytest.mark.parametrize("contact", ["13800138000", ""])
def test_an_objector_without_an_email_address_gets_no_mail(
    published, staff_user, contact, django_capture_on_commit_callbacks
):
    objection = file_objection(published.four, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        objection_reject(objection=objection, by=staff_user, outcome="不予采纳。")
    assert mail.outbox == []
    assert Objection.objects.get(pk=objection.pk).objector_notified_at is None


def test_an_open_objection_is_not_told_anything(published):
    objection = file_objection(published.four, contact="objector@example.com")
    assert tasks.tell_objector(objection.pk) == "skipped"
    assert mail.outbox == []


# --- making results final ---------------------------------------------------------------------------


def test_results_cannot_be_finalised_before_the_period_ends(published, staff_user):
    for today in (published.cycle.notice_starts_on, published.cycle.notice_ends_on):
        with pytest.raises(TransitionNotAllowed, match="期满后"):
            results_finalize(cycle=published.cycle, by=staff_user, today=today)
    assert not Submission.objects.filter(finalized_at__isnull=False).exists()
    assert not Award.objects.exists()


def test_a_cycle_that_was_not_published_cannot_be_finalised(results_cycle, staff_user):
    with pytest.raises(TransitionNotAllowed, match="公示中"):
        results_finalize(cycle=results_cycle.cycle, by=staff_user, today=TODAY)


def test_finalising_makes_results_final_and_awards_plaque_levels(published, staff_user):
    done = results_finalize(cycle=published.cycle, by=staff_user, today=after_period(published.cycle))
    assert done == {"finalized": 5, "waiting": 0, "awards": 3}
    published.refresh()
    assert published.cycle.status == Cycle.Status.FINAL and published.cycle.finalized_at
    assert [published.five.final_level, published.four.final_level, published.three.final_level] == [5, 4, 3]
    assert published.none.final_level == 0 and published.vetoed.final_level is None
    assert published.draft.finalized_at is None
    assert sorted(Award.objects.values_list("submission_id", flat=True)) == sorted(
        [published.five.pk, published.four.pk, published.three.pk]
    )
    assert "cycle.finalize" in audit_actions(published.cycle)


def test_a_result_with_an_open_objection_waits_while_the_others_become_final(published, staff_user):
    objection = file_objection(published.four)
    objection_investigate(objection=objection, by=staff_user)
    today = after_period(published.cycle)
    assert results_finalize(cycle=published.cycle, by=staff_user, today=today) == {
        "finalized": 4,
        "waiting": 1,
        "awards": 2,
    }
    published.refresh()
    assert published.cycle.status == Cycle.Status.PUBLISHED
    assert published.four.finalized_at is None and published.four.final_level is None
    assert not Award.objects.filter(submission=published.four).exists()

    # the daily job again: nothing more happens while the objection is open
    awards_before = list(Award.objects.values_list("pk", "seq", "certificate_no"))
    finals_before = list(Submission.objects.values_list("pk", "final_level", "finalized_at"))
    audit_count = AuditEntry.objects.count()
    assert results_finalize(cycle=published.cycle, by=None, today=today) == {
        "finalized": 0,
        "waiting": 1,
        "awards": 0,
    }
    assert list(Award.objects.values_list("pk", "seq", "certificate_no")) == awards_before
    assert list(Submission.objects.values_list("pk", "final_level", "finalized_at")) == finals_before
    assert AuditEntry.objects.count() == audit_count

    # 复核 done: the waiting result is corrected and becomes final with the next number
    indicator = published.cycle.rubric.indicators().get(code="1.1")
    objection_uphold(
        objection=objection, by=staff_user, outcome="部分属实。", final_scores={indicator.pk: 20}
    )
    assert results_finalize(cycle=published.cycle, by=staff_user, today=today) == {
        "finalized": 1,
        "waiting": 0,
        "awards": 1,
    }
    published.refresh()
    assert published.cycle.status == Cycle.Status.FINAL
    assert published.four.final_level == 3
    assert Award.objects.get(submission=published.four).seq == 3


def test_finalising_twice_changes_nothing_more(published, staff_user):
    today = after_period(published.cycle)
    results_finalize(cycle=published.cycle, by=staff_user, today=today)
    snapshot = (
        list(Award.objects.values_list("pk", "seq", "certificate_no", "state")),
        list(Submission.objects.values_list("pk", "final_level", "finalized_at")),
        Cycle.objects.values_list("status", "finalized_at").get(pk=published.cycle.pk),
    )
    audit_count = AuditEntry.objects.count()
    assert results_finalize(cycle=published.cycle, by=staff_user, today=today) == {
        "finalized": 0,
        "waiting": 0,
        "awards": 0,
    }
    assert (
        list(Award.objects.values_list("pk", "seq", "certificate_no", "state")),
        list(Submission.objects.values_list("pk", "final_level", "finalized_at")),
        Cycle.objects.values_list("status", "finalized_at").get(pk=published.cycle.pk),
    ) == snapshot
    assert AuditEntry.objects.count() == audit_count


def test_the_daily_job_finalises_only_cycles_whose_period_has_ended(published, committee, staff_user):
    Cycle.objects.filter(pk=published.cycle.pk).update(
        notice_starts_on=timezone.localdate() - dt.timedelta(days=10),
        notice_ends_on=timezone.localdate() - dt.timedelta(days=4),
    )
    still_open = make_other_published_cycle(committee, staff_user)
    done = tasks.finalize_due_results()
    assert done == {published.cycle.pk: {"finalized": 5, "waiting": 0, "awards": 3}}
    assert Cycle.objects.get(pk=still_open.pk).status == Cycle.Status.PUBLISHED
    assert tasks.finalize_due_results() == {}  # and running it again does nothing


def make_other_published_cycle(committee, staff):
    from tests.ratings.conftest import make_results_cycle

    other = make_results_cycle(committee, staff, year=timezone.localdate().year - 2)
    return cycle_publish(cycle=other.cycle, by=staff)


def test_another_committees_staff_cannot_finalise(published, other_staff_user):
    with pytest.raises(PermissionDenied):
        results_finalize(cycle=published.cycle, by=other_staff_user, today=after_period(published.cycle))
    assert Cycle.objects.get(pk=published.cycle.pk).status == Cycle.Status.PUBLISHED
