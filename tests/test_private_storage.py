"""Private files go through the private storage and nothing else: no filesystem path in app code, the
S3 configuration comes from the environment, and on object storage a download may be a short-lived
signed link issued after the view's check.

The flows themselves (evidence, photos, meeting and objection attachments, award and rectification
files, certificates, imports, the orphan sweep, backup and restore) run on both backends where they
are tested: every test that uses the `private_storage_backend` fixture (tests/storage_backends.py).
"""

import ast
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

from core.uploads import private_file_response
from meetings.models import MeetingAttachment

# Closing a file response ends the "request", which touches the database connections.
pytestmark = pytest.mark.django_db

APPS = (
    "core",
    "branches",
    "notifications",
    "meetings",
    "ratings",
    "api",
    "programme",
    "province",
    "starfire",
)


def _app_sources():
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _storage_bypasses(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "path":
            found.append((node.lineno, ".path()"))  # storage.path(), field.path: a local file only
        elif (
            isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Attribute)
        ):
            if node.value.attr in {"file", "evidence"}:
                found.append((node.lineno, f"{node.value.attr}.path"))
        elif isinstance(node, ast.Name) and node.id in {"default_storage", "MEDIA_ROOT"}:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Constant) and node.value in {"PRIVATE_MEDIA_ROOT", "MEDIA_ROOT"}:
            found.append((node.lineno, node.value))
    return found


def test_no_app_code_reaches_a_private_file_by_its_path():
    offenders = []
    for path, tree in _app_sources():
        if path.name == "settings.py":
            continue  # where the folder of the local backend is configured
        offenders += [
            f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}" for line, what in _storage_bypasses(tree)
        ]
    assert offenders == []


def test_the_scan_finds_a_path_where_there_is_one():
    """The scan above would be worthless if it could not see the ways around the storage."""
    tree = ast.parse(
        "open(evidence.file.path)\n"
        "storage.path(name)\n"
        "default_storage.delete(name)\n"
        "settings.MEDIA_ROOT\n"
        "env.path('PRIVATE_MEDIA_ROOT')\n"
    )
    assert {what for _line, what in _storage_bypasses(tree)} == {
        "file.path",
        ".path()",
        "default_storage",
        "PRIVATE_MEDIA_ROOT",
    }


def test_every_file_field_keeps_its_files_in_the_private_storage():
    from django.apps import apps
    from django.db import models

    from core.storage import get_private_storage

    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
        and getattr(field, "_storage_callable", None) is not get_private_storage
    ]
    assert fields == []


def _settings_in_subprocess(tmp_path, **env_vars) -> str:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="starfire.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        **env_vars,
    )
    code = (
        "import django; django.setup()\n"
        "from core.storage import private_storage as s, is_object_storage\n"
        "print(type(s._wrapped).__name__, is_object_storage(), getattr(s, 'bucket_name', None),"
        " getattr(s, 'endpoint_url', None), getattr(s, 'region_name', None), getattr(s, 'addressing_style', None),"
        " getattr(s, 'access_key', None), getattr(s, 'default_acl', None))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_embedded_default_is_the_local_folder_and_a_bucket_is_configured_by_environment(tmp_path):
    assert _settings_in_subprocess(tmp_path)[:2] == ["FileSystemStorage", "False"]
    assert _settings_in_subprocess(
        tmp_path,
        PRIVATE_STORAGE_BUCKET="starfire-files",
        PRIVATE_STORAGE_ENDPOINT_URL="https://objects.example.org",
        PRIVATE_STORAGE_ACCESS_KEY_ID="key-id",
        PRIVATE_STORAGE_SECRET_ACCESS_KEY="secret",
        PRIVATE_STORAGE_REGION="cn-southwest-1",
        PRIVATE_STORAGE_ADDRESSING_STYLE="path",
    ) == [
        "S3Storage",
        "True",
        "starfire-files",
        "https://objects.example.org",
        "cn-southwest-1",
        "path",
        "key-id",
        "private",
    ]


def _stored(name: str, content: bytes) -> FieldFile:
    field = MeetingAttachment._meta.get_field("file")
    return FieldFile(None, field, field.storage.save(name, ContentFile(content)))


def test_a_signed_link_is_issued_only_on_object_storage(private_storage_backend, settings):
    settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS = 60
    file = _stored("meetings/1/纪要.pdf", b"%PDF-1.4 minutes")

    response = private_file_response(file, content_type="application/pdf", name="纪要.pdf")

    if private_storage_backend == "local":  # a folder has no links: the view streams the file
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
        response.close()
        return
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    link = urlsplit(response["Location"])
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-type"] == ["application/pdf"]
    with urllib.request.urlopen(response["Location"], timeout=10) as fetched:  # noqa: S310 — moto on 127.0.0.1
        assert fetched.read() == b"%PDF-1.4 minutes"
        assert fetched.headers["Content-Disposition"].startswith("attachment")
    unsigned = f"{link.scheme}://{link.netloc}{link.path}"
    with pytest.raises(urllib.error.HTTPError) as refused:  # the bucket is private: no link, no file
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310
    assert refused.value.code == 403


def test_by_default_object_storage_is_streamed_through_the_view(private_storage_backend):
    file = _stored("evidence/1/a.pdf", b"%PDF-1.4 evidence")
    response = private_file_response(file, content_type="application/pdf", name="a.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    response.close()


def test_a_file_missing_from_storage_is_a_404(private_storage_backend, settings):
    from django.http import Http404

    field = MeetingAttachment._meta.get_field("file")
    for seconds in (0, 60):
        settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS = seconds
        with pytest.raises(Http404):
            private_file_response(
                FieldFile(None, field, "gone/x.pdf"), content_type="application/pdf", name="x"
            )
