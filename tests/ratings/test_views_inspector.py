"""On-site acceptance pages (ratings/views/inspector.py) and private inspection photos.

Each inspector sees only their own assignment (others: 404), scores independently (never sees
another inspector's scores), and cannot change anything after signing off.
"""

import json
import re
from decimal import Decimal
from html import unescape as html_unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ratings.models import (
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    Status,
    Submission,
    VetoDecision,
)
from ratings.workflow import onsite, precheck, self_assessment
from tests import factories
from tests.headers import assert_private_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(rating_submission, rating_flow, staff_user):
    """The submission accepted for inspection with two inspectors assigned; nothing scored yet."""
    rating_flow.fill(rating_submission)
    self_assessment.submission_submit(
        submission=rating_submission, by=rating_flow.secretary(rating_submission)
    )
    precheck.submission_accept(submission=rating_submission, by=staff_user)
    first, second = rating_flow.assign(rating_submission)
    return first, second


def _ind(assignment, code):
    return assignment.submission.cycle.rubric.indicators().get(code=code)


def _save(client, assignment, code, score, finding="", **extra):
    return client.post(
        reverse("ratings:inspection-score-save", args=[assignment.pk]),
        {"indicator": _ind(assignment, code).pk, "score": score, "finding": finding},
        **extra,
    )


def _score_all(assignment, score=None):
    for ind in assignment.submission.cycle.rubric.indicators():
        onsite.inspection_score_save(
            assignment=assignment,
            indicator_id=ind.pk,
            score=ind.max_score if score is None else score,
            finding="",
            by=assignment.inspector,
        )


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access -----------------------------------------------------------------------------------

ASSIGNMENT_URLS = [
    ("ratings:inspection", "get"),
    ("ratings:inspection-score-save", "post"),
    ("ratings:inspection-photo-upload", "post"),
    ("ratings:inspection-sign-off", "post"),
    ("ratings:inspection-veto-raise", "post"),
]


@pytest.mark.parametrize(("name", "method"), [("ratings:inspections", "get"), *ASSIGNMENT_URLS])
def test_anonymous_is_sent_to_login(client, accepted, name, method):
    args = [] if name == "ratings:inspections" else [accepted[0].pk]
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["staff", "secretary"])
@pytest.mark.parametrize(("name", "method"), [("ratings:inspections", "get"), *ASSIGNMENT_URLS])
def test_other_roles_get_403(login, accepted, staff_user, secretary_user, role, name, method):
    user = {"staff": staff_user, "secretary": secretary_user}[role]
    args = [] if name == "ratings:inspections" else [accepted[0].pk]
    assert getattr(login(user), method)(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "method"), ASSIGNMENT_URLS)
def test_another_inspectors_assignment_is_404(login, accepted, name, method):
    first, second = accepted
    # the second inspector of the same submission, and an inspector of another committee
    for outsider in (second.inspector, factories.InspectorUserFactory(username="far-away")):
        response = getattr(login(outsider), method)(
            reverse(name, args=[first.pk]), {"indicator": _ind(first, "1.1").pk, "score": "1"}
        )
        assert response.status_code == 404
    assert not InspectionScore.objects.filter(assignment=first).exists()


def test_the_list_shows_only_own_assignments(login, accepted, committee):
    first, _second = accepted
    other_po = factories.PartyOrganizationFactory(committee=committee, name="别人的党支部")
    sub = Submission.objects.create(
        cycle=first.submission.cycle, party_organization=other_po, status=Status.ACCEPTED
    )
    InspectionAssignment.objects.create(
        submission=sub,
        inspector=factories.InspectorUserFactory(committee=committee),
        assigned_by=first.assigned_by,
    )

    response = login(first.inspector).get(reverse("ratings:inspections"))

    assert response.status_code == 200
    assert [a.pk for a in response.context["open_assignments"]] == [first.pk]
    page = response.content.decode()
    assert first.submission.party_organization.name in page
    org = first.submission.party_organization.organizations.get()
    assert org.name in page
    assert "未签字" in page and "已评 0 / 3" in page
    assert "别人的党支部" not in page


