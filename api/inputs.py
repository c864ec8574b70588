"""Reading a write's input: a JSON object (or a multipart form) with known fields of simple types,
then the page's own form, whose messages the API returns with the field's name."""

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

SCALARS = (str, int, float)


class ErrorSerializer(serializers.Serializer):  # the component "Error" (api.schema)
    """Every refusal: one line, a code, the messages per field path, and for a conflict the
    current value with its version."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    current = serializers.DictField(required=False)


def form_data(request, allowed: set[str]) -> dict:
    """The request's fields as a form would get them; 400 for anything else than an object, for
    unknown fields and for values that are not a string, a number or null."""
    data = request.data
    if isinstance(data, QueryDict):
        fields = {key: data.get(key) for key in data}
    elif isinstance(data, dict):
        fields = dict(data)
    else:
        raise exceptions.ValidationError({"non_field_errors": [_("请提交一个 JSON 对象。")]})
    errors = {key: [_("未知字段。")] for key in fields if key not in allowed}
    out = {}
    for key, value in fields.items():
        if key in errors:
            continue
        if value is None:
            out[key] = ""
        elif isinstance(value, bool) or not isinstance(value, SCALARS):
            if not isinstance(data, QueryDict):  # a multipart file is for the form to read
                errors[key] = [_("类型不正确：应为文字或数字。")]
        else:
            out[key] = str(value)
    if errors:
        raise exceptions.ValidationError(errors)
    return out


def require_valid(form):
    """The form, valid; else 400 with the form's own messages per field."""
    if not form.is_valid():
        raise exceptions.ValidationError(
            {("non_field_errors" if k == "__all__" else k): list(v) for k, v in form.errors.items()}
        )
    return form


def version_of(request, data: dict) -> str | None:
    """The version a write is based on: the `If-Match` header, else the `version` field."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        if header.startswith("W/"):
            header = header[2:]
        return header.strip('"')[:64]
    return data.pop("version", None) or None
