"""The branch secretary's online self-assessment: access, saving as they go, evidence, the
completeness check, submit / return / resubmit, the deadline, and private evidence files."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ratings.models import Cycle, Evidence, IndicatorScore, InspectionAssignment, Status, Submission
from ratings.workflow import precheck, self_assessment
from tests import factories
from tests.headers import assert_private_file

pytestmark = pytest.mark.django_db


def pdf_upload(name="minutes.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def ind(submission, code):
    return submission.cycle.rubric.indicators().get(code=code)


def page_url(submission):
    return reverse("ratings:self-assessment", args=[submission.pk])


def save_url(submission, indicator):
    return reverse("ratings:self-score-save", args=[submission.pk, indicator.pk])


def upload_url(submission, indicator):
    return reverse("ratings:evidence-upload", args=[submission.pk, indicator.pk])


def submit_url(submission):
    return reverse("ratings:submission-submit", args=[submission.pk])


@pytest.fixture
def other_submission(rating_cycle, other_secretary_user):
    """A submission of another branch of the same committee."""
    return factories.SubmissionFactory(
        cycle=rating_cycle, party_organization=other_secretary_user.party_organization
    )


@pytest.fixture
def secretary(login, secretary_user):
    return login(secretary_user)


@pytest.fixture
def evidence(rating_submission, secretary_user):
    return self_assessment.evidence_add(
        submission=rating_submission,
        indicator_id=ind(rating_submission, "1.1").pk,
        upload=pdf_upload(),
        by=secretary_user,
    )


def _assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("anonymous", "login"),
        ("secretary", 200),
        ("other_secretary", 404),
        ("staff", 403),
        ("inspector", 403),
    ],
)
def test_self_assessment_page_access(
    login,
    rating_submission,
    secretary_user,
    other_secretary_user,
    staff_user,
    inspector_user,
    actor,
    expected,
):
    users = {
        "anonymous": None,
        "secretary": secretary_user,
        "other_secretary": other_secretary_user,
        "staff": staff_user,
        "inspector": inspector_user,
    }
    response = login(users[actor]).get(page_url(rating_submission))
    if expected == "login":
        _assert_login_redirect(response)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("anonymous", "login"),
        ("secretary", 200),
        ("staff", 403),
        ("inspector", 403),
    ],
)
def test_my_cycles_access(
    login, rating_submission, secretary_user, staff_user, inspector_user, actor, expected
):
    users = {"anonymous": None, "secretary": secretary_user, "staff": staff_user, "inspector": inspector_user}
    response = login(users[actor]).get(reverse("ratings:my-cycles"))
    if expected == "login":
        _assert_login_redirect(response)
    else:
        assert response.status_code == expected


def test_my_cycles_lists_only_the_own_submission(secretary, rating_submission, other_submission):
    response = secretary.get(reverse("ratings:my-cycles"))
    assert page_url(rating_submission) in response.content.decode()
    assert page_url(other_submission) not in response.content.decode()


def test_it_returns_404_for_another_branchs_submission(secretary, other_submission):
    indicator = ind(other_submission, "1.2")
    assert secretary.get(page_url(other_submission)).status_code == 404
    assert secretary.post(save_url(other_submission, indicator), {"score": "10"}).status_code == 404
    assert secretary.post(upload_url(other_submission, indicator), {"file": pdf_upload()}).status_code == 404
    assert secretary.post(submit_url(other_submission)).status_code == 404
    assert not IndicatorScore.objects.filter(submission=other_submission).exists()


@pytest.mark.parametrize("name", ["ratings:self-score-save", "ratings:evidence-upload"])
def test_writes_need_a_login_and_the_secretary_role(login, rating_submission, staff_user, name):
    url = reverse(name, args=[rating_submission.pk, ind(rating_submission, "1.2").pk])
    _assert_login_redirect(login(None).post(url, {"score": "1"}))
    assert login(staff_user).post(url, {"score": "1"}).status_code == 403
    assert not IndicatorScore.objects.filter(submission=rating_submission).exists()


def test_writes_refuse_get(secretary, rating_submission):
    assert secretary.get(save_url(rating_submission, ind(rating_submission, "1.2"))).status_code == 405
    assert secretary.get(submit_url(rating_submission)).status_code == 405


# --- The page ---------------------------------------------------------------------------------


def test_page_lists_indicators_progress_and_what_is_missing(secretary, rating_submission):
    response = secretary.get(page_url(rating_submission))
    html = response.content.decode()
    assert response.status_code == 200
    for code, title, max_score in (
        ("1.1", "指标1.1", "40"),
        ("1.2", "指标1.2", "30"),
        ("2.1", "指标2.1", "30"),
    ):
        assert code in html and title in html and f"满分 {max_score}" in html
    assert "指标1.1的佐证" in html  # what must be shown
    assert "须上传佐证" in html
    assert 'step="0.5"' in html and 'max="40.0"' in html
    assert "0 / 3 项已完成" in html
    assert "1.1 指标1.1：未填写自评分" in html
    assert "1.1 指标1.1：须上传佐证材料" in html
    assert "js/selfassessment.js" in html
    assert f'{reverse("ratings:cycle-list")}"' not in html  # the staff nav is not shown to a secretary
    assert f'href="{reverse("ratings:my-cycles")}"' in html  # the 评星 nav item is


def test_the_script_is_served_locally(secretary, rating_submission):
    import re

    from django.contrib.staticfiles import finders

    html = secretary.get(page_url(rating_submission)).content.decode()
    sources = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]*)"', html)
    assert any("js/selfassessment.js" in source for source in sources)
    # Every script and stylesheet comes from this site, never from another host.
    assert [source for source in sources if "//" in source] == []

    assert finders.find("js/selfassessment.js")


# --- Saving as they go ------------------------------------------------------------------------


def test_saving_without_script_redirects_back_to_the_indicator(secretary, rating_submission):
    indicator = ind(rating_submission, "1.2")
    response = secretary.post(
        save_url(rating_submission, indicator), {"score": "25.5", "comment": "按时召开"}
    )
    assert response.status_code == 302
    assert response.url == page_url(rating_submission) + f"#ind-{indicator.pk}"
    row = IndicatorScore.objects.get(submission=rating_submission, indicator=indicator)
    assert row.score == Decimal("25.5") and row.comment == "按时召开"
    html = secretary.get(response.url).content.decode()
    assert "1 / 3 项已完成" in html  # 1.2 needs no evidence


def test_saving_with_script_answers_with_the_new_progress(secretary, rating_submission):
    indicator = ind(rating_submission, "1.2")
    response = secretary.post(
        save_url(rating_submission, indicator), {"score": "30", "comment": ""}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["ok"] is True
    assert (body["done"], body["total"], body["indicator_done"]) == (1, 3, True)
    assert body["progress_text"] == "1 / 3 项已完成"
    assert "1.2 指标1.2：未填写自评分" not in body["missing"]
    assert "1.1 指标1.1：未填写自评分" in body["missing"]


def test_an_indicator_with_required_evidence_is_not_done_without_it(secretary, rating_submission):
    body = json.loads(
        secretary.post(
            save_url(rating_submission, ind(rating_submission, "1.1")),
            {"score": "40"},
            HTTP_ACCEPT="application/json",
        ).content
    )
    assert (body["done"], body["indicator_done"]) == (0, False)
    assert "1.1 指标1.1：须上传佐证材料" in body["missing"]


@pytest.mark.parametrize(
    "score, message",
    [
        ("41", "应在 0 到 40.0 之间"),
        ("-1", "应在 0 到 40.0 之间"),
        ("3.25", "0.5"),
        ("abc", "请填写数字"),
    ],
)
def test_a_bad_score_is_refused_next_to_the_field_and_nothing_changes(
    secretary, rating_submission, score, message
):
    indicator = ind(rating_submission, "1.1")
    response = secretary.post(save_url(rating_submission, indicator), {"score": score, "comment": "写了说明"})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{score}"' in html and "写了说明" in html  # what was typed is kept
    assert not IndicatorScore.objects.filter(submission=rating_submission).exists()


def test_a_bad_score_with_script_gets_a_json_error(secretary, rating_submission):
    response = secretary.post(
        save_url(rating_submission, ind(rating_submission, "1.1")),
        {"score": "99"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "应在 0 到 40.0 之间" in json.loads(response.content)["error"]
    assert not IndicatorScore.objects.filter(submission=rating_submission).exists()


def test_an_indicator_of_another_rubric_is_refused(secretary, rating_submission, committee):
    foreign = factories.make_rubric(committee).indicators().first()
    response = secretary.post(save_url(rating_submission, foreign), {"score": "1"})
    assert response.status_code == 200
    assert "该指标不属于本周期的测评标准" in response.content.decode()
    assert not IndicatorScore.objects.exists()


# --- Evidence -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_storage_backend")
def test_uploading_evidence_lists_it_and_completes_the_indicator(secretary, rating_submission):
    indicator = ind(rating_submission, "1.1")
    secretary.post(save_url(rating_submission, indicator), {"score": "40"})
    response = secretary.post(upload_url(rating_submission, indicator), {"file": pdf_upload("会议纪要.pdf")})
    assert response.status_code == 302
    assert response.url.endswith(f"#ind-{indicator.pk}")
    ev = Evidence.objects.get(submission=rating_submission)
    assert ev.original_name == "会议纪要.pdf" and ev.content_type == "application/pdf"
    html = secretary.get(page_url(rating_submission)).content.decode()
    assert "会议纪要.pdf" in html
    assert reverse("ratings:evidence-file", args=[ev.pk]) in html
    assert reverse("ratings:evidence-delete", args=[ev.pk]) in html
    assert "1 / 3 项已完成" in html


def test_a_pdf_that_is_really_a_png_is_refused(secretary, rating_submission):
    fake = factories.png_upload("report.pdf")
    response = secretary.post(upload_url(rating_submission, ind(rating_submission, "1.1")), {"file": fake})
    html = response.content.decode()
    assert response.status_code == 200
    assert "内容与扩展名 .pdf 不符" in html
    assert not Evidence.objects.exists()


def test_an_unsupported_type_is_refused(secretary, rating_submission):
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 64)
    response = secretary.post(upload_url(rating_submission, ind(rating_submission, "1.1")), {"file": upload})
    assert "类型不支持" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_oversize_file_is_refused(secretary, rating_submission, settings):
    settings.UPLOAD_MAX_BYTES = 50
    response = secretary.post(
        upload_url(rating_submission, ind(rating_submission, "1.1")), {"file": pdf_upload()}
    )
    assert response.status_code == 200
    assert "太大" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_upload_without_a_file_says_so(secretary, rating_submission):
    response = secretary.post(upload_url(rating_submission, ind(rating_submission, "1.1")), {})
    assert "请选择要上传的文件" in response.content.decode()


@pytest.mark.usefixtures("private_storage_backend")
def test_deleting_evidence(secretary, rating_submission, evidence):
    response = secretary.post(reverse("ratings:evidence-delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_another_branch_cannot_delete_evidence(login, other_secretary_user, evidence):
    response = login(other_secretary_user).post(reverse("ratings:evidence-delete", args=[evidence.pk]))
    assert response.status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()


# --- Completeness, submit, return, resubmit ------------------------------------------------------


def test_submitting_an_incomplete_self_assessment_lists_exactly_what_is_missing(secretary, rating_submission):
    secretary.post(save_url(rating_submission, ind(rating_submission, "1.2")), {"score": "30"})
    response = secretary.post(submit_url(rating_submission))
    html = response.content.decode()
    assert response.status_code == 200
    assert "还不能提交，以下内容未完成" in html
    assert "1.1 指标1.1：未填写自评分" in html
    assert "1.1 指标1.1：须上传佐证材料" in html
    assert "2.1 指标2.1：未填写自评分" in html
    assert "1.2 指标1.2：未填写自评分" not in html
    rating_submission.refresh_from_db()
    assert rating_submission.status == Status.DRAFT


def test_a_complete_self_assessment_is_submitted_and_becomes_read_only(
    secretary, rating_submission, rating_flow
):
    rating_flow.fill(rating_submission)
    response = secretary.post(submit_url(rating_submission))
    assert response.status_code == 302
    rating_submission.refresh_from_db()
    assert rating_submission.status == Status.SUBMITTED
    html = secretary.get(page_url(rating_submission)).content.decode()
    assert "不能再修改" in html and "已提交" in html
    assert "score-form" not in html and "upload-form" not in html
    assert "提交申报" in html  # the timeline


def test_it_cannot_edit_after_submit(secretary, rating_submission, rating_flow):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    indicator = ind(submission, "1.2")
    before = IndicatorScore.objects.get(submission=submission, indicator=indicator).score
    response = secretary.post(save_url(submission, indicator), {"score": "1", "comment": "改一下"})
    assert response.status_code == 200
    assert "申报已提交，不能再修改" in response.content.decode()
    row = IndicatorScore.objects.get(submission=submission, indicator=indicator)
    assert row.score == before and row.comment != "改一下"

    count = Evidence.objects.count()
    response = secretary.post(upload_url(submission, indicator), {"file": pdf_upload()})
    assert "不能再上传佐证材料" in response.content.decode()
    assert Evidence.objects.count() == count

    ev = Evidence.objects.filter(submission=submission).first()
    response = secretary.post(reverse("ratings:evidence-delete", args=[ev.pk]), follow=True)
    assert "不能再删除佐证材料" in response.content.decode()
    assert Evidence.objects.filter(pk=ev.pk).exists()


def test_submitting_twice_says_why_and_changes_nothing(secretary, rating_submission, rating_flow):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    submitted_at = submission.submitted_at
    response = secretary.post(submit_url(submission))
    assert "不能提交" in response.content.decode()
    submission.refresh_from_db()
    assert submission.submitted_at == submitted_at


def test_return_reasons_are_visible_and_resubmit_works(secretary, rating_submission, rating_flow, staff_user):
    submission = rating_flow.drive(rating_submission, Status.SUBMITTED)
    indicator = ind(submission, "2.1")
    precheck.submission_return(
        submission=submission,
        by=staff_user,
        reasons=[(None, "请补充签到表"), (indicator.pk, "活动照片看不清")],
    )
    html = secretary.get(page_url(submission)).content.decode()
    assert "第 1 次退回意见" in html
    assert "请补充签到表" in html and "活动照片看不清" in html
    assert "score-form" in html  # editable again
    assert "重新提交" in html

    response = secretary.post(save_url(submission, indicator), {"score": "28", "comment": "已补充照片"})
    assert response.status_code == 302
    response = secretary.post(submit_url(submission))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    assert IndicatorScore.objects.get(submission=submission, indicator=indicator).score == Decimal("28")


# --- Deadline -----------------------------------------------------------------------------------


def _close(submission):
    Cycle.objects.filter(pk=submission.cycle_id).update(
        self_assessment_deadline=timezone.now() - dt.timedelta(hours=1)
    )


def test_after_the_deadline_submit_is_closed_until_staff_extend(
    login, secretary_user, staff_user, rating_submission, rating_flow
):
    rating_flow.fill(rating_submission)
    _close(rating_submission)
    client = login(secretary_user)
    html = client.get(page_url(rating_submission)).content.decode()
    assert "提交已关闭" in html
    assert submit_url(rating_submission) not in html

    response = client.post(submit_url(rating_submission))
    assert "已过，不能再提交" in response.content.decode()
    rating_submission.refresh_from_db()
    assert rating_submission.status == Status.DRAFT

    until = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    response = login(staff_user).post(
        reverse("ratings:submission-extend", args=[rating_submission.pk]),
        {"until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "疫情原因"},
    )
    assert response.status_code == 302

    client = login(secretary_user)
    html = client.get(page_url(rating_submission)).content.decode()
    assert "已为本支部延期" in html and "提交已关闭" not in html
    assert client.post(submit_url(rating_submission)).status_code == 302
    rating_submission.refresh_from_db()
    assert rating_submission.status == Status.SUBMITTED
    assert "延长提交截止时间" in client.get(page_url(rating_submission)).content.decode()


# --- Private evidence files ------------------------------------------------------------------


@pytest.mark.usefixtures("private_storage_backend")
def test_evidence_file_access(
    login, evidence, secretary_user, other_secretary_user, staff_user, other_staff_user, inspector_user
):
    url = reverse("ratings:evidence-file", args=[evidence.pk])
    _assert_login_redirect(login(None).get(url))
    for user in (other_secretary_user, other_staff_user, inspector_user):
        assert login(user).get(url).status_code == 404
    for user in (secretary_user, staff_user):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert_private_file(response, inline=False, name=evidence.original_name)


def test_an_assigned_inspector_may_open_evidence(login, rating_submission, rating_flow, rating_inspectors):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    ev = Evidence.objects.filter(submission=submission).first()
    response = login(rating_inspectors[0]).get(reverse("ratings:evidence-file", args=[ev.pk]))
    assert response.status_code == 200
    assert InspectionAssignment.objects.filter(inspector=rating_inspectors[0]).exists()


def test_an_image_is_shown_inline(secretary, rating_submission, secretary_user):
    ev = self_assessment.evidence_add(
        submission=rating_submission,
        indicator_id=ind(rating_submission, "1.1").pk,
        upload=factories.png_upload(),
        by=secretary_user,
    )
    response = secretary.get(reverse("ratings:evidence-file", args=[ev.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_private_file(response, inline=True, name=ev.original_name)


def test_a_guessed_evidence_id_gives_nothing(secretary):
    assert secretary.get(reverse("ratings:evidence-file", args=[999999])).status_code == 404


def test_submission_is_visible_through_the_selector_only(rating_submission, other_submission, secretary_user):
    from ratings.workflow.selectors import submissions_visible_to

    assert list(submissions_visible_to(secretary_user)) == [Submission.objects.get(pk=rating_submission.pk)]


def test_a_double_submitted_evidence_upload_stores_one_file(secretary, rating_submission):
    from tests.formtoken import token_in

    indicator = ind(rating_submission, "1.1")
    token = token_in(secretary.get(page_url(rating_submission)))
    for _ in range(2):
        response = secretary.post(
            upload_url(rating_submission, indicator), {"file": pdf_upload("纪要.pdf"), "form_token": token}
        )
        assert response.status_code == 302 and response.url.endswith(f"#ind-{indicator.pk}")
    assert Evidence.objects.filter(submission=rating_submission).count() == 1
