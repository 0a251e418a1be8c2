"""Every URL pattern and API route, as every role, against the matrix in missions_site/access.py.

Each cell is a request: an allowed one must get past the gate (2xx, a redirect that is not to a login
page, or a 400/409 about the input — the positive control), a refused one must be 401/403/404 or a
redirect to a login page. A route missing from the matrix fails, so every new route is classified.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from missions_site import access
from tests.conftest import verify_second_factor

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
PASSED_GATE_INPUT_ERRORS = (400, 409)
REFUSED = (401, 403, 404)
STYLED_403 = '<a href="/">Back to your home page</a>'  # templates/error_page.html, under 403.html
# Requests that end the session or delete the fixture's objects go last, in this order.
LAST = {"DELETE": 1, "logout": 2, "admin:logout": 2, "api-logout": 2}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def url_patterns():
    """(view name, route) of every pattern; unnamed admin patterns are named after the admin."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)
            else:
                yield f"{namespace}(unnamed)", prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns, "", ""))


def concrete_url(view_name: str, route: str, objects: dict) -> str:
    """The route with its parameters filled from the fixture's objects."""
    values = route_parameters(view_name, route, objects)

    def fill(match):
        name = match.group(1) or match.group(2)
        if name not in values:
            raise AssertionError(
                f"{view_name} ({route}): no fixture value for <{name}>; add one in route_parameters"
            )
        return str(values[name])

    return "/" + PARAMETER.sub(fill, route).replace("^", "").replace("$", "")


def route_parameters(view_name: str, route: str, objects: dict) -> dict:
    if view_name.startswith("admin:"):
        return admin_parameters(route, objects["first_rows"])
    o = objects
    by_route = {
        "job-page": {"job_id": o["job"].pk},
        "job-detail": {"pk": o["job"].pk},
        "ingest-run": {"run_id": o["import_run"].pk},
        "ingest-rejected-csv": {"run_id": o["import_run"].pk},
        "ingest-quality": {"source_id": o["source"].pk},
        "importrun-detail": {"pk": o["import_run"].pk},
        "importrun-rejected": {"pk": o["import_run"].pk},
        "model-version": {"pk": o["version"].pk},
        "model-backtest": {"pk": o["version"].pk},
        "promote-version": {"pk": o["version"].pk},
        "model-version-detail": {"pk": o["version"].pk},
        "api-forecast-run": {"pk": o["run"].pk},
        "shift-detail": {"pk": o["shift"].pk},
        "crimetype-detail": {"pk": o["crime_type"].pk},
        "tactic-detail": {"pk": o["tactic"].pk},
        "api-missions-report": {"kind": "dosage"},
        "api-suppression-lift": {"pk": o["suppression"].pk},
        "missions-lift": {"pk": o["suppression"].pk},
        "api-token-revoke": {"token_key": o.get("spare_token_key", "00000000")},
        "public-model-card": {"version_id": o["version"].pk},
        "missions-report-csv": {"table": "dose"},
        "missions-gis": {"fmt": "gpkg"},
        "api-missions-gis": {"fmt": "gpkg"},
        "patrol-roster-remove": {"entry_id": o["roster_entry"].pk},
    }
    return by_route.get(view_name, {"pk": o["mission"].pk})


