"""The API's contract as an integrator reads it (issue 24, ADR 0027, docs/api.md): the published
schema types every answer (free-form objects only where docs/api.md lists them), documents every
4xx as the one problem shape and the response headers, and describes operations in words for
integrators, not the code's docstrings; at run time every refusal is that shape, and Idempotency-Key
is one contract (scoped per user, kept a stated time, another body a 422, replays marked alike)."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agency import roles
from ingest.models import ImportRun, Source
from missions_site.api_schema import PROBLEM_EXTENSIONS

pytestmark = pytest.mark.django_db
SCHEMA_URL = "/api/v1/schema/?format=json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}
# Free-form objects the schema keeps on purpose (docs/api.md, "Free-form values"): JSON pointer
# prefixes, each with why.
FREE_FORM = {
    # The analyst's maps: GeoJSON layers whose properties differ per layer (docs/api.md).
    "#/paths//api/v1/beats.geojson/get/responses/200": "GeoJSON layer",
    "#/paths//api/v1/districts.geojson/get/responses/200": "GeoJSON layer",
    "#/paths//api/v1/grid//get/responses/200": "compact grid layer (rows of arrays)",
    "#/paths//api/v1/streets//get/responses/200": "GeoJSON layer",
    # Report tables whose columns depend on the report asked for.
    "#/paths//api/v1/missions/reports/{kind}//get/responses/200": "report table per kind",
    "#/paths//api/v1/missions/reports/outcomes//get/responses/200": "report table",
    "#/paths//api/v1/tactics/report//get/responses/200": "report table",
    # Values by crime type code and model metrics whose keys are data, not names.
    "#/components/schemas/CompactForecast/properties/types/items": "per crime type code",
    "#/components/schemas/ModelVersion/properties/pai": "PAI per coverage share",
    "#/components/schemas/ModelVersionDetail/properties/": "model card (per model kind)",
    # An audit event keeps the object as it was. (A job's result is typed per kind: JobResult.)
    "#/components/schemas/AuditEventOut/properties/before": "snapshot of the object",
    "#/components/schemas/AuditEventOut/properties/after": "snapshot of the object",
    # Request bodies: a GeoJSON polygon as drawn on the map.
    "#/components/schemas/AddMissionsInRequest/properties/area": "GeoJSON geometry (input)",
    "#/components/schemas/BoxesInRequest/properties/area": "GeoJSON geometry (input)",
    "#/components/schemas/SuppressInRequest/properties/area": "GeoJSON geometry (input)",
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        groups = roles.sync_roles()
        from django.contrib.auth import get_user_model

        user, _ = get_user_model().objects.get_or_create(username="schema-reader")
        user.groups.add(groups[roles.ADMINISTRATOR])
        client = APIClient()
        client.force_authenticate(user)
        answer = client.get(SCHEMA_URL)
        user.delete()
    assert answer.status_code == 200
    return answer.json()


def free_form(node, path="#"):
    """JSON pointers of schemas that say nothing of their content: an object without properties
    (or with additionalProperties: true), or a value with no type at all."""
    found = []
    if isinstance(node, dict):
        is_object = node.get("type") == "object"
        if (
            is_object
            and "properties" not in node
            and node.get("additionalProperties", True)
            in (
                True,
                {},
            )
            or node.get("additionalProperties") is True
        ):
            found.append(path)
        for key, value in node.items():
            if key == "properties":
                for name, prop in value.items():
                    if isinstance(prop, dict) and not (
                        {"type", "$ref", "allOf", "oneOf", "anyOf", "enum"} & prop.keys()
                    ):
                        found.append(f"{path}/properties/{name}")
            found += free_form(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += free_form(value, f"{path}/{index}")
    return found


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield f"{method.upper()} {path}", operation


def test_no_free_form_answer_outside_the_documented_list(schema):
    loose = sorted({p for p in free_form(schema) if not p.startswith(tuple(FREE_FORM))})
    assert loose == [], "free-form values not in docs/api.md's list:\n" + "\n".join(loose)


def test_the_free_form_walk_finds_an_untyped_object():
    """Control: the walk reports the shapes the issue found (a DictField, a JSONField)."""
    found = free_form(
        {
            "A": {"type": "object", "properties": {"d": {"type": "object"}, "j": {}}},
            "B": {"type": "object", "additionalProperties": {"type": "integer"}},
        }
    )
    assert found == ["#/A/properties/j", "#/A/properties/d"]


def test_a_jobs_result_is_typed_per_kind(schema):
    """JobRun.result is the JobResult union, one shape per registered kind told apart by `kind`;
    it is not on the allow-list, so the walk above fails if it turns free-form again."""
    from jobs import kinds

    pointer = "#/components/schemas/JobRun/properties/result"
    assert not any(pointer.startswith(allowed) for allowed in FREE_FORM)
    components = schema["components"]["schemas"]
    result = components["JobRun"]["properties"]["result"]
    assert result["allOf"] == [{"$ref": "#/components/schemas/JobResult"}] and result["nullable"]
    union = components["JobResult"]
    assert union["discriminator"]["propertyName"] == "kind"
    mapping = union["discriminator"]["mapping"]
    assert set(mapping) == set(kinds.KINDS) and len(mapping) >= 6
    for kind, ref in mapping.items():
        shape = components[ref.rsplit("/", 1)[1]]
        assert {"kind", "message"} <= set(shape["required"]) and len(shape["properties"]) > 2, kind
        assert free_form(shape) == [] and shape.get("description"), kind
    # Control: the walk flags the result as it was (a JSONField: a value with no type at all).
    assert free_form({"JobRun": {"properties": {"result": {"readOnly": True}}}}) == [
        "#/JobRun/properties/result"
    ]


def test_the_allow_list_is_in_the_docs():
    docs = Path("docs/api.md").read_text()
    undocumented = [pointer for pointer in FREE_FORM if f"`{pointer}`" not in docs]
    assert not undocumented, "allowed free-form but docs/api.md does not say why: " + str(
        undocumented
    )


def test_every_4xx_is_the_problem_shape_and_429_is_everywhere(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == PROBLEM_KEYS and problem["additionalProperties"] is False
    shapes = {"#/components/schemas/Problem"} | {
        f"#/components/schemas/{name}" for name in PROBLEM_EXTENSIONS
    }
    wrong = []
    for name, operation in operations(schema):
        responses = operation["responses"]
        if "429" not in responses or "Retry-After" not in responses["429"].get("headers", {}):
            wrong.append(f"{name}: no 429 with Retry-After")
        for code, response in responses.items():
            if code.startswith("4"):
                content = response.get("content", {})
                if list(content) != ["application/problem+json"]:
                    wrong.append(f"{name} {code}: {list(content)}")
                elif content["application/problem+json"]["schema"].get("$ref") not in shapes:
                    wrong.append(f"{name} {code}: {content['application/problem+json']['schema']}")
    assert not wrong, "\n".join(wrong)
    conflict = schema["components"]["schemas"]["MissionConflict"]
    assert PROBLEM_KEYS | {"mission"} == set(conflict["properties"])


def test_request_bodies_are_json_only(schema):
    bodies = [
        (n, list(o["requestBody"]["content"])) for n, o in operations(schema) if "requestBody" in o
    ]
    assert len(bodies) >= 15
    assert [b for b in bodies if b[1] != ["application/json"]] == []


def test_response_headers_are_documented(schema):
    idempotent = 0
    for name, operation in operations(schema):
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        if "Idempotency-Key" in headers:
            idempotent += 1
            for code, response in operation["responses"].items():
                if code.startswith("2"):
                    assert "Idempotent-Replayed" in response.get("headers", {}), (name, code)
            assert {"409", "422"} <= set(operation["responses"]), name
    assert idempotent >= 7  # incidents, AVL and the officer's mission actions
    officer = schema["paths"]["/api/v1/officer/missions/"]["get"]["responses"]
    assert {"ETag", "X-Server-Time"} <= set(officer["200"]["headers"])
    assert {"ETag", "X-Server-Time"} <= set(officer["304"]["headers"])


def view_docstrings(patterns=None) -> set[str]:
    """The docstrings of every API view class and handler, as drf-spectacular would print them."""
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is None:
                    continue
                for owner in (
                    view,
                    *(
                        getattr(view, m, None)
                        for m in ("get", "post", "put", "patch", "delete", "list", "retrieve")
                    ),
                ):
                    doc = getattr(owner, "__doc__", None)
                    if doc:
                        found.add(_words(str(doc)))

    walk(get_resolver().url_patterns if patterns is None else patterns)
    return found


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def undescribed(schema, docstrings: set[str]) -> dict[str, list[str]]:
    """Operations an integrator cannot read: no summary, no description, or a view's docstring
    (words for the code's readers) as the description."""
    found: dict[str, list[str]] = {"no summary": [], "no description": [], "a docstring": []}
    for name, operation in operations(schema):
        description = _words(operation.get("description", ""))
        if not operation.get("summary"):
            found["no summary"].append(name)
        if not description:
            found["no description"].append(name)
        elif description in docstrings:
            found["a docstring"].append(name)
    return found


def test_every_operation_is_described_for_integrators(schema):
    docstrings = view_docstrings()
    # Control: the walk reads the views' docstrings (the incident push keeps one for readers).
    assert (
        "POST a batch of incidents; the same validation and newer-wins upsert as file imports."
        in (docstrings)
    )
    assert len(list(operations(schema))) >= 50
    found = undescribed(schema, docstrings)
    assert found == {"no summary": [], "no description": [], "a docstring": []}, found


def test_the_description_check_catches_a_view_without_one():
    """Control: drf-spectacular's schema of two views, one with a summary only and one whose
    docstring becomes its description; the check names both, and passes once each is described."""
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.utils import extend_schema
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class SummaryOnly(APIView):
        @extend_schema(summary="Things", responses={200: None})
        def get(self, request):
            return Response()

    class Docstring(APIView):
        """Reads the thing for the page; see services.py (words for the code's readers)."""

        @extend_schema(summary="One thing", responses={200: None})
        def get(self, request):
            return Response()

    class Described(APIView):
        @extend_schema(
            summary="Things", description="Every thing, for integrators.", responses={200: None}
        )
        def get(self, request):
            return Response()

    def schema_of(*views):
        patterns = [path(f"api/v1/v{i}/", view.as_view()) for i, view in enumerate(views)]
        generated = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
        return generated, view_docstrings(patterns)

    found = undescribed(*schema_of(SummaryOnly, Docstring))
    assert found == {
        "no summary": [],
        "no description": ["GET /api/v1/v0/"],
        "a docstring": ["GET /api/v1/v1/"],
    }
    assert undescribed(*schema_of(Described)) == {
        "no summary": [],
        "no description": [],
        "a docstring": [],
    }


def test_end_early_notes_have_no_default(schema):
    notes = schema["components"]["schemas"]["EndEarlyInRequest"]["properties"]["notes"]
    assert "default" not in notes
    assert "notes" not in schema["components"]["schemas"]["EndEarlyInRequest"].get("required", [])


# --- at run time ---------------------------------------------------------------------------------


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert body["type"] == f"urn:missions:problem:{body['code']}"
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def source(db):
    return Source.objects.create(name="cad-live", kind="cad")


def user_with(role: str, username: str):
    from django.contrib.auth import get_user_model

    groups = roles.sync_roles()
    user = get_user_model().objects.create_user(username=username)
    user.groups.add(groups[role])
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def incident(n: int, **fields) -> dict:
    return {
        "external_id": f"X-{n}",
        "occurred_from": "2024-03-12T02:30:00",
        "latitude": 43.65,
        "longitude": -79.4,
        **fields,
    }


def test_refusals_are_problems_with_rows_and_fields(source):
    analyst = client_for(user_with(roles.ANALYST, "analyst-1"))
    # A strict batch is refused whole (a batch that is not strict keeps its bad rows as rejected).
    bad = analyst.post(
        "/api/v1/incidents/",
        {"source": "cad-live", "strict": True, "incidents": [incident(1), {"occurred_from": "x"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-bad",
    )
    body = assert_problem(bad, 400, "invalid")
    missing_id = [e for e in body["errors"] if e["field"] == "incidents.external_id"]
    assert [e["row"] for e in missing_id] == [2], body["errors"]
    assert "required" in missing_id[0]["reason"] and "rejected" in body["detail"]
    good = analyst.post(
        "/api/v1/incidents/",
        {"source": "cad-live", "strict": True, "incidents": [incident(1)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-good",
    )
    assert good.status_code == 201, good.content  # control: the same push, valid, is taken
    form = APIClient().post(
        "/api/v1/auth/token/", {"username": "a", "password": "b"}, format="multipart"
    )
    assert_problem(form, 415, "unsupported_media_type")
    assert_problem(APIClient().get("/api/v1/missions/"), 401, "not_authenticated")
    assert_problem(analyst.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_problem(analyst.delete("/api/v1/incidents/"), 403, "permission_denied")


def test_a_key_is_its_users_another_body_is_a_422_and_replays_are_marked(source):
    analyst = client_for(user_with(roles.ANALYST, "analyst-1"))
    admin = client_for(user_with(roles.ADMINISTRATOR, "admin-1"))
    url, key = "/api/v1/incidents/", str(uuid.uuid4())
    first = analyst.post(
        url,
        {"source": "cad-live", "incidents": [incident(1)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = analyst.post(
        url,
        {"source": "cad-live", "incidents": [incident(1)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    # Another user sending the same key gets a run of their own, not the analyst's.
    other = admin.post(
        url,
        {"source": "cad-live", "incidents": [incident(2)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    changed = analyst.post(
        url,
        {"source": "cad-live", "incidents": [incident(3)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert_problem(changed, 422, "idempotency_key_reused")
    assert ImportRun.objects.count() == 2


@override_settings(IDEMPOTENCY_KEYS_KEEP_HOURS=24)
def test_a_key_is_kept_for_the_stated_time(source):
    analyst = APIClient()  # signed in for the whole test: a token would expire meanwhile
    analyst.force_authenticate(user_with(roles.ANALYST, "analyst-1"))
    url, key = "/api/v1/incidents/", "kept"
    body = {"source": "cad-live", "incidents": [incident(1)]}
    first = analyst.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        within = analyst.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert within.status_code == 200 and within["Idempotent-Replayed"] == "true"
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        after = analyst.post(
            url,
            {"source": "cad-live", "incidents": [incident(2)]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert after.status_code == 201 and after.json()["id"] != first.json()["id"]


def test_field_errors_flatten_with_rows_and_keep_a_views_words():
    """The shapes views raise: a list serializer's errors (a list, or keyed by index), a view's own
    words beside its fields ({"detail", "incidents": {"0": …}}, as a strict batch refusal does)."""
    from rest_framework.exceptions import ErrorDetail, ValidationError

    from missions_site.api_errors import field_errors, problem_exception_handler

    listed = field_errors({"incidents": [{}, {"latitude": [ErrorDetail("Too big.", "max_value")]}]})
    assert listed == [
        {"field": "incidents.latitude", "row": 2, "reason": "Too big.", "code": "max_value"}
    ]
    keyed = field_errors({"incidents": {"0": {"non_field_errors": ["Bad record."]}}})
    assert keyed == [{"field": "incidents", "row": 1, "reason": "Bad record.", "code": "invalid"}]
    nested = field_errors({"tactics": {"0": ["Not a number."]}})
    assert nested == [
        {"field": "tactics.0", "row": None, "reason": "Not a number.", "code": "invalid"}
    ]

    class Request:
        user = None

    strict = ValidationError(
        {"detail": "Strict: 1 row rejected.", "incidents": {"2": {"code": ["x"]}}}
    )
    body = problem_exception_handler(strict, {"request": Request(), "view": None}).data
    assert body["detail"] == "Strict: 1 row rejected." and body["code"] == "invalid"
    assert body["errors"] == [
        {"field": "incidents.code", "row": 3, "reason": "x", "code": "invalid"}
    ]
