"""Middleware that knows no app: the request id, the Permissions-Policy header and the cap on a
request's size."""

import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation

from . import logs, requestid


class RequestIdMiddleware:
    """Give the request an id, for every log line it causes and every task it queues.

    The proxy's `X-Request-ID` is taken when the request came through trusted proxies
    (TRUSTED_PROXY_COUNT > 0; nginx: `proxy_set_header X-Request-ID $request_id;`) and the value
    is short and plain; otherwise a new one is made. The response carries it back, and one log
    line per request records method, path, status, time and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        sent = request.META.get("HTTP_X_REQUEST_ID") if settings.TRUSTED_PROXY_COUNT > 0 else None
        request.request_id = requestid.acceptable(sent) or requestid.new()
        token = requestid.set(request.request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            logs.log_request(request, response, started)
            return response
        finally:
            requestid.reset(token)


def _allowlist(origins) -> str:
    return " ".join(origin if origin in ("self", "*") else '"%s"' % origin for origin in origins)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` from settings.PERMISSIONS_POLICY ({feature: [allowed origins]});
    an empty list turns the feature off (`camera=()`), `["self"]` allows Starfire's own pages."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}=({_allowlist(origins)})" for feature, origins in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is larger than settings.MAX_REQUEST_BYTES before any of it is read.

    A declared `Content-Length` above the cap gets 413. A body of unknown length (chunked transfer
    encoding, no `Content-Length`) gets 411: Django would read none of it (it reads exactly
    `Content-Length` bytes), so without the answer the form would arrive silently empty. The web
    server in front should apply the same cap (README: production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cap = settings.MAX_REQUEST_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return self._refuse(request, 400, "bad_length", cap)
            if length > cap:
                return self._refuse(request, 413, "too_large", cap)
        elif "chunked" in encoding:
            return self._refuse(request, 411, "no_length", cap)
        return self.get_response(request)

    def _refuse(self, request, status: int, reason: str, cap: int) -> HttpResponse:
        with translation.override(translation.get_language_from_request(request)):
            context = {"reason": reason, "max_mb": cap / 1048576, "status": status}
            if request.path.startswith(tuple(getattr(settings, "JSON_ERROR_PATH_PREFIXES", ()))):
                # Programs get the refusal as JSON, in the shape of the API's other errors.
                text = " ".join(render_to_string("413.txt", context).split())
                response = JsonResponse({"detail": text, "code": reason}, status=status)
            else:
                response = HttpResponse(render_to_string("413.html", context), status=status)
        # The unread body cannot be left on a connection that is kept open.
        response["Connection"] = "close"
        return response
