"""Central review pages (ratings/views/review.py), the review matrix and the audit log."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEntry, User
from ratings.models import (
    AppliedAdjustment,
    FinalScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    RatingSettings,
    Status,
    Submission,
    VetoDecision,
)
from ratings.workflow import levels, panel
from ratings.workflow.review_data import review_matrix
from tests import factories

pytestmark = pytest.mark.django_db

# two inspectors: 1.1 differs by 5 (flagged at the default threshold 2), 1.2 by 1, 2.1 not at all
SCORES_A = {"1.1": Decimal("30"), "1.2": Decimal("25"), "2.1": Decimal("20")}
SCORES_B = {"1.1": Decimal("35"), "1.2": Decimal("26"), "2.1": Decimal("20")}


@pytest.fixture
def inspected(rating_submission, rating_flow, django_capture_on_commit_callbacks):
    """Both inspectors scored independently and signed; the preview level is computed."""
    with django_capture_on_commit_callbacks(execute=True):
        return rating_flow.drive(rating_submission, Status.INSPECTED, inspector_scores=[SCORES_A, SCORES_B])


@pytest.fixture
def staff(login, staff_user):
    return login(staff_user)


def _ind(submission, code):
    return submission.cycle.rubric.indicators().get(code=code)


def _post(client, name, submission, data=None, *args):
    return client.post(reverse(name, args=[submission.pk, *args]), data or {})


def _session(submission):
    """The panel session a test completes its review in (one per cycle)."""
    from ratings.models import ReviewSession

    return ReviewSession.objects.filter(cycle=submission.cycle).first() or ReviewSession.objects.create(
        cycle=submission.cycle,
        held_on=timezone.localdate(),
        chair="张组长",
        members="张组长\n李委员\n王委员",
        created_by=User.objects.filter(role="staff").first(),
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _fresh(submission):
    return Submission.objects.get(pk=submission.pk)


# --- access -----------------------------------------------------------------------------------

URLS = [
    ("ratings:review", "get"),
    ("ratings:review-final-score", "post"),
    ("ratings:review-adjustment", "post"),
    ("ratings:review-veto-raise", "post"),
    ("ratings:review-veto-decide", "post"),
    ("ratings:review-complete", "post"),
    ("ratings:submission-reopen", "post"),
    ("ratings:audit-log", "get"),
]


@pytest.fixture
def veto(inspected, staff_user):
    return panel.veto_raise(
        submission=inspected,
        item_id=inspected.cycle.rubric.vetoes.get(code="V1").pk,
        note="举报线索",
        by=staff_user,
    )


def _url(name, submission, veto):
    args = [submission.pk, veto.pk] if name == "ratings:review-veto-decide" else [submission.pk]
    return reverse(name, args=args)


@pytest.mark.parametrize(("name", "method"), URLS)
def test_anonymous_is_sent_to_login(client, inspected, veto, name, method):
    response = getattr(client, method)(_url(name, inspected, veto))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["inspector", "secretary"])
@pytest.mark.parametrize(("name", "method"), URLS)
def test_other_roles_get_403(login, inspected, veto, rating_inspectors, secretary_user, role, name, method):
    user = {"inspector": rating_inspectors[0], "secretary": secretary_user}[role]
    assert getattr(login(user), method)(_url(name, inspected, veto)).status_code == 403


@pytest.mark.parametrize(("name", "method"), URLS)
def test_another_committees_staff_get_404(login, inspected, veto, other_staff_user, name, method):
    response = getattr(login(other_staff_user), method)(
        _url(name, inspected, veto), {"reason": "x", "decision": "confirm"}
    )
    assert response.status_code == 404
    assert _fresh(inspected).status == Status.INSPECTED
    assert VetoDecision.objects.get().state == VetoDecision.State.OPEN


def test_a_veto_of_another_submission_is_404(staff, inspected, veto, committee):
    other = factories.SubmissionFactory(cycle=inspected.cycle, status=Status.INSPECTED)
    response = staff.post(
        reverse("ratings:review-veto-decide", args=[other.pk, veto.pk]),
        {"decision": "confirm", "reason": "x"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["ratings:review", "ratings:audit-log"])
def test_committee_staff_open_the_pages(staff, inspected, name):
    assert staff.get(reverse(name, args=[inspected.pk])).status_code == 200


@pytest.mark.parametrize("name", [n for n, m in URLS if m == "post"])
def test_writes_take_only_post(staff, inspected, veto, name):
    assert staff.get(_url(name, inspected, veto)).status_code == 405


# --- the matrix -------------------------------------------------------------------------------


def test_review_shows_both_inspectors_with_average_spread_and_flag(staff, inspected, rating_inspectors):
    response = staff.get(reverse("ratings:review", args=[inspected.pk]))

    matrix = response.context["matrix"]
    assert [a.inspector for a in matrix.assignments] == rating_inspectors
    rows = {r.indicator.code: r for r in matrix.rows}
    assert [c.score for c in rows["1.1"].cells] == [Decimal("30"), Decimal("35")]
    assert (
        rows["1.1"].average == Decimal("32.50") and rows["1.1"].spread == Decimal("5") and rows["1.1"].flagged
    )
    assert (
        rows["1.2"].average == Decimal("25.50")
        and rows["1.2"].spread == Decimal("1")
        and not rows["1.2"].flagged
    )
    assert rows["2.1"].spread == 0 and not rows["2.1"].flagged
    assert rows["1.1"].self_score == Decimal("40")
    assert rows["1.1"].final_default == Decimal("32.50")  # the final score input defaults to the average
    assert matrix.flagged_count == 1
    page = response.content.decode()
    assert "inspector-a" in page and "inspector-b" in page
    assert "差异大" in page and 'value="32.50"' in page


def test_the_flag_follows_the_committee_threshold(staff, inspected, committee):
    RatingSettings.objects.update_or_create(
        committee=committee, defaults={"spread_threshold": Decimal("0.5")}
    )
    rows = {
        r.indicator.code: r
        for r in staff.get(reverse("ratings:review", args=[inspected.pk])).context["matrix"].rows
    }
    assert rows["1.1"].flagged and rows["1.2"].flagged and not rows["2.1"].flagged


def test_the_preview_level_is_labelled_as_such(staff, inspected):
    page = staff.get(reverse("ratings:review", args=[inspected.pk])).content.decode()
    submission = _fresh(inspected)
    assert submission.total == Decimal("78.00")  # 32.5 + 25.5 + 20
    assert "预览" in page
    assert submission.level_explanation and submission.level_explanation in page
    assert "三星" in page


# --- final scores -----------------------------------------------------------------------------


def test_a_final_score_equal_to_the_average_needs_no_reason(
    staff, inspected, django_capture_on_commit_callbacks
):
    ind = _ind(inspected, "1.1")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            staff, "ratings:review-final-score", inspected, {"indicator": ind.pk, "score": "32.5"}
        )
    assert response.status_code == 302
    assert FinalScore.objects.get(indicator=ind).score == Decimal("32.5")


def test_a_final_score_off_the_average_needs_a_reason(staff, inspected, django_capture_on_commit_callbacks):
    ind = _ind(inspected, "1.1")

    response = _post(staff, "ratings:review-final-score", inspected, {"indicator": ind.pk, "score": "34"})

    assert response.status_code == 200
    row = next(r for r in response.context["matrix"].rows if r.indicator.pk == ind.pk)
    assert "须说明理由" in row.error
    assert row.score_value == "34"  # what was typed is kept
    assert "须说明理由" in response.content.decode()
    assert not FinalScore.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            staff,
            "ratings:review-final-score",
            inspected,
            {"indicator": ind.pk, "score": "34", "reason": "现场补充了学习记录"},
        )
    assert response.status_code == 302
    final = FinalScore.objects.get()
    assert (final.score, final.reason) == (Decimal("34"), "现场补充了学习记录")
    assert _fresh(inspected).total == Decimal("79.50")  # recomputed: 34 + 25.5 + 20


@pytest.mark.parametrize(
    ("score", "message"), [("abc", "数字"), ("41", "0 到 40"), ("-1", "0"), ("", "请填写最终得分")]
)
def test_a_bad_final_score_is_refused_with_a_message(staff, inspected, score, message):
    ind = _ind(inspected, "1.1")
    response = _post(
        staff,
        "ratings:review-final-score",
        inspected,
        {"indicator": ind.pk, "score": score, "reason": "理由"},
    )
    assert response.status_code == 200
    row = next(r for r in response.context["matrix"].rows if r.indicator.pk == ind.pk)
    assert message in row.error
    assert not FinalScore.objects.exists()


def test_a_foreign_indicator_is_reported_at_the_top(staff, inspected, committee):
    foreign = factories.make_rubric(committee).indicators().first()
    response = _post(staff, "ratings:review-final-score", inspected, {"indicator": foreign.pk, "score": "1"})
    assert response.status_code == 200
    assert "不属于本周期的测评标准" in response.context["page_error"]
    assert not FinalScore.objects.exists()


def test_final_scores_cannot_be_set_before_the_inspection_is_complete(staff, rating_submission, rating_flow):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    response = _post(
        staff,
        "ratings:review-final-score",
        submission,
        {"indicator": _ind(submission, "1.1").pk, "score": "30", "reason": "x"},
    )
    assert "只有“已验收”的申报可以评审" in response.content.decode()
    assert not FinalScore.objects.exists()


# --- adjustments ------------------------------------------------------------------------------


def test_a_bonus_is_applied_with_its_basis(staff, inspected, django_capture_on_commit_callbacks):
    item = inspected.cycle.rubric.adjustments.get(code="B1")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            staff,
            "ratings:review-adjustment",
            inspected,
            {"item": item.pk, "times": "1", "note": "2023年获省级先进基层党组织"},
        )
    assert response.status_code == 302
    assert AppliedAdjustment.objects.get().times == 1
    submission = _fresh(inspected)
    assert (submission.bonus_total, submission.total) == (Decimal("3"), Decimal("81.00"))
    assert "加分 3" in submission.level_explanation


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"times": "1", "note": ""}, "须写明依据"),
        ({"times": "-1", "note": "x"}, "0"),
        ({"times": "abc", "note": "x"}, "整数"),
    ],
)
def test_a_bad_adjustment_is_refused_with_a_message(staff, inspected, data, message):
    item = inspected.cycle.rubric.adjustments.get(code="B1")
    response = _post(staff, "ratings:review-adjustment", inspected, {"item": item.pk, **data})
    assert response.status_code == 200
    row = next(r for r in response.context["bonus_rows"] if r.item.pk == item.pk)
    assert message in row.error
    assert not AppliedAdjustment.objects.exists()


# --- vetoes -----------------------------------------------------------------------------------


def test_staff_raise_a_veto_item(staff, inspected):
    item = inspected.cycle.rubric.vetoes.get(code="V2")
    response = _post(staff, "ratings:review-veto-raise", inspected, {"item": item.pk, "note": "民政局通报"})
    assert response.status_code == 302
    assert VetoDecision.objects.get().item == item


def test_a_veto_needs_a_reason_to_be_decided(staff, inspected, veto):
    response = _post(
        staff, "ratings:review-veto-decide", inspected, {"decision": "confirm", "reason": ""}, veto.pk
    )
    assert response.status_code == 200
    assert "必须写明理由" in next(v for v in response.context["vetoes"] if v.pk == veto.pk).error
    veto.refresh_from_db()
    assert veto.state == VetoDecision.State.OPEN


def test_completing_the_review_with_an_open_veto_is_refused(staff, inspected, veto):
    response = _post(staff, "ratings:review-complete", inspected, {"session": _session(inspected).pk})
    assert response.status_code == 302
    assert "待认定的一票否决" in " ".join(_messages(staff.get(response["Location"])))
    assert _fresh(inspected).status == Status.INSPECTED


def test_a_confirmed_veto_gives_no_star_and_says_so(
    staff, inspected, veto, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            staff,
            "ratings:review-veto-decide",
            inspected,
            {"decision": "confirm", "reason": "纪委通报属实"},
            veto.pk,
        )
    assert response.status_code == 302
    veto.refresh_from_db()
    assert (veto.state, veto.reason) == (VetoDecision.State.CONFIRMED, "纪委通报属实")

    _post(staff, "ratings:review-complete", inspected, {"session": _session(inspected).pk})

    submission = _fresh(inspected)
    assert submission.status == Status.REVIEWED
    assert submission.vetoed and submission.proposed_level is None
    assert "一票否决" in submission.level_explanation
    page = staff.get(reverse("ratings:review", args=[inspected.pk])).content.decode()
    assert "不评星" in page and submission.level_explanation in page


def test_a_cleared_veto_leaves_the_star(staff, inspected, veto, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            staff,
            "ratings:review-veto-decide",
            inspected,
            {"decision": "clear", "reason": "经核查不属实"},
            veto.pk,
        )
    _post(staff, "ratings:review-complete", inspected, {"session": _session(inspected).pk})
    submission = _fresh(inspected)
    assert not submission.vetoed and submission.proposed_level == 3


# --- completing and reopening -------------------------------------------------------------------


def test_completing_the_review_sets_reviewed_and_a_proposed_level(staff, inspected):
    response = _post(staff, "ratings:review-complete", inspected, {"session": _session(inspected).pk})

    assert response.status_code == 302
    submission = _fresh(inspected)
    assert submission.status == Status.REVIEWED and submission.reviewed_at
    assert submission.proposed_level == 3  # 78 → 三星档
    assert FinalScore.objects.filter(submission=submission).count() == 3  # averages became final scores
    page = staff.get(response["Location"])
    assert "评审已完成，建议星级：三星" in " ".join(_messages(page))
    html = page.content.decode()
    assert "总分 78 → 三星档" in html and "预览" not in html
    assert 'name="score"' not in html  # read-only once reviewed


def test_the_explanation_names_the_promotion_limit(
    staff, committee, rating_submission, rating_flow, django_capture_on_commit_callbacks
):
    last_year = factories.CycleFactory(committee=committee, year=2023)
    factories.SubmissionFactory(
        cycle=last_year,
        party_organization=rating_submission.party_organization,
        status=Status.REVIEWED,
        proposed_level=2,
    )
    scores = {"1.1": Decimal("35"), "1.2": Decimal("26.5"), "2.1": Decimal("25")}  # 86.5 → 四星档
    with django_capture_on_commit_callbacks(execute=True):
        submission = rating_flow.drive(rating_submission, Status.INSPECTED, inspector_scores=[scores, scores])

    html = staff.get(reverse("ratings:review", args=[submission.pk])).content.decode()

    assert "总分 86.5 → 四星档；上一周期二星，逐级晋升限制为三星" in html
    assert "预览" in html
    assert _fresh(submission).proposed_level == 3


def test_reopen_needs_a_reason(staff, inspected, staff_user):
    panel.submission_review(submission=inspected, by=staff_user)
    response = _post(staff, "ratings:submission-reopen", inspected, {"reason": ""})
    assert response.status_code == 200
    assert "必须说明原因" in response.content.decode()
    assert _fresh(inspected).status == Status.REVIEWED


@pytest.mark.parametrize(
    ("start", "end"), [(Status.REVIEWED, Status.INSPECTED), (Status.INSPECTED, Status.ACCEPTED)]
)
def test_reopen_steps_back_one_stage(staff, rating_submission, rating_flow, start, end):
    submission = rating_flow.drive(rating_submission, start)
    response = _post(staff, "ratings:submission-reopen", submission, {"reason": "材料存疑，重新评审"})
    assert response.status_code == 302
    assert _fresh(submission).status == end
    entry = AuditEntry.objects.filter(action="submission.reopen").get()
    assert entry.note == "材料存疑，重新评审"


def test_reopen_of_a_draft_is_refused(staff, rating_submission):
    response = _post(staff, "ratings:submission-reopen", rating_submission, {"reason": "试试"})
    assert response.status_code == 200
    assert "不能重新打开" in response.content.decode()
    assert _fresh(rating_submission).status == Status.DRAFT


# --- audit log --------------------------------------------------------------------------------


def test_the_audit_log_lists_who_did_what_with_before_and_after(staff, inspected, rating_inspectors):
    response = staff.get(reverse("ratings:audit-log", args=[inspected.pk]))

    assert response.status_code == 200
    entries = list(response.context["page"])
    expected = AuditEntry.objects.filter(
        target_type="ratings.submission", target_id=str(inspected.pk)
    ).count()
    assert len(entries) == expected > 0
    html = response.content.decode()
    for text in (
        "提交申报",
        "初核通过",
        "验收评分",
        "验收签字",
        "实地验收完成",
        "inspector-a",
        "inspector-b",
        "已提交 → 待实地验收",
    ):
        assert text in html, text


def test_the_audit_log_is_read_only_everywhere(staff, inspected, django_user_model):
    assert staff.post(reverse("ratings:audit-log", args=[inspected.pk])).status_code == 405
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    model_admin = admin.site._registry[AuditEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, AuditEntry.objects.first())
    assert not model_admin.has_delete_permission(request, AuditEntry.objects.first())


# --- query counts -------------------------------------------------------------------------------


def _review_case(committee, staff_user, n_indicators, n_inspectors):
    """An INSPECTED submission with self scores, evidence, every inspector's score and a photo per
    indicator, some final scores, an adjustment and a veto — written directly for speed."""
    rubric = factories.make_rubric(
        committee, indicators=[(f"1.{i}", 4, True) for i in range(1, n_indicators + 1)]
    )
    cycle = factories.CycleFactory(committee=committee, rubric=rubric, status="open")
    submission = factories.SubmissionFactory(cycle=cycle, status=Status.INSPECTED)
    indicators = list(rubric.indicators())
    assignments = [
        InspectionAssignment.objects.create(
            submission=submission,
            assigned_by=staff_user,
            inspector=factories.InspectorUserFactory(committee=committee),
        )
        for _ in range(n_inspectors)
    ]
    for n, ind in enumerate(indicators):
        submission.scores.create(indicator=ind, score=Decimal("3"), comment="说明")
        submission.evidence.create(
            indicator=ind,
            file="evidence/x.png",
            original_name="x.png",
            content_type="image/png",
            size=1,
            uploaded_by=staff_user,
        )
        for k, a in enumerate(assignments):
            InspectionScore.objects.create(assignment=a, indicator=ind, score=Decimal(k % 3), finding="意见")
            InspectionPhoto.objects.create(
                assignment=a,
                indicator=ind,
                file="inspection/x.png",
                original_name="x.png",
                content_type="image/png",
                size=1,
            )
        if n % 2:
            FinalScore.objects.create(
                submission=submission, indicator=ind, score=Decimal("2"), reason="理由", set_by=staff_user
            )
    AppliedAdjustment.objects.create(
        submission=submission, item=rubric.adjustments.first(), times=1, note="x", set_by=staff_user
    )
    VetoDecision.objects.create(submission=submission, item=rubric.vetoes.first(), raised_by=staff_user)
    levels.cycle_recompute_levels(cycle_id=cycle.pk)
    return submission


def _page_queries(client, url):
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_review_page_query_count_does_not_grow(staff, committee, staff_user):
    RatingSettings.objects.get_or_create(committee_id=committee.pk)
    small = _review_case(committee, staff_user, 5, 2)
    large = _review_case(committee, staff_user, 25, 4)
    large_matrix = staff.get(reverse("ratings:review", args=[large.pk])).context["matrix"]
    assert len(large_matrix.rows) == 25 and len(large_matrix.assignments) == 4

    assert _page_queries(staff, reverse("ratings:review", args=[small.pk])) == _page_queries(
        staff, reverse("ratings:review", args=[large.pk])
    )


def test_the_review_matrix_takes_a_fixed_number_of_queries(committee, staff_user, django_assert_num_queries):
    RatingSettings.objects.get_or_create(committee_id=committee.pk)
    for n_indicators, n_inspectors in ((5, 2), (25, 4)):
        submission = Submission.objects.select_related("cycle").get(
            pk=_review_case(committee, staff_user, n_indicators, n_inspectors).pk
        )
        with django_assert_num_queries(9):
            matrix = review_matrix(submission)
        assert len(matrix.rows) == n_indicators and len(matrix.rows[0].cells) == n_inspectors
        assert matrix.rows[0].cells[1].photos  # photos and findings come along


def test_the_audit_log_query_count_does_not_grow(staff, inspected, staff_user):
    url = reverse("ratings:audit-log", args=[inspected.pk])
    before = _page_queries(staff, url)
    for i in range(20):
        AuditEntry.objects.create(
            committee_id=inspected.cycle.committee_id,
            actor=staff_user,
            action="veto.raise",
            target_type="ratings.submission",
            target_id=str(inspected.pk),
            target_repr="x",
            after={"item": f"事项{i}"},
        )
    assert _page_queries(staff, url) == before
