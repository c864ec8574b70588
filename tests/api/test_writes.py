"""The write endpoints call the pages' services: same transitions, locks and audit; optimistic
concurrency: a write names the version it was based on, a stale one gets 409 and the current value."""

import json

import pytest

from branches.models import AuditEntry
from ratings.models import Evidence, IndicatorScore, InspectionPhoto, InspectionScore, Status, Submission
from ratings.workflow.versions import inspection_score_version, self_score_version
from tests import factories

pytestmark = pytest.mark.django_db


def put(client, url, body, **extra):
    return client.put(url, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def inspection(accepted, api):
    assignment = accepted[0]
    indicators = list(assignment.submission.cycle.rubric.indicators())
    return api(assignment.inspector), assignment, indicators


def score_url(assignment, indicator):
    return f"/api/v1/inspections/{assignment.pk}/scores/{indicator.pk}/"


# --- the inspector ------------------------------------------------------------------------------


def test_an_inspector_writes_a_score_with_its_version_and_gets_the_new_one(inspection):
    client, assignment, (ind, *_rest) = inspection
    current = client.get(score_url(assignment, ind)).json()
    assert current["score"] is None and current["version"] == inspection_score_version(None)
    response = put(
        client,
        score_url(assignment, ind),
        {"score": "3.5", "finding": "现场查看", "version": current["version"]},
    )
    assert response.status_code == 200, response.content
    row = InspectionScore.objects.get(assignment=assignment, indicator=ind)
    assert row.score == 3.5 and row.finding == "现场查看"
    assert response.json()["version"] == inspection_score_version(row) != current["version"]
    assert AuditEntry.objects.filter(action="inspection.score", note=ind.code).count() == 1


def test_a_stale_version_is_409_with_the_current_value_and_writes_nothing(inspection):
    client, assignment, (ind, *_rest) = inspection
    base = client.get(score_url(assignment, ind)).json()["version"]
    first = put(client, score_url(assignment, ind), {"score": 3, "finding": "甲", "version": base})
    assert first.status_code == 200
    stale = put(client, score_url(assignment, ind), {"score": 1, "finding": "乙", "version": base})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert body["current"] == {
        "indicator": ind.pk,
        "score": "3",
        "finding": "甲",
        "version": first.json()["version"],
    }
    row = InspectionScore.objects.get(assignment=assignment, indicator=ind)
    assert (row.score, row.finding) == (3, "甲")
    assert AuditEntry.objects.filter(action="inspection.score").count() == 1
    retry = put(
        client,
        score_url(assignment, ind),
        {"score": 1, "finding": "乙", "version": body["current"]["version"]},
    )
    assert retry.status_code == 200


def test_the_version_may_come_as_if_match(inspection):
    client, assignment, (ind, *_rest) = inspection
    base = inspection_score_version(None)
    assert put(client, score_url(assignment, ind), {"score": 2}, HTTP_IF_MATCH=f'"{base}"').status_code == 200
    assert (
        put(client, score_url(assignment, ind), {"score": 1}, HTTP_IF_MATCH=f'W/"{base}"').status_code == 409
    )


def test_a_write_without_a_version_is_428(inspection):
    client, assignment, (ind, *_rest) = inspection
    response = put(client, score_url(assignment, ind), {"score": 2})
    assert response.status_code == 428
    assert not InspectionScore.objects.filter(assignment=assignment, indicator=ind).exists()


def test_an_indicator_of_another_rubric_is_404(inspection, committee):
    client, assignment, _inds = inspection
    other = factories.make_rubric(committee).indicators().first()
    assert client.get(score_url(assignment, other)).status_code == 404


def test_photos_are_checked_by_content(inspection):
    client, assignment, (ind, *_rest) = inspection
    url = f"/api/v1/inspections/{assignment.pk}/photos/"
    ok = client.post(url, {"indicator": ind.pk, "file": factories.png_upload()}, format="multipart")
    assert ok.status_code == 201, ok.content
    assert InspectionPhoto.objects.filter(assignment=assignment).count() == 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"<script>", content_type="image/png")
    refused = client.post(url, {"indicator": ind.pk, "file": fake}, format="multipart")
    assert refused.status_code == 400
    assert client.post(url, {"indicator": ind.pk}, format="multipart").json()["errors"]["file"]
    assert client.post(url, {"indicator": ind.pk, "other": "x"}, format="multipart").status_code == 400


