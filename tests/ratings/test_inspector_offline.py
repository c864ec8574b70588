"""The inspector's installable app on the server's side (ratings/views/offline.py): the manifest,
the service worker, what the inspection pages tell the device, and the logout that wipes it.
The offline behaviour itself is in tests/browser/test_inspection_offline_browser.py."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from ratings.models import InspectionScore
from ratings.views.offline import SHELL, USER_HEADER
from ratings.workflow.versions import inspection_score_version
from tests.ratings import test_views_inspector as views

pytestmark = pytest.mark.django_db

accepted = views.accepted  # two inspectors assigned, nothing scored
_ind, _save = views._ind, views._save


def test_the_manifest_makes_an_installable_app_starting_at_the_inspectors_work_page(client):
    response = client.get(reverse("ratings:inspector-manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == reverse("ratings:inspections") == data["scope"]
    assert data["display"] == "standalone"
    assert data["name"] and data["short_name"]
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        path = icon["src"].removeprefix(static(""))
        assert finders.find(path), f"{path} is not among the static files"


def test_the_service_worker_is_served_from_the_inspection_pages_with_the_current_shell(client):
    url = reverse("ratings:inspector-service-worker")
    assert url.startswith(reverse("ratings:inspections")), "its scope must cover the inspection pages"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    for path in SHELL:
        assert finders.find(path), f"{path} is not among the static files"
        assert json.dumps(static(path)) in body or static(path) in body
    assert re.search(r'STATIC_CACHE = "starfire-static-[0-9a-f]{12}"', body)
    assert "importScripts" not in body, "nothing is loaded from elsewhere"


def test_the_inspection_pages_name_the_user_and_carry_the_versions(client, accepted):
    first, _second = accepted
    client.force_login(first.inspector)
    listing = client.get(reverse("ratings:inspections"))
    assert listing[USER_HEADER] == str(first.inspector.pk)
    assert reverse("ratings:inspector-manifest").encode() in listing.content

    ind = _ind(first, "1.1")
    answer = _save(client, first, "1.1", "1", "门口有标识", HTTP_X_REQUESTED_WITH="fetch").json()
    row = InspectionScore.objects.get(assignment=first, indicator=ind)
    assert answer["version"] == inspection_score_version(row)

    page = client.get(reverse("ratings:inspection", args=[first.pk]))
    assert page[USER_HEADER] == str(first.inspector.pk)
    html = page.content.decode()
    assert f'data-version="{inspection_score_version(row)}"' in html
    assert f'data-assignment="{first.pk}"' in html
    other = _ind(first, "1.2")
    unscored = inspection_score_version(None)
    assert re.search(rf'value="{other.pk}"', html) and f'data-version="{unscored}"' in html


def test_a_refused_page_is_not_marked_for_the_device(client, accepted):
    first, second = accepted
    client.force_login(second.inspector)
    response = client.get(reverse("ratings:inspection", args=[first.pk]))
    assert response.status_code == 404
    assert USER_HEADER not in response


def test_logging_out_wipes_the_device(client, accepted):
    first, _second = accepted
    client.force_login(first.inspector)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == "/login/?logged_out=1"
    assert response["Clear-Site-Data"] == '"storage"'
    page = client.get(response["Location"]).content.decode()
    assert static("js/wipe.js") in page
    assert static("js/wipe.js") not in client.get(reverse("login")).content.decode()


def test_an_inspectors_logout_is_a_plain_form_with_the_question_ready_for_the_script(client, accepted):
    """Without the script the logout posts as it always did; with it (static/js/logout.js) the
    inspector is asked first when changes still wait on the device, in words from the page."""
    first, _second = accepted
    client.force_login(first.inspector)
    for url in (reverse("ratings:inspections"), reverse("ratings:inspection", args=[first.pk]), "/"):
        html = client.get(url).content.decode()
        assert re.search(r'<form action="/logout/" method="post" class="inline" data-logout>', html), url
        assert static("js/logout.js") in html
        dialog = re.search(r"<dialog [^>]*id=\"logout-guard\"[^>]*>", html)[0]
        assert f'data-user="{first.inspector.pk}"' in dialog
        assert 'data-msg-one="本机还有 1 项修改没有同步到服务器。' in dialog
        assert 'data-msg-other="本机还有 %(n)s 项修改没有同步到服务器。' in dialog
        assert f'data-stay-url="{reverse("ratings:inspections")}"' in dialog
    assert "js/logout.js" in json.dumps(SHELL), "an inspection page kept on the device has it too"


def test_others_have_no_offline_work_to_lose_and_no_question(client, accepted, staff_user):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert "data-logout" in html and "logout-guard" not in html and "js/logout.js" not in html
