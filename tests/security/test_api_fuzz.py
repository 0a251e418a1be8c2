"""Schemathesis against /api/v1/schema/ as each role (every role of the route matrix, the feed
with a real feed credential): every operation of the published schema gets generated requests
(valid and invalid, fixed seed, bounded examples); no answer may be a 500, and every answer must
match what the schema says (status codes, content type, body, headers), so every 4xx is the one
problem shape the schema documents."""

import os
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agency import roles
from ingest.services.feeds import issue_feed_credential
from missions_site import access

pytestmark = [pytest.mark.fuzz, pytest.mark.slow, pytest.mark.django_db]
SCHEMA_PATH = "/api/v1/schema/?format=json"
SEED = 20261127
# Per operation, role and mode (valid / invalid input); API_FUZZ_EXAMPLES=100 for a deeper run.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
FAILURES_SHOWN = 100
FAILURE_CHARS = 700


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, keeping the test's database connection open between requests (as
    Django's test client does), so that every request sees the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Every role of the route matrix: a role added there is fuzzed without editing this file.
FUZZED_ROLES = access.GROUP_ROLES


def test_every_role_is_fuzzed():
    assert (
        set(FUZZED_ROLES)
        == {
            roles.OFFICER,
            roles.SUPERVISOR,
            roles.ANALYST,
            roles.ADMINISTRATOR,
            roles.AUDITOR,
            roles.FEED,
        }
        == set(roles.ROLES)
    )


@pytest.mark.parametrize("role", FUZZED_ROLES)
def test_no_operation_fails_or_breaks_the_schema(world, wsgi_app, role):
    user = _acting_as(world, role)
    # One schema for all (auditors may not read it): the operations each role may not use must
    # answer as documented too.
    reader = world.users[roles.ADMINISTRATOR]
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app, headers=_token_header(reader))
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += _fuzz(operation, user)
    assert operations >= 30, "the schema lost its operations"
    shown = "\n\n".join(failures[:FAILURES_SHOWN])
    assert not failures, f"{len(failures)} operation(s) failed as {role}:\n\n{shown}"


def _acting_as(world, role):
    """The user to send requests as: the feed is a real feed credential's service account (what
    a CAD uses), allowed to push to the world's source; the others hold their role."""
    if role != roles.FEED:
        return world.users[role]
    credential, _ = issue_feed_credential(
        actor=world.users[roles.ADMINISTRATOR],
        name="CAD under fuzz",
        sources=[world.objects["source"]],
        expires_at=timezone.now() + timedelta(days=30),
    )
    return credential.user


def _token_header(user) -> dict:
    return {"Authorization": f"Token {AuthToken.objects.create(user=user)[1]}"}


# The cases hypothesis made for each operation and mode in this process: every role gets the same
# ones (the seed is fixed), so the roles after the first replay them instead of drawing them again
# (drawing is two thirds of the time). A replayed failure is reported as sent, not shrunk.
_DRAWN: dict[tuple[str, str], list] = {}


def _fuzz(operation, user) -> list[str]:
    """Valid and invalid requests to one operation; returns what failed (the first failure of each
    mode, shrunk by hypothesis when the cases are drawn, as sent when replayed)."""
    failures = []
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        drawn = _DRAWN.get((operation.label, mode))
        failure = (
            _replay(operation, mode, drawn, user)
            if drawn is not None
            else _draw_and_send(operation, mode, user)
        )
        if failure:
            failures.append(failure[:FAILURE_CHARS])
    return failures


def _draw_and_send(operation, mode, user) -> str | None:
    cases: list = []

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        cases.append(case)
        _send(case, user)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid: the operation takes no input
    except (Exception, BaseExceptionGroup) as exc:  # every failure is reported, not the first
        # Shrinking drew more cases than the next role needs: it draws its own.
        return f"{operation.label} [{mode}]: {exc}"
    _DRAWN[(operation.label, mode)] = cases
    return None


def _send(case, user) -> None:
    # A fresh token per request (logout and token deletion are fuzzed too), and a savepoint so that
    # a failed request cannot poison the test's transaction. The token goes after its request: knox
    # reads all of a user's tokens at each authentication, so hundreds left behind made every
    # request slower than the one before.
    with transaction.atomic():
        token, key = AuthToken.objects.create(user=user)
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)
        AuthToken.objects.filter(digest=token.digest).delete()


def _replay(operation, mode, cases: list, user) -> str | None:
    for case in cases:
        try:
            _send(case, user)
        except (Exception, BaseExceptionGroup) as exc:
            return f"{operation.label} [{mode}] (replayed): {exc}"
    return None


def test_the_harness_reports_an_answer_the_schema_does_not_describe(world, wsgi_app):
    """Control: an operation documented as 200 whose URL answers 404 is reported, so a green fuzz
    means the checks ran."""
    schema = schemathesis.openapi.from_dict(
        {
            "openapi": "3.0.3",
            "info": {"title": "control", "version": "1"},
            "paths": {
                "/api/v1/no-such-endpoint/": {"get": {"responses": {"200": {"description": "OK"}}}}
            },
        }
    )
    schema.app = wsgi_app
    operation = next(schema.get_all_operations()).ok()
    failures = _fuzz(operation, world.users[roles.ANALYST])
    assert len(failures) == 1 and "Undocumented status code" in failures[0] and "404" in failures[0]