def test_the_inspection_page_shows_self_score_guidance_and_a_camera_input(login, accepted):
    first, _ = accepted
    ind = _ind(first, "1.1")
    ind.guidance = "现场查阅学习记录，随机询问两名党员"
    ind.save()

    response = login(first.inspector).get(reverse("ratings:inspection", args=[first.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "现场查阅学习记录，随机询问两名党员" in page
    assert "自评说明" in page  # the secretary's comment, for comparison
    row = response.context["rows"][0]
    assert row.self_score.score == Decimal("40.0")
    evidence = row.evidence[0]
    assert reverse("ratings:evidence-file", args=[evidence.pk]) in page
    assert 'accept="image/*" capture="environment"' in page
    assert 'step="0.5"' in page and 'max="40.0"' in page


def test_the_home_page_lists_open_assignments(login, accepted):
    first, _ = accepted
    response = login(first.inspector).get(reverse("home"))
    assert response.status_code == 200
    assert reverse("ratings:inspection", args=[first.pk]) in response.content.decode()


# --- scoring ---------------------------------------------------------------------------------


def test_saving_a_score_records_it_with_the_time(login, accepted):
    first, _ = accepted
    client = login(first.inspector)

    response = _save(client, first, "1.1", "35.5", "学习计划齐全")

    ind = _ind(first, "1.1")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#ind-{ind.pk}")
    row = InspectionScore.objects.get(assignment=first, indicator=ind)
    assert (row.score, row.finding) == (Decimal("35.5"), "学习计划齐全")
    page = client.get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    assert "记录于" in page and "学习计划齐全" in page


def test_saving_by_fetch_answers_json(login, accepted):
    first, _ = accepted
    client = login(first.inspector)

    ok = _save(client, first, "1.2", "20", HTTP_X_REQUESTED_WITH="fetch")
    bad = _save(client, first, "1.2", "31", HTTP_X_REQUESTED_WITH="fetch")

    assert ok.status_code == 200
    assert ok.json()["ok"] is True and Decimal(ok.json()["score"]) == 20 and ok.json()["scored"] == 1
    assert bad.status_code == 400
    assert "0 到 30" in bad.json()["error"]
    assert InspectionScore.objects.get(assignment=first).score == Decimal("20")


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("41", "应在 0 到 40"),
        ("3.25", "0.5"),
        ("-1", "0"),
        ("abc", "数字"),
        ("NaN", "数字"),
        ("Infinity", "数字"),
    ],
)
def test_a_bad_score_shows_a_message_next_to_the_indicator_and_saves_nothing(login, accepted, score, message):
    first, _ = accepted
    client = login(first.inspector)

    response = _save(client, first, "1.1", score, "我写的意见")

    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r.indicator.code == "1.1")
    assert message in row.error
    assert row.score_value == score and row.finding_value == "我写的意见"  # what was typed is kept
    assert not InspectionScore.objects.filter(assignment=first).exists()


def test_an_indicator_of_another_rubric_is_refused(login, accepted, committee):
    first, _ = accepted
    foreign = factories.make_rubric(committee).indicators().first()
    response = login(first.inspector).post(
        reverse("ratings:inspection-score-save", args=[first.pk]), {"indicator": foreign.pk, "score": "1"}
    )
    assert response.status_code == 200
    assert "不属于本周期的测评标准" in response.content.decode()
    assert not InspectionScore.objects.exists()


def test_score_save_takes_only_post(login, accepted):
    first, _ = accepted
    assert (
        login(first.inspector).get(reverse("ratings:inspection-score-save", args=[first.pk])).status_code
        == 405
    )


def test_inspectors_do_not_see_each_others_scores(login, accepted):
    first, second = accepted
    onsite.inspection_score_save(
        assignment=second,
        indicator_id=_ind(second, "1.1").pk,
        score=Decimal("12.5"),
        finding="乙的独立意见",
        by=second.inspector,
    )
    onsite.inspection_photo_add(
        assignment=second,
        indicator_id=_ind(second, "1.1").pk,
        upload=factories.png_upload("b.png"),
        by=second.inspector,
    )
    photo = InspectionPhoto.objects.get()

    page = login(first.inspector).get(reverse("ratings:inspection", args=[first.pk])).content.decode()

    assert "乙的独立意见" not in page
    assert "12.5" not in page
    assert reverse("ratings:photo-file", args=[photo.pk]) not in page


