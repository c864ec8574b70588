"""Every refusal of the API as JSON: `{"detail": <one line>, "code": <kind>, "errors": {<field
path>: [messages]}}`. The service errors of core.errors are mapped here: bad input → 400, a refused
transition or a stale version → 409 (with the current value), the access policy → 403."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import SEPARATOR, Conflict, error_messages
from ratings.workflow.edges import TransitionNotAllowed

NON_FIELD = "non_field_errors"


def field_paths(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"a.0.b": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            for p, msgs in field_paths(value, path).items():
                out.setdefault(p, []).extend(msgs)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or NON_FIELD] = [str(item) for item in detail]
        else:
            for i, item in enumerate(detail):
                for p, msgs in field_paths(item, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(p, []).extend(msgs)
    else:
        out[prefix or NON_FIELD] = [str(detail)]
    return out


def body(detail: str, code: str, errors: dict | None = None, **extra) -> dict:
    data = {"detail": detail, "code": code}
    if errors:
        data["errors"] = errors
    data.update(extra)
    return data


def _django_validation(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if k == "__all__" else k): [str(m) for m in v] for k, v in exc.message_dict.items()
        }
    return {NON_FIELD: error_messages(exc)}


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response(body(str(exc), "conflict", current=exc.current), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            body(SEPARATOR.join(error_messages(exc)), "transition_not_allowed"),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ValidationError):
        errors = _django_validation(exc)
        text = SEPARATOR.join(m for msgs in errors.values() for m in msgs)
        code = getattr(exc, "code", None) or "invalid"  # a list of messages keeps no code
        return Response(body(text, code, errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: a 500, logged as such
    if isinstance(exc, exceptions.ValidationError):
        errors = field_paths(exc.detail)
        text = SEPARATOR.join(
            f"{p}: {m}" if p != NON_FIELD else m for p, msgs in errors.items() for m in msgs
        )
        response.data = body(text or _("提交的数据有误。"), "invalid", errors)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = body(str(detail), str(code))
    return response


@csrf_exempt  # it changes nothing, whatever the method: a 404, not the CSRF failure page
def not_found(request, *args, **kwargs):
    """A path under /api/ that names no endpoint: the API's 404, as JSON."""

    return JsonResponse(body(str(exceptions.NotFound.default_detail), "not_found"), status=404)
