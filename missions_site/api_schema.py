"""drf-spectacular post-processing: what every operation may answer besides success, so that the
published schema is true for every role (the API fuzz test holds it to that).

- 401, 403 and 429 everywhere (the route matrix decides per role; throttles), 400 where there is
  input (query parameters or a body), 404 where the path names an object, 413 and 415 where there
  is a body, 409 and 422 where an Idempotency-Key is taken; every 4xx is a `Problem`
  (application/problem+json, RFC 9457: missions_site.api_errors), or a documented extension of it
  (PROBLEM_EXTENSIONS: the same members and more).
- Response headers: Idempotent-Replayed on the success of an operation that takes an
  Idempotency-Key, Retry-After on 429 and 503, ETag and X-Server-Time where the view sets them.
- Times of day are local wall-clock times ("06:00:00"): OpenAPI's "time" format is RFC 3339's,
  which requires an offset, so it is replaced by a pattern.
"""

PROBLEM_SCHEMA = "Problem"
PROBLEM_FIELD_ERROR_SCHEMA = "ProblemFieldError"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_PROPERTIES = {
    "type": {
        "type": "string",
        "description": "urn:missions:problem:<code> (RFC 9457 problem type).",
        "example": "urn:missions:problem:invalid",
    },
    "title": {
        "type": "string",
        "description": "The HTTP status's phrase.",
        "example": "Bad Request",
    },
    "status": {"type": "integer", "minimum": 400, "maximum": 599, "example": 400},
    "detail": {"type": "string", "description": "What went wrong, in words for a person."},
    "code": {
        "type": "string",
        "description": "What went wrong, for a program (docs/api.md lists the codes).",
        "example": "invalid",
    },
    "errors": {
        "type": "array",
        "description": "Each field (and row) at fault; empty when the problem is not a field's.",
        "items": {"$ref": f"#/components/schemas/{PROBLEM_FIELD_ERROR_SCHEMA}"},
    },
}
PROBLEM_REQUIRED = ["type", "title", "status", "detail", "code", "errors"]
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details: the one shape of every error answer under /api/.",
    "properties": PROBLEM_PROPERTIES,
    "required": PROBLEM_REQUIRED,
    "additionalProperties": False,
}
PROBLEM_FIELD_ERROR = {
    "type": "object",
    "properties": {
        "field": {
            "type": "string",
            "nullable": True,
            "description": "Dotted path of the value at fault (e.g. incidents.latitude); null for"
            " the request as a whole.",
        },
        "row": {
            "type": "integer",
            "nullable": True,
            "minimum": 1,
            "description": "The item of a list of rows (1 = first), e.g. of `incidents`.",
        },
        "reason": {"type": "string"},
        "code": {"type": "string", "example": "required"},
    },
    "required": ["field", "row", "reason", "code"],
    "additionalProperties": False,
}
# Answers that are a problem with members of their own (their serializers name them).
PROBLEM_EXTENSIONS = {"MissionConflict"}
STRING_HEADER = {"schema": {"type": "string"}}
REPLAYED_HEADER = {
    "description": "`true` when this is the stored answer of an earlier request with the same"
    " Idempotency-Key (the action did not run again).",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}
# Headers set by particular views: operationId → status → header → description.
VIEW_HEADERS = {
    "officer_missions_retrieve": {
        "200": {
            "ETag": "Send it back in If-None-Match: 304 while nothing changed.",
            "X-Server-Time": "The server's clock (ISO 8601), for the device's timer.",
        },
        "304": {
            "ETag": "The same tag: nothing changed.",
            "X-Server-Time": "The server's clock (ISO 8601), for the device's timer.",
        },
    },
}
TIME_OF_DAY = {
    "type": "string",
    "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
    "example": "06:00:00",
}
METHODS = ("get", "post", "put", "patch", "delete")


def document_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA] = PROBLEM
    schemas[PROBLEM_FIELD_ERROR_SCHEMA] = PROBLEM_FIELD_ERROR
    for name in PROBLEM_EXTENSIONS & schemas.keys():
        extension = schemas[name]
        extension["properties"].update(PROBLEM_PROPERTIES)
        extension["required"] = sorted({*extension.get("required", []), *PROBLEM_REQUIRED})
        extension["additionalProperties"] = False
    for item in result.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _document_operation(operation)
    _times_of_day(result)
    return result


def _document_operation(operation: dict) -> None:
    places = {p.get("in") for p in operation.get("parameters", [])}
    idempotent = any(
        p.get("in") == "header" and p.get("name") == "Idempotency-Key"
        for p in operation.get("parameters", [])
    )
    answers = {
        "401": "Not signed in, or the token is invalid or expired.",
        "403": "The role may not do this (docs/security.md).",
        "429": "Too many requests: wait for Retry-After seconds.",
    }
    if "query" in places or "requestBody" in operation:
        answers["400"] = "A parameter or the body is wrong: `errors` says which (and which row)."
    if "requestBody" in operation:
        answers["413"] = "The body is larger than REQUEST_BODY_MAX_BYTES."
        answers["415"] = "The body is not JSON (send Content-Type: application/json)."
    if "path" in places:
        answers["404"] = "No such object."
    if idempotent:
        answers["409"] = "A request with this Idempotency-Key is still being answered."
        answers["422"] = "This Idempotency-Key was used for another request (or another body)."
    responses = operation.setdefault("responses", {})
    for code, description in answers.items():
        responses.setdefault(code, {"description": description})
    for code, response in responses.items():
        if code.startswith(("4", "5")):
            response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": _problem_schema(response)}}
        if code == "429":
            response.setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
        if idempotent and code.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
    for code, headers in VIEW_HEADERS.get(operation.get("operationId", ""), {}).items():
        if code in responses:
            documented = responses[code].setdefault("headers", {})
            for name, description in headers.items():
                documented[name] = {"description": description, **STRING_HEADER}


def _problem_schema(response: dict) -> dict:
    """The problem component, or the extension the view named."""
    for media in (response.get("content") or {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref.rsplit("/", 1)[-1] in PROBLEM_EXTENSIONS:
            return {"$ref": ref}
    return {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}


def _times_of_day(node) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            node.pop("format")
            node.update(TIME_OF_DAY)
        for value in node.values():
            _times_of_day(value)
    elif isinstance(node, list):
        for value in node:
            _times_of_day(value)