# --- photos ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_storage_backend")
def test_a_photo_is_stored_and_served_to_its_inspector(login, accepted):
    first, _ = accepted
    client = login(first.inspector)
    upload = factories.png_upload("现场.png")

    response = client.post(
        reverse("ratings:inspection-photo-upload", args=[first.pk]),
        {"indicator": _ind(first, "2.1").pk, "photo": upload},
    )

    assert response.status_code == 302
    photo = InspectionPhoto.objects.get(assignment=first)
    assert photo.indicator.code == "2.1" and photo.content_type == "image/png"
    page = client.get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    assert reverse("ratings:photo-file", args=[photo.pk]) in page
    served = client.get(reverse("ratings:photo-file", args=[photo.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert_private_file(served, inline=True, name="现场.png")
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    served.close()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([SimpleUploadedFile("fake.jpg", b"this is not a picture", content_type="image/jpeg")], "不符"),
        ([SimpleUploadedFile("notes.pdf", b"%PDF-1.4 ...", content_type="application/pdf")], "类型不支持"),
        ([], "请先拍照或选择照片"),
    ],
)
def test_a_bad_photo_is_refused_with_a_message(login, accepted, files, message):
    first, _ = accepted
    response = login(first.inspector).post(
        reverse("ratings:inspection-photo-upload", args=[first.pk]),
        {"indicator": _ind(first, "1.1").pk, "photo": files},
    )
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r.indicator.code == "1.1")
    assert message in row.photo_error
    assert not InspectionPhoto.objects.exists()


@pytest.fixture
def photo(accepted):
    first, _ = accepted
    onsite.inspection_photo_add(
        assignment=first,
        indicator_id=_ind(first, "1.1").pk,
        upload=factories.png_upload(),
        by=first.inspector,
    )
    return InspectionPhoto.objects.get()


