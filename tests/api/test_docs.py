"""The schema and its documentation pages (Swagger UI, Redoc): served from the project (no outside
assets), under the site's Content-Security-Policy (no inline script; Redoc's styles by nonce or hash)."""

import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_and_lists_every_api_route(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if "json" in response["Content-Type"] else yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/inspections/",
        "/api/v1/inspections/{id}/scores/{indicator_id}/",
        "/api/v1/submissions/{id}/self-scores/{indicator_id}/",
        "/api/v1/public/cycles/{cycle_pk}/results/",
    ):
        assert path in paths
    put = schema["paths"]["/api/v1/inspections/{id}/scores/{indicator_id}/"]["put"]
    assert {"200", "400", "409", "428"} <= set(put["responses"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_keeps_the_content_security_policy(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self' 'nonce-" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 3
    for attrs, body in scripts:
        assert body.strip() == "" and f'nonce="{nonce}"' in attrs and 'src="/' in attrs
    assert "<style" not in html and "style=" not in html
    assert "http://" not in html and "https://" not in html  # nothing from outside
    for src in re.findall(r'(?:src|href)="(/static/[^"?]+)"', html):
        assert finders.find(src.removeprefix("/static/")), src
    script = client.get(re.findall(r'src="([^"]*script[^"]*)"', html)[-1].replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_the_redoc_page_keeps_the_policy_but_for_what_redoc_needs(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == f"'self' 'nonce-{nonce}'"
    # Redoc's <style> elements: with the nonce, or (the one it adds before it starts) by hash.
    assert directives["style-src"].startswith(f"'self' 'nonce-{nonce}' 'sha256-")
    assert directives["img-src"] == "'self' data:"
    assert directives["worker-src"] == "blob:"  # its search index
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "worker-src" not in client.get("/api/docs/")["Content-Security-Policy"]  # this page only
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for attrs, body in scripts:
        assert body.strip() == "" and f'nonce="{nonce}"' in attrs and 'src="/' in attrs
    assert "<style" not in html and "style=" not in html
    assert "http://" not in html and "https://" not in html  # nothing from outside
    assert 'data-schema-url="/api/schema/"' in html
    sources = re.findall(r'(?:src|href)="(/static/[^"?]+)"', html)
    assert any(src.endswith("redoc/bundles/redoc.standalone.js") for src in sources)
    for src in sources:
        assert finders.find(src.removeprefix("/static/")), src
    start = finders.find(re.findall(r'src="/static/([^"]*)"', html)[-1])  # the start script
    assert "Redoc.init(script.dataset.schemaUrl, { nonce: script.nonce }" in Path(start).read_text()


def test_the_account_page_links_both_documentation_pages(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="x"))
    html = client.get("/account/").content.decode()
    assert 'href="/api/docs/"' in html and 'href="/api/redoc/"' in html
