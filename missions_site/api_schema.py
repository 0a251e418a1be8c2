"""drf-spectacular post-processing: what every operation may answer besides success, so that the
published schema is true for every role (the API fuzz test holds it to that).

- 401 and 403 everywhere (the route matrix decides per role), 400 where there is input (query
  parameters or a body), 404 where the path names an object; every 4xx in the {"detail": …}
  shape unless its view says otherwise, with field errors beside it for a 400.
- Times of day are local wall-clock times ("06:00:00"): OpenAPI's "time" format is RFC 3339's,
  which requires an offset, so it is replaced by a pattern.
"""

ERROR_SCHEMA = "Error"
ERROR = {
    "type": "object",
    "description": "Why the request was refused; a 400 also names each field at fault.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
TIME_OF_DAY = {
    "type": "string",
    "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
    "example": "06:00:00",
}
METHODS = ("get", "post", "put", "patch", "delete")


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA] = ERROR
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    for item in result.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            places = {p.get("in") for p in operation.get("parameters", [])}
            answers = {
                "401": "Not signed in, or the token is invalid or expired.",
                "403": "The role may not do this (docs/security.md).",
            }
            if "query" in places or "requestBody" in operation:
                answers["400"] = "A parameter or the body is wrong; the answer says which."
            if "path" in places:
                answers["404"] = "No such object."
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("4"):
                    response.setdefault("content", error)
    _times_of_day(result)
    return result


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
