"""Content-Security-Policy and Permissions-Policy on every page; templates that need no inline code."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def assert_page_policy(response):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'self'" in policy[directive]
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def assert_scripts_carry_the_nonce(response):
    """Every <script> on the page carries the nonce the header allows, and there is at least one."""
    page = response.content.decode()
    scripts = SCRIPT.findall(page)
    assert scripts, "the page loads no script"
    allowed = NONCE.findall(response["Content-Security-Policy"])
    assert len(allowed) == 1
    for tag in scripts:
        assert f'nonce="{allowed[0]}"' in tag, tag


def test_the_anonymous_login_page_has_the_policy_and_its_script_the_nonce(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_page_policy(response)
    assert_scripts_carry_the_nonce(response)


def test_each_response_has_its_own_nonce(client):
    first, second = (NONCE.findall(client.get(reverse("login"))["Content-Security-Policy"]) for _ in range(2))
    assert first and second and first != second


@pytest.mark.parametrize("name", ["home", "ratings:dashboard", "notifications:inbox"])
def test_signed_in_pages_have_the_policy_and_nonced_scripts(staff_client, name):
    response = staff_client.get(reverse(name), follow=True)
    assert response.status_code == 200
    assert_page_policy(response)
    assert_scripts_carry_the_nonce(response)


def test_error_pages_and_the_admin_have_the_policy(staff_client):
    assert_page_policy(staff_client.get("/no-such-page/"))
    for url in (reverse("admin:index"), reverse("admin:branches_socialorganization_changelist")):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert_page_policy(response)


def test_the_admin_needs_no_inline_script():
    # Django's admin loads its scripts from files and passes values in data- attributes; a
    # template of ours that extends it must do the same.
    for template in Path(settings.BASE_DIR, "templates").rglob("admin/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in SCRIPT.findall(text):
            assert "src=" in tag, f"{template}: {tag}"


# Templates that never reach a browser under the page policy: e-mails and PDFs made by WeasyPrint.
NOT_PAGES = (
    "notifications/email/",
    "ratings/awards/certificate_pdf.html",
    "ratings/dashboard/report_pdf.html",
    "ratings/promotion/pack_pdf.html",
)


def page_templates():
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root).as_posix()
        if not relative.startswith(NOT_PAGES):
            yield relative, path.read_text(encoding="utf-8")


def test_page_templates_hold_no_inline_script_handler_or_style():
    found = []
    for name, text in page_templates():
        for tag in SCRIPT.findall(text):
            if "src=" not in tag or "nonce=" not in tag:
                found.append(f"{name}: {tag}")
        found += [f"{name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        found += [f"{name}: {m}" for m in re.findall(r"\sstyle\s*=|<style\b", text)]
        found += [f"{name}: {m}" for m in re.findall(r"javascript:", text)]
    assert found == []