def test_photo_file_for_anonymous_redirects_to_login(client, photo):
    response = client.get(reverse("ratings:photo-file", args=[photo.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("taker", 200),
        ("staff", 200),
        ("other_inspector_same_submission", 404),
        ("other_staff", 404),
        ("secretary_before_review", 404),
        ("other_secretary", 404),
        ("no_role", 404),
    ],
)
def test_who_may_open_an_inspection_photo(
    login, photo, accepted, staff_user, other_staff_user, secretary_user, other_secretary_user, who, status
):
    user = {
        "taker": accepted[0].inspector,
        "staff": staff_user,
        "other_inspector_same_submission": accepted[1].inspector,
        "other_staff": other_staff_user,
        "secretary_before_review": secretary_user,
        "other_secretary": other_secretary_user,
        "no_role": factories.UserFactory(username="nobody"),
    }[who]
    response = login(user).get(reverse("ratings:photo-file", args=[photo.pk]))
    assert response.status_code == status
    if status == 200:
        response.close()


def test_the_branch_secretary_sees_photos_once_reviewed(login, photo, secretary_user):
    Submission.objects.filter(pk=photo.assignment.submission_id).update(status=Status.REVIEWED)
    response = login(secretary_user).get(reverse("ratings:photo-file", args=[photo.pk]))
    assert response.status_code == 200
    response.close()


def test_a_guessed_storage_path_gets_nothing(login, photo, staff_user):
    client = login(staff_user)
    assert photo.file.name.startswith("inspection/")
    for url in (
        f"/media/{photo.file.name}",
        f"/{photo.file.name}",
        f"/private/{photo.file.name}",
        f"/static/{photo.file.name}",
    ):
        assert client.get(url).status_code == 404, url


# --- sign-off ----------------------------------------------------------------------------------


def test_sign_off_lists_the_unscored_indicators(login, accepted):
    first, _ = accepted
    client = login(first.inspector)
    _save(client, first, "1.2", "30")

    response = client.post(reverse("ratings:inspection-sign-off", args=[first.pk]), follow=True)

    text = next(m for m in _messages(response) if "不能签字确认" in m)
    assert "还有指标未评分" in text and "1.1" in text and "2.1" in text and "1.2" not in text
    first.refresh_from_db()
    assert first.signed_off_at is None


def _warning(html):
    """The sign-off's warning about unscored indicators: its opening tag and its content."""
    start = html.rindex("<p", 0, html.index("data-unscored-warning"))
    end = html.index("</p>", start)
    tag_end = html.index(">", start)
    return html[start : tag_end + 1], html[tag_end + 1 : end]


def test_the_sign_off_warning_names_the_unscored_and_has_its_words_for_every_count(login, accepted):
    first, _ = accepted
    client = login(first.inspector)
    _save(client, first, "1.2", "30")
    html = client.get(reverse("ratings:inspection", args=[first.pk])).content.decode()

    tag, content = _warning(html)
    assert " hidden" not in tag
    assert "还有 2 个指标未评分：" in content
    assert (
        f'<a href="#ind-{_ind(first, "1.1").pk}">1.1</a>、<a href="#ind-{_ind(first, "2.1").pk}">2.1</a>'
        in content
    )
    assert "1.2" not in content
    # the script shows the words for the count it finds (static/js/inspection.js), and the separator
    texts = json.loads(html_unescape(re.search(r'data-texts="([^"]*)"', tag)[1]))
    assert texts == ["还有 1 个指标未评分：", "还有 2 个指标未评分：", "还有 3 个指标未评分："]
    assert 'data-separator="、"' in tag
    for ind in first.submission.cycle.rubric.indicators():  # the script reads each indicator's code
        assert f'id="ind-{ind.pk}" data-code="{ind.code}"' in html


def test_the_sign_off_warning_is_kept_hidden_when_everything_is_scored(login, accepted):
    first, _ = accepted
    _score_all(first)
    html = login(first.inspector).get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    tag, content = _warning(html)
    assert " hidden" in tag, "there for the script to show if a score is cleared"
    assert "<a " not in content
    assert re.search(r"data-next-unscored[^>]* hidden", html)


def test_the_warning_words_follow_the_plural_forms_of_the_language(login, accepted):
    first, _ = accepted
    client = login(first.inspector)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _save(client, first, "1.2", "30")
    _save(client, first, "2.1", "30")
    html = client.get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    tag, content = _warning(html)
    assert "1 indicator not scored yet:" in content
    texts = json.loads(html_unescape(re.search(r'data-texts="([^"]*)"', tag)[1]))
    assert texts == [
        "1 indicator not scored yet:",
        "2 indicators not scored yet:",
        "3 indicators not scored yet:",
    ]


def test_the_last_signature_completes_the_inspection(login, accepted, django_capture_on_commit_callbacks):
    first, second = accepted
    _score_all(first)
    _score_all(second, Decimal("20"))

    response = login(first.inspector).post(
        reverse("ratings:inspection-sign-off", args=[first.pk]), follow=True
    )
    assert "其他验收人员签字后" in " ".join(_messages(response))
    assert Submission.objects.get(pk=first.submission_id).status == Status.ACCEPTED

    with django_capture_on_commit_callbacks(execute=True):
        response = login(second.inspector).post(
            reverse("ratings:inspection-sign-off", args=[second.pk]), follow=True
        )
    assert "实地验收完成" in " ".join(_messages(response))
    submission = Submission.objects.get(pk=first.submission_id)
    assert submission.status == Status.INSPECTED
    assert submission.total is not None  # the preview level was computed on commit


def test_after_sign_off_the_page_is_read_only_and_edits_are_refused(login, accepted):
    first, _ = accepted
    _score_all(first, Decimal("10"))
    onsite.inspection_sign_off(assignment=first, by=first.inspector)
    client = login(first.inspector)

    page = client.get(reverse("ratings:inspection", args=[first.pk]))
    assert page.status_code == 200
    assert page.context["editable"] is False
    html = page.content.decode()
    assert 'name="score"' not in html and 'type="file"' not in html
    assert "签字确认，验收结果只读" in html

    response = _save(client, first, "1.1", "40")
    assert "已签字确认，不能再修改" in response.context["rows"][0].error
    assert "已签字确认，不能再修改" in response.content.decode()
    photo = client.post(
        reverse("ratings:inspection-photo-upload", args=[first.pk]),
        {"indicator": _ind(first, "1.1").pk, "photo": factories.png_upload()},
    )
    assert "不能再修改" in photo.context["rows"][0].photo_error
    veto = client.post(
        reverse("ratings:inspection-veto-raise", args=[first.pk]),
        {"item": first.submission.cycle.rubric.vetoes.first().pk, "note": "x"},
        follow=True,
    )
    assert "不能再提出一票否决" in " ".join(_messages(veto))
    assert InspectionScore.objects.get(assignment=first, indicator=_ind(first, "1.1")).score == Decimal("10")
    assert not InspectionPhoto.objects.exists() and not VetoDecision.objects.exists()


# --- veto ------------------------------------------------------------------------------------


def test_an_inspector_raises_a_veto_item_with_a_note(login, accepted):
    first, _ = accepted
    item = first.submission.cycle.rubric.vetoes.get(code="V2")
    client = login(first.inspector)

    response = client.post(
        reverse("ratings:inspection-veto-raise", args=[first.pk]),
        {"item": item.pk, "note": "现场发现组织已被撤销登记"},
    )

    assert response.status_code == 302
    veto = VetoDecision.objects.get()
    assert (veto.item, veto.state, veto.raised_by, veto.raised_note) == (
        item,
        VetoDecision.State.OPEN,
        first.inspector,
        "现场发现组织已被撤销登记",
    )


@pytest.mark.parametrize(
    ("data", "message"), [({"note": ""}, "请写明发现的线索"), ({"item": "999999"}, "不属于本周期")]
)
def test_a_veto_without_note_or_with_a_foreign_item_is_refused(login, accepted, data, message):
    first, _ = accepted
    post = {"item": first.submission.cycle.rubric.vetoes.first().pk, "note": "线索", **data}
    response = login(first.inspector).post(reverse("ratings:inspection-veto-raise", args=[first.pk]), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VetoDecision.objects.exists()


# --- query count -----------------------------------------------------------------------------


def _assignment_with(committee, staff_user, n_indicators):
    rubric = factories.make_rubric(
        committee, indicators=[(f"1.{i}", 4, True) for i in range(1, n_indicators + 1)]
    )
    cycle = factories.CycleFactory(committee=committee, rubric=rubric, status="open")
    submission = factories.SubmissionFactory(cycle=cycle, status=Status.ACCEPTED)
    inspector = factories.InspectorUserFactory(committee=committee)
    assignment = InspectionAssignment.objects.create(
        submission=submission, inspector=inspector, assigned_by=staff_user
    )
    for ind in rubric.indicators():
        submission.scores.create(indicator=ind, score=Decimal("3"), comment="说明")
        submission.evidence.create(
            indicator=ind,
            file="evidence/x.png",
            original_name="x.png",
            content_type="image/png",
            size=1,
            uploaded_by=staff_user,
        )
        InspectionScore.objects.create(
            assignment=assignment, indicator=ind, score=Decimal("3.5"), finding="好"
        )
        InspectionPhoto.objects.create(
            assignment=assignment,
            indicator=ind,
            file="inspection/x.png",
            original_name="x.png",
            content_type="image/png",
            size=1,
        )
    return assignment


def _queries(client, url):
    client.get(url)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_inspection_page_query_count_does_not_grow_with_indicators(login, committee, staff_user):
    small = _assignment_with(committee, staff_user, 5)
    large = _assignment_with(committee, staff_user, 25)
    assert len(large.submission.cycle.rubric.indicators()) == 25

    n_small = _queries(login(small.inspector), reverse("ratings:inspection", args=[small.pk]))
    n_large = _queries(login(large.inspector), reverse("ratings:inspection", args=[large.pk]))

    assert n_small == n_large


def test_the_list_query_count_does_not_grow_with_assignments(login, committee, staff_user):
    first = _assignment_with(committee, staff_user, 3)
    client = login(first.inspector)
    n_one = _queries(client, reverse("ratings:inspections"))
    for _ in range(3):
        other = _assignment_with(committee, staff_user, 3)
        InspectionAssignment.objects.filter(pk=other.pk).update(inspector=first.inspector)
    n_four = _queries(client, reverse("ratings:inspections"))
    assert len(client.get(reverse("ratings:inspections")).context["open_assignments"]) == 4
    assert n_one == n_four


def test_finished_visits_are_paged_and_open_ones_are_all_listed(login, committee, staff_user):
    from ratings.views.inspector import DONE_PER_PAGE

    first = _assignment_with(committee, staff_user, 3)
    inspector = first.inspector
    finished = []
    for _ in range(DONE_PER_PAGE + 2):
        other = _assignment_with(committee, staff_user, 3)
        finished.append(other.pk)
    InspectionAssignment.objects.filter(pk__in=finished).update(
        inspector=inspector, signed_off_at=timezone.now()
    )
    client = login(inspector)

    one = client.get(reverse("ratings:inspections"))
    two = client.get(reverse("ratings:inspections"), {"page": 2})

    assert [a.pk for a in one.context["open_assignments"]] == [first.pk]
    assert [a.pk for a in two.context["open_assignments"]] == [first.pk]  # open visits on every page
    shown = [a.pk for a in one.context["done_assignments"]] + [a.pk for a in two.context["done_assignments"]]
    assert len(one.context["done_assignments"]) == DONE_PER_PAGE
    assert sorted(shown) == sorted(finished)  # every finished visit once, over the two pages
    html = one.content.decode()
    assert f"<small>{DONE_PER_PAGE + 2}</small>" in html  # the heading counts them all
    assert "?page=2" in html
    assert client.get(reverse("ratings:inspections"), {"page": "x"}).status_code == 200


def test_a_double_submitted_photo_upload_stores_one_photo(login, accepted):
    from tests.formtoken import token_in

    first, _ = accepted
    client = login(first.inspector)
    token = token_in(client.get(reverse("ratings:inspection", args=[first.pk])))
    url = reverse("ratings:inspection-photo-upload", args=[first.pk])
    for _ in range(2):
        response = client.post(
            url, {"indicator": _ind(first, "2.1").pk, "photo": factories.png_upload(), "form_token": token}
        )
        assert response.status_code == 302
    assert InspectionPhoto.objects.filter(assignment=first).count() == 1


# --- the phone page --------------------------------------------------------------------------------


def test_a_wrong_photo_is_removed_before_sign_off_and_only_by_its_inspector(
    login, accepted, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from branches.models import AuditEntry

    first, second = accepted
    photo = onsite.inspection_photo_add(
        assignment=first,
        indicator_id=_ind(first, "1.1").pk,
        upload=factories.png_upload(),
        by=first.inspector,
    )
    name = photo.file.name
    url = reverse("ratings:inspection-photo-remove", args=[photo.pk])
    assert login(second.inspector).post(url).status_code == 404
    page = login(first.inspector).get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    assert url in page
    with django_capture_on_commit_callbacks(execute=True):
        response = login(first.inspector).post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#ind-{photo.indicator_id}")
    assert not InspectionPhoto.objects.filter(pk=photo.pk).exists()
    assert not default_storage.exists(name)
    assert AuditEntry.objects.filter(action="inspection.photo_remove").exists()

    kept = onsite.inspection_photo_add(
        assignment=first,
        indicator_id=_ind(first, "1.1").pk,
        upload=factories.png_upload(),
        by=first.inspector,
    )
    _score_all(first)
    onsite.inspection_sign_off(assignment=first, by=first.inspector)
    login(first.inspector).post(reverse("ratings:inspection-photo-remove", args=[kept.pk]))
    assert InspectionPhoto.objects.filter(pk=kept.pk).exists()  # signed: the photos stay


def test_the_phone_page_puts_progress_and_the_next_unscored_indicator_first(login, accepted):
    first, _second = accepted
    client = login(first.inspector)
    _save(client, first, "1.1", "30")
    html = client.get(reverse("ratings:inspection", args=[first.pk])).content.decode()
    progress = html.index('id="progress"')
    assert progress < html.index('class="visit-facts"') < html.index('id="ind-')
    next_link = html[progress:].split("data-next-unscored")[0]
    assert f'href="#ind-{_ind(first, "1.2").pk}"' in next_link
    assert html.count('type="file"') == html.count('class="button camera"')  # one photo control each


def test_staff_schedule_the_visit_and_the_inspector_sees_it(
    login, rating_flow, rating_submission, staff_user
):
    import datetime as dt

    from django.utils import timezone

    rating_flow.fill(rating_submission)
    self_assessment.submission_submit(
        submission=rating_submission, by=rating_flow.secretary(rating_submission)
    )
    precheck.submission_accept(submission=rating_submission, by=staff_user)
    staff = login(staff_user)
    url = reverse("ratings:assign-inspector", args=[rating_submission.pk])
    inspector = rating_flow.inspectors[0]
    late = timezone.localtime(rating_submission.cycle.inspection_deadline) + dt.timedelta(days=2)
    refused = staff.post(url, {"inspector": inspector.pk, "visit_at": late.strftime("%Y-%m-%dT%H:%M")})
    assert refused.status_code == 200 and "约定验收时间应在现在与验收截止" in refused.content.decode()
    assert not InspectionAssignment.objects.exists()

    when = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    staff.post(url, {"inspector": inspector.pk, "visit_at": when.strftime("%Y-%m-%dT%H:%M")})
    assignment = InspectionAssignment.objects.get(inspector=inspector)
    assert assignment.visit_at == when
    shown = when.strftime("%Y-%m-%d %H:%M")
    client = login(inspector)
    assert shown in client.get(reverse("home")).content.decode()
    assert shown in client.get(reverse("ratings:inspections")).content.decode()
    assert shown in client.get(reverse("ratings:inspection", args=[assignment.pk])).content.decode()
