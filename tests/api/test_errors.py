"""Refusals of the API are JSON with field paths and the forms' messages, never a 500: bad JSON,
wrong types, unknown fields, huge bodies."""

import json

import pytest

from ratings.models import InspectionScore

pytestmark = pytest.mark.django_db


def _url(assignment, indicator):
    return f"/api/v1/inspections/{assignment.pk}/scores/{indicator.pk}/"


@pytest.fixture
def mine(accepted, api):
    assignment = accepted[0]
    indicator = assignment.submission.cycle.rubric.indicators().first()
    return api(assignment.inspector), assignment, indicator


def _put(client, url, body, **extra):
    return client.put(
        url, body if isinstance(body, str) else json.dumps(body), content_type="application/json", **extra
    )


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "NaN", '{"score": NaN}', "\u0000"])
def test_bad_json_is_400(mine, body):
    client, assignment, indicator = mine
    response = _put(client, _url(assignment, indicator), body, HTTP_IF_MATCH="x")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": [1]}, "score"),
        ({"score": {"a": 1}}, "score"),
        ({"score": True}, "score"),
        ({"finding": ["x"]}, "finding"),
        ({"score": "很多"}, "score"),
        ({"score": "1e999999"}, "score"),
        ({"finding": "长" * 2001}, "finding"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_wrong_types_unknown_fields_and_bad_values_name_their_field(mine, body, field):
    client, assignment, indicator = mine
    response = _put(client, _url(assignment, indicator), {**body, "version": "x"})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not InspectionScore.objects.filter(assignment=assignment, indicator=indicator).exists()


def test_the_messages_are_the_forms_and_the_services(mine):
    client, assignment, indicator = mine
    from ratings.workflow.versions import inspection_score_version

    version = inspection_score_version(None)
    too_high = _put(client, _url(assignment, indicator), {"score": "999", "version": version})
    assert too_high.status_code == 400
    assert "验收分" in too_high.json()["detail"]  # the service's own message, as on the page
    negative = _put(client, _url(assignment, indicator), {"score": -1, "version": version})
    assert negative.status_code == 400
    assert list(negative.json()["errors"]) == ["score"]


def test_a_huge_body_is_413_json_before_it_is_read(mine, settings):
    client, assignment, indicator = mine
    settings.MAX_REQUEST_BYTES = 1000
    response = _put(client, _url(assignment, indicator), {"finding": "x" * 2000, "version": "x"})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large"


def test_pages_still_get_the_413_page(client, settings):
    settings.MAX_REQUEST_BYTES = 10
    response = client.post("/login/", {"username": "x" * 100})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


def test_unknown_pages_and_methods_are_json(api, secretary_user):
    client = api(secretary_user)
    assert client.get("/api/v1/submissions/999999/").json()["code"] == "not_found"
    assert client.delete("/api/v1/submissions/").status_code == 405
    assert client.get("/api/v1/submissions/?page=999").status_code == 404


def test_html_is_not_offered(api, secretary_user):
    response = api(secretary_user).get("/api/v1/committees/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406


@pytest.mark.parametrize(
    "path", ["/api/v1/cycles/x/", "/api/v1/cycles/%0AJ/", "/api/nothing", "/api/v1/submissions/1/nope/"]
)
def test_a_path_under_api_that_names_no_endpoint_is_a_json_404(client, path):
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
