"""The schema says every answer an operation may give: besides its own, the refusals every API
view can make (api.errors), so a client — and the schema tests — know their shape."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "current": {"type": "object", "additionalProperties": {}},
    },
    "required": ["detail", "code"],
}
COMMON = {
    "400": "Bad input: the messages per field path",
    "401": "No valid credentials",
    "403": "The access policy refuses this role",
    "404": "Not found, or outside the user's scope",
    "405": "Method not allowed",
    "406": "Only JSON is answered",
    "411": "A body without its length",
    "413": "Request too large",
    "415": "Unsupported media type",
    "429": "Throttled",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in COMMON.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
