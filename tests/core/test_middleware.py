"""The request size cap refuses before reading the body; the Permissions-Policy header."""

import io
import sys

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.middleware import PermissionsPolicyMiddleware

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def __init__(self):
        self.reads = 0

    def readable(self):
        return True

    def read(self, size=-1):
        self.reads += 1
        raise AssertionError("the request body was read")

    readinto = readline = read


class CountingBody(io.BytesIO):
    """A request body that counts what was read of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size=-1):
        chunk = super().readline(size)
        self.taken += len(chunk)
        return chunk


def call_wsgi(body, **headers):
    """One POST through Django's own WSGI handler (every middleware, as gunicorn runs it)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": reverse("login"),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        **headers,
    }
    status = {}

    def start_response(line, response_headers, exc_info=None):
        status["code"] = int(line.split()[0])
        status["headers"] = dict(response_headers)

    # As Django's test client does: the handler must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return status["code"], status["headers"], content.decode()


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_read(settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    body = UnreadableBody()
    code, headers, page = call_wsgi(body, CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert code == 413
    assert body.reads == 0
    assert headers["Connection"] == "close"
    assert "提交的内容太大" in page and "最多 1 MB" in page


def test_two_100_mb_files_to_the_public_objection_form_are_refused_unread(settings):
    # The measured case: the default cap (five files of the largest size) is far below 200 MB.
    assert settings.MAX_REQUEST_BYTES == 5 * settings.UPLOAD_MAX_BYTES + 1024 * 1024
    body = UnreadableBody()
    code, _headers, _page = call_wsgi(
        body,
        PATH_INFO=reverse("ratings:public-objection", args=[1, 1]),
        CONTENT_LENGTH=str(2 * 100 * 1024 * 1024 + 500),
    )
    assert code == 413 and body.reads == 0


def test_a_chunked_body_without_a_length_is_refused_unread(settings):
    settings.MAX_REQUEST_BYTES = 1024
    body = UnreadableBody()
    code, headers, page = call_wsgi(body, HTTP_TRANSFER_ENCODING="chunked")
    assert code == 411 and body.reads == 0
    assert headers["Connection"] == "close"
    assert "无法接收提交的内容" in page


def test_without_the_cap_django_reads_no_more_than_the_declared_length(settings):
    # What the cap relies on for everything under it: Django reads exactly Content-Length bytes,
    # so a body longer than it declares (or a chunked one, declaring none) is not read past that.
    settings.MAX_REQUEST_BYTES = 10 * 1024 * 1024
    body = CountingBody(b"--xyz--\r\n" + b"x" * 5_000_000)
    code, _headers, _page = call_wsgi(body, CONTENT_LENGTH="9")
    assert code in (200, 403)  # the login page, or CSRF refusing the empty form: not 413, not 500
    assert body.taken <= 9


def test_a_bad_content_length_is_refused(settings):
    body = UnreadableBody()
    code, _headers, _page = call_wsgi(body, CONTENT_LENGTH="-5")
    assert code == 400 and body.reads == 0


def test_a_request_under_the_cap_goes_through(client, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    response = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert response.status_code == 200


def test_the_refusal_speaks_the_visitors_language(settings):
    settings.MAX_REQUEST_BYTES = 10
    code, _headers, page = call_wsgi(UnreadableBody(), CONTENT_LENGTH="11", HTTP_ACCEPT_LANGUAGE="en")
    assert code == 413 and '<html lang="en">' in page


def test_permissions_policy_lists_each_feature(settings):
    settings.PERMISSIONS_POLICY = {"camera": ["self"], "geolocation": [], "payment": ["https://pay.example"]}
    response = PermissionsPolicyMiddleware(lambda request: HttpResponse())(RequestFactory().get("/"))
    assert response["Permissions-Policy"] == 'camera=(self), geolocation=(), payment=("https://pay.example")'