def test_sign_off_refuses_while_incomplete_then_signs_and_then_refuses_writes(inspection, rating_flow):
    client, assignment, inds = inspection
    url = f"/api/v1/inspections/{assignment.pk}/sign-off/"
    incomplete = client.post(url)
    assert incomplete.status_code == 400 and incomplete.json()["code"] == "incomplete"
    rating_flow.score(assignment)
    assert client.post(url).status_code == 200
    again = client.post(url)
    assert again.status_code == 409
    late = put(
        client, score_url(assignment, inds[0]), {"score": 1, "version": inspection_score_version(None)}
    )
    assert late.status_code == 409  # signed: the service's transition refusal


def test_sign_off_is_refused_when_the_submission_is_not_awaiting_inspection(
    inspection, rating_flow, staff_user
):
    client, assignment, _inds = inspection
    rating_flow.score(assignment)
    from ratings.workflow import onsite

    for other in assignment.submission.assignments.exclude(pk=assignment.pk):
        rating_flow.score(other)
        onsite.inspection_sign_off(assignment=other, by=other.inspector)
    onsite.inspector_unassign  # noqa: B018  (exists: the page's way to change inspectors)
    Submission.objects.filter(pk=assignment.submission_id).update(status=Status.SUBMITTED)
    response = client.post(f"/api/v1/inspections/{assignment.pk}/sign-off/")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_another_inspectors_assignment_is_404(accepted, api):
    first, second = accepted
    client = api(second.inspector)
    ind = first.submission.cycle.rubric.indicators().first()
    assert client.get(score_url(first, ind)).status_code == 404
    assert client.post(f"/api/v1/inspections/{first.pk}/sign-off/").status_code == 404


# --- the secretary ------------------------------------------------------------------------------


@pytest.fixture
def draft(rating_submission, rating_flow, api):
    secretary = rating_flow.secretary(rating_submission)
    return api(secretary), rating_submission, list(rating_submission.cycle.rubric.indicators())


def self_url(sub, ind):
    return f"/api/v1/submissions/{sub.pk}/self-scores/{ind.pk}/"


def test_a_secretary_self_assesses_with_versions(draft):
    client, sub, (ind, *_rest) = draft
    base = client.get(self_url(sub, ind)).json()["version"]
    assert base == self_score_version(None)
    ok = put(client, self_url(sub, ind), {"score": 30, "comment": "说明", "version": base})
    assert ok.status_code == 200, ok.content
    stale = put(client, self_url(sub, ind), {"score": 10, "comment": "", "version": base})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == ok.json()["version"]
    assert IndicatorScore.objects.get(submission=sub, indicator=ind).score == 30


def test_the_self_score_messages_are_the_forms(draft):
    client, sub, (ind, *_rest) = draft
    response = put(client, self_url(sub, ind), {"score": "三分", "version": self_score_version(None)})
    assert response.status_code == 400
    assert response.json()["errors"]["score"] == ["自评分请填写数字，例如 3 或 3.5。"]


def test_a_secretary_uploads_evidence_and_submits(draft, rating_flow):
    client, sub, inds = draft
    url = f"/api/v1/submissions/{sub.pk}/evidence/"
    response = client.post(url, {"indicator": inds[0].pk, "file": factories.png_upload()}, format="multipart")
    assert response.status_code == 201, response.content
    assert Evidence.objects.filter(submission=sub).count() == 1
    assert client.post(url, {"indicator": inds[0].pk}, format="multipart").json()["errors"]["file"] == [
        "请选择要上传的文件。"
    ]
    incomplete = client.post(f"/api/v1/submissions/{sub.pk}/submit/")
    assert incomplete.status_code == 400
    assert "未填写自评分" in incomplete.json()["detail"]
    rating_flow.fill(sub)
    submitted = client.post(f"/api/v1/submissions/{sub.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == Status.SUBMITTED
    assert client.post(f"/api/v1/submissions/{sub.pk}/submit/").status_code == 409
    locked = put(client, self_url(sub, inds[0]), {"score": 1, "version": "x"})
    assert locked.status_code == 409


def test_another_branch_cannot_write(draft, other_secretary_user, api):
    _client, sub, (ind, *_rest) = draft
    other = api(other_secretary_user)
    assert put(other, self_url(sub, ind), {"score": 1, "version": "x"}).status_code == 404
    assert other.post(f"/api/v1/submissions/{sub.pk}/submit/").status_code == 404


def test_session_writes_need_the_csrf_token(draft, rating_flow):
    from rest_framework.test import APIClient

    _c, sub, (ind, *_rest) = draft
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(rating_flow.secretary(sub))
    response = put(client, self_url(sub, ind), {"score": 1, "version": self_score_version(None)})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
