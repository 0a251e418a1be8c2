"""Issue 21, finding 4: anonymous requests that answered 500 with a traceback. A JSON body of 1,000
nested `[`, and a body past REQUEST_BODY_MAX_BYTES, sent to every JSON endpoint as anonymous and as
each role, answer in JSON: refused at the gate (401/403) or, past it, 400 and 413. A bad Host is a
400. Each has its control: the same request, well formed, is answered."""

import json
import logging
import sys

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from missions_site import access
from missions_site.api_errors import problem
from missions_site.request_limits import TOO_DEEP, deeper_than
from tests.conftest import TEST_PASSWORD
from tests.security.test_route_matrix import concrete_url, url_patterns

pytestmark = pytest.mark.django_db
BODY_METHODS = ("POST", "PUT", "PATCH")
NESTED = "[" * 1000  # the probe's body
BODY_LIMIT = 50_000
HUGE = '{"reason": "' + "x" * (BODY_LIMIT + 1) + '"}'
# Views that refuse before reading the body, once past the gate: the object is out of the role's
# scope (404) or not in a state for the action (409). Still JSON, still not a 500.
REFUSED_BEFORE_THE_BODY = (404, 409)
TAKES_NO_BODY = {"api-logout"}  # ends the token's session whatever is sent


def json_endpoints(objects) -> list[tuple[str, str, str]]:
    """(view name, method, url) of every API route taking a body, as the matrix names them."""
    found = []
    for view_name, route in url_patterns():
        rule = access.ROUTES.get(access.route_key(view_name))
        if not route.startswith("api/") or rule is None or view_name in TAKES_NO_BODY:
            continue
        url = concrete_url(view_name, route, objects)
        found += [(view_name, m, url) for m in BODY_METHODS if m in rule.methods]
    return found


@pytest.mark.parametrize("role", access.COLUMNS)
def test_nested_and_huge_json_bodies_are_refused_in_json_on_every_json_endpoint(
    world, role, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    client = APIClient(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    endpoints = json_endpoints(world.objects)
    assert len(endpoints) >= 15  # control: the walk found the API's write routes
    wrong, parsed = [], 0
    for view_name, method, url in endpoints:
        allowed = role in access.ROUTES[access.route_key(view_name)].roles(method)
        for body, past_gate in ((NESTED, 400), (HUGE, 413)):
            send = getattr(client, method.lower())
            response = send(
                url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"k{len(body)}"
            )
            # Every answer here is a refusal: the one error shape (problem+json, ADR 0027).
            is_json = response.headers.get("Content-Type", "") == "application/problem+json"
            want = (past_gate, *REFUSED_BEFORE_THE_BODY) if allowed else (401, 403)
            if response.status_code not in want or not is_json:
                wrong.append(f"{method} {url} {len(body)} B: {response.status_code} {is_json}")
            parsed += response.status_code == past_gate
            if response.status_code == 400:
                assert response.json()["detail"] == TOO_DEEP
    assert not wrong, f"{len(wrong)} answers for {role}:\n" + "\n".join(wrong)
    # Control: past the gate the body was read and refused on most endpoints, not all sidestepped.
    assert parsed >= 2 or role in (access.NO_ROLE, access.AUDITOR)


# The module's world holds the officer (tests/security/conftest.py).
def test_the_anonymous_token_endpoint_answers_a_well_formed_body(world):
    client = APIClient()
    nested = client.post("/api/v1/auth/token/", NESTED, content_type="application/json")
    assert nested.status_code == 400 and nested.json() == problem(400, TOO_DEEP, "parse_error")
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "officer", "password": TEST_PASSWORD},
        format="json",
    )
    assert token.status_code == 200 and token.json()["token"]


def test_a_body_under_the_limit_and_nesting_under_the_bound_are_read(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    client = APIClient()
    padded = json.dumps(
        {"username": "officer", "password": TEST_PASSWORD, "pad": [[["x" * (BODY_LIMIT - 200)]]]}
    )
    response = client.post("/api/v1/auth/token/", padded, content_type="application/json")
    assert response.status_code == 200, response.content
    huge = client.post("/api/v1/auth/token/", HUGE, content_type="application/json")
    assert huge.status_code == 413 and "REQUEST_BODY_MAX_BYTES" in huge.json()["detail"]


def test_depth_is_counted_without_recursion():
    assert not deeper_than([[[1]]], 3) and deeper_than([[[[1]]]], 3)
    assert not deeper_than({"a": [{"b": 1}]}, 3) and deeper_than({"a": [{"b": [1]}]}, 3)
    assert not deeper_than("text", 0)


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/auth/token/", "/"])
def test_a_bad_host_is_a_400_and_a_known_host_is_answered(path):
    bad = Client(HTTP_HOST="evil.example", raise_request_exception=False).get(path)
    assert bad.status_code == 400
    if path.startswith("/api/"):
        assert bad.json() == problem(
            400, "This server does not answer for that Host.", "unknown_host"
        )
    else:
        assert b"The request could not be read" in bad.content
    known = Client(HTTP_HOST="localhost").get(path)
    assert known.status_code in (200, 302, 403)  # the page, the way to it, or the matrix's answer


def test_a_refused_host_is_logged_in_one_line_without_a_traceback():
    try:
        raise ValueError("Invalid HTTP_HOST header: 'evil.example'.")
    except ValueError:
        record = logging.LogRecord(
            "django.security.DisallowedHost",
            logging.ERROR,
            __file__,
            1,
            "%s",
            ("bad",),
            sys.exc_info(),
        )
    handler = logging.getLogger("django.security").handlers[0]
    assert record.exc_info is not None  # control: Django logs it with the exception
    assert handler.filter(record) and record.exc_info is None
    assert "\n" not in handler.format(record)