def admin_parameters(route: str, first_rows: dict) -> dict:
    """An existing row of the admin page's model (or a missing id: the admin then says so).
    `first_rows` keeps each model's row for the walk's other routes (a model has several pages)."""
    models = {f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    model = next((m for prefix, m in models.items() if route.startswith(prefix)), None)
    if model is not None and model not in first_rows:
        first_rows[model] = model._default_manager.order_by("pk").first()
    row = first_rows.get(model)
    district = models["admin/agency/district/"]
    from django.contrib.contenttypes.models import ContentType

    return {
        "object_id": row.pk if row else 0,
        "id": row.pk if row else 0,
        "pk": row.pk if row else 0,
        "app_label": "agency",
        "url": "agency/district",
        "content_type_id": ContentType.objects.get_for_model(district).pk,
    }


def requests_to_make(objects: dict) -> list[tuple[str, str, str]]:
    """(view name, method, url) for every route and each method its row names, plus one method it
    does not name (which must be refused to everyone)."""
    made = []
    objects = {**objects, "first_rows": {}}  # read now: the test's own rows (its device) count
    for view_name, route in url_patterns():
        rule = access.ROUTES.get(access.route_key(view_name))
        assert rule is not None, (
            f"{view_name} ({route}) is not in missions_site.access.ROUTES: classify it"
        )
        url = concrete_url(view_name, route, objects)
        if view_name.startswith("admin:"):  # the admin is walked read-only
            methods = ["GET"] if "GET" in rule.methods or not rule.methods else list(rule.methods)
        else:
            methods = list(rule.methods) + [
                next(m for m in ("POST", "DELETE") if m not in rule.methods)
            ]
        made += [(view_name, method, url) for method in methods]
    return sorted(made, key=lambda r: LAST.get(r[1], 0) or LAST.get(r[0], 0))


def expected(role: str, view_name: str, method: str) -> str:
    if role in access.ROUTES[access.route_key(view_name)].roles(
        method
    ) and not admin_refuses_everyone(view_name):
        return "allowed"
    return "refused"


def admin_refuses_everyone(view_name: str) -> bool:
    """Admin pages a model's admin shuts for superusers too (read-only audit, planner output)."""
    found = re.fullmatch(r"admin:(\w+)_(add|change|delete)", view_name)
    models = {
        f"{m._meta.app_label}_{m._meta.model_name}": (m, a) for m, a in admin.site._registry.items()
    }
    if not found or found.group(1) not in models:
        return False
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_active=True)
    model_admin = models[found.group(1)][1]
    action = (
        "view_or_change" if found.group(2) == "change" else found.group(2)
    )  # a read-only change page shows
    return not getattr(model_admin, f"has_{action}_permission")(request)


def outcome(response) -> str:
    """A refusal is 401/403/404 or a redirect to a login page asking to come back (`next=`)."""
    location = response.headers.get("Location", "")
    to_login = location.startswith(LOGIN_PATHS) and "next=" in location
    if response.status_code in REFUSED or (response.status_code in (301, 302) and to_login):
        return "refused"
    if response.status_code < 400 or response.status_code in PASSED_GATE_INPUT_ERRORS:
        return "allowed"
    return f"broken ({response.status_code})"


@pytest.mark.slow
@pytest.mark.parametrize("role", access.COLUMNS)
def test_every_route_answers_each_role_as_the_matrix_says(world, role):
    client = APIClient()
    user = world.users[role]
    objects = dict(world.objects)
    if user is not None:
        client.force_login(user)
        verify_second_factor(client, user)
        # The API also by token (api-logout takes only a token); a second token to revoke.
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
        objects["spare_token_key"] = AuthToken.objects.create(user)[0].token_key
    wrong, bare, styled = [], [], 0
    for view_name, method, url in requests_to_make(objects):
        want = expected(role, view_name, method)
        send = client.get if method == "GET" else getattr(client, method.lower())
        response = send(url) if method == "GET" else send(url, {}, format="json")
        got = outcome(response)
        if view_name == "readyz" and response.status_code == 503:
            # Past the gate: "not ready" is its answer while the world's next shift has no plan.
            got = "allowed" if response.json()["next_shift_plan"] == "missing" else got
        if got != want:
            wrong.append(
                f"{method} {url} ({view_name}): expected {want}, got {got} "
                f"[{response.status_code} {response.headers.get('Location', '')}]"
            )
        if response.status_code == 403 and not url.startswith("/api/"):
            if STYLED_403 in response.content.decode():
                styled += 1
            else:
                bare.append(f"{method} {url} ({view_name})")
    assert not wrong, f"{len(wrong)} cells differ from the matrix for {role}:\n" + "\n".join(wrong)
    # The API answers refusals in JSON; a page refuses with the site's 403 page and a way home.
    assert not bare, f"{len(bare)} pages refuse {role} without the site's 403 page:\n" + "\n".join(
        bare
    )
    assert (
        styled > 0 or role == access.ANONYMOUS
    )  # control: the check saw refused pages (anonymous: to login)


def test_the_walk_reaches_every_api_route_and_page(world):
    """The walk is complete: each named non-admin route and the admin are requested."""
    requested = {name for name, _, _ in requests_to_make(world.objects)}
    named = {name for name, _ in url_patterns()}
    assert named <= requested
    assert {
        "api-mission-start",
        "api-schema",
        "healthz",
        "missions-sheet",
        "admin:index",
    } <= requested
