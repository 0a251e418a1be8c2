"""Real Chromium under the site's Content-Security-Policy: every page each role can reach (found by
following the links of its pages), the admin with a map widget, the API docs and the error pages
load with no policy violation, no uncaught error and no console error. A positive control proves
the collector sees a violation when there is one."""

from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from agency.models import Beat, District
from forecasting.models import ModelVersion
from ingest.models import Source
from ingest.services.imports import import_incidents_file
from jobs.services import create_job
from missions import services
from tests.missions.factories import OfficerProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGES_PER_ROLE = 40
NOT_PAGES = ("/admin/", "/api/", "/accounts/logout/", "/static/", "/media/")
# Links to pages: a download (a CSV, a GeoPackage) is a file, not a page.
LINKS = "() => Array.from(document.querySelectorAll('a[href]:not([download])')).map((a) => a.href)"


@pytest.fixture
def busy_site(forecast, policy, now_window, tactics, crime_types, analyst, tmp_path):  # noqa: F811
    """Something on every page: a planned shift with an analyst's addition, promoted models with
    back-test metrics, an import run with a rejected row, a job."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    for version in ModelVersion.objects.all():
        version.metrics, version.promoted, version.promoted_at = (
            backtest_metrics(),
            True,
            timezone.now(),
        )
        version.save()
    source = Source.objects.create(name="RMS export")
    csv = tmp_path / "incidents.csv"
    csv.write_text(
        "id,occurred_at,latitude,longitude,category\n"
        "A-1,2025-03-01T10:00,43.655,-79.39,Burglary\nA-2,not a time,43.655,-79.39,Burglary\n"
    )
    import_incidents_file(path=csv, source=source)
    create_job(kind="build_grid")
    return now_window


def backtest_metrics() -> dict:
    models = {
        name: {
            "pai": {"0.5%": 3.0 * k, "1%": 2.5 * k, "2%": 2.0 * k, "5%": 1.6 * k, "10%": 1.3 * k},
            "hit_rate": {"5%": 0.2 * k},
            "pei": {"5%": 0.5 * k},
            "log_score": -0.1 / k,
            "curve": {"hit_rate": [0.05 * k, 0.08 * k, 0.2 * k, 0.3 * k]},
            "calibration": [
                {"decile": d, "expected": 0.01 * d, "observed": 0.011 * d * k} for d in range(1, 11)
            ],
        }
        for name, k in (("gbm", 1.0), ("naive_28d", 0.8))
    }
    return {
        "promoted": "gbm",
        "models": models,
        "curve_fractions": [0.01, 0.02, 0.05, 0.1],
        "test_start": "2025-01-01",
        "test_days": 28,
        "test_shifts": 84,
        "cells": 128,
        "ratio_vs_best_naive": {"1%": 1.1, "5%": 1.2},
    }


def admin_pages() -> list[str]:
    """The admin's index, and per registered model its list, its add form and its first object."""
    from django.contrib import admin
    from django.urls import reverse

    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(_superuser_request()):
            pages.append(reverse(f"{name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    return pages


def _superuser_request():
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return request


# The page's maps (none on most pages) drawn from the API, which they ask after the page's load.
MAPS_DRAWN = """() => Array.from(document.querySelectorAll('.map[data-module]'))
  .every((map) => map.dataset.ready === '1')"""


def visit(page, url: str) -> None:
    # Pages that poll a job never go network-idle: goto waits for "load", then for the maps' data
    # (one round trip to the browser, checked at once on a page without a map).
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    page.wait_for_function(MAPS_DRAWN, timeout=15_000)


def assert_clean(page, where) -> None:
    assert page.csp_violations == [], where
    assert page.js_errors == [], where
    assert page.console_errors == [], where


def crawl(page, live_server) -> list[str]:
    """Every page reachable from the home page by links, visited once each (path and query)."""
    seen, queue = set(), [live_server.url + "/"]
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        parts = urlsplit(url)
        key = parts.path + ("?" + parts.query if parts.query else "")
        if key in seen:
            continue
        seen.add(key)
        visit(page, url)
        assert_clean(page, key)
        for link in page.evaluate(LINKS):
            target = urlsplit(urljoin(page.url, link))
            if (
                target.netloc == parts.netloc
                and not target.path.startswith(NOT_PAGES)
                and not target.path.endswith(".csv")
            ):
                queue.append(target._replace(fragment="").geturl())
    return sorted(seen)


def test_the_collector_reports_an_inline_script(small_agency, analyst, login):
    page = login("analyst")
    assert page.csp_violations == []
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inlineRan = 1'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__inlineRan") is None
    assert [v["directive"] for v in page.csp_violations] == ["script-src-elem"]
    assert page.console_errors  # Chromium also logs the refusal


@pytest.mark.parametrize(
    "role, expected",
    [
        (
            "Analyst",
            {
                "/analyst/",
                "/missions/",
                "/forecasting/",
                "/forecasting/backtest/",
                "/forecasting/forecast/",
                "/ingest/",
                "/ingest/upload/",
                "/tactics/",
                "/missions/reports/",
                "/jobs/",
            },
        ),
        ("Supervisor", {"/supervisor/", "/missions/sheet/", "/missions/reports/"}),
        ("Officer", {"/officer/"}),
    ],
)
def test_every_page_of_each_role_runs_under_the_policy(
    busy_site, role_user, login, live_server, role, expected
):
    if role == "Officer":
        officer = role_user("Officer", username="patrol")
        OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(code="D1-B1"))
    else:
        role_user(role, username="patrol")
    page = login("patrol")
    visited = crawl(page, live_server)
    # The crawl reached the role's pages (and the details they link to), not just the home page.
    missing = [p for p in expected if not any(v.startswith(p) for v in visited)]
    assert missing == [], visited


def test_admin_map_widget_and_api_docs_run_under_the_policy(
    busy_site, role_user, login, live_server
):
    chief = role_user("Administrator", username="chief")
    chief.is_staff = chief.is_superuser = True
    chief.save()
    district = District.objects.get(code="D1")
    crontab = CrontabSchedule.objects.create(minute="30", hour="4")
    page = login("chief")
    visit(page, f"{live_server.url}/admin/agency/district/{district.pk}/change/")
    page.wait_for_selector(
        ".leaflet-container path.leaflet-interactive", timeout=15_000
    )  # the widget drew
    assert_clean(page, "district change form")
    for path in admin_pages():
        visit(page, live_server.url + path)
        assert_clean(page, path)
    # django-celery-beat's crontab-in-words, moved out of its inline script, still works.
    visit(page, live_server.url + "/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", str(crontab.pk))
    assert "Translation: At 04:30" in page.inner_text(".field-crontab .help")
    assert_clean(page, "periodic task form")
    # The API answers JSON to a browser too: DRF's browsable pages are off (their inline styles).
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = page.context.request.get(
        live_server.url + "/api/v1/jobs/", headers={"Accept": browser_accept}
    )
    assert response.status == 200 and response.headers["content-type"] == "application/json"
    visit(page, live_server.url + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # the schema loaded and drew
    assert_clean(page, "/api/v1/docs/")


def test_login_and_error_pages_run_under_the_policy(
    small_agency, officer, page, live_server, login
):
    page.goto(live_server.url + "/accounts/login/")
    assert_clean(page, "login")
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404 and "There is no such page" in page.inner_text("main")
    login("officer")
    response = page.goto(live_server.url + "/ingest/")
    assert response.status == 403 and "not allowed" in page.inner_text("main")
    page.console_errors.clear()  # Chromium logs each 4xx response as a console error
    assert_clean(page, "error pages")


# A 1×1 transparent PNG: every tile of the test tile server.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def tile_server():
    """A tile server on another origin (another port) than the site."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()


# Every tile of the map's view requested and done: loaded, or broken (refused by the policy).
TILES_DONE = """() => { const tiles = Array.from(document.querySelectorAll('img.leaflet-tile'));
  return tiles.length > 0 && tiles.every((img) => img.complete); }"""


@pytest.mark.parametrize("allowed", [True, False])
def test_tiles_load_from_the_configured_host_only(
    small_agency, analyst, login, live_server, settings, tile_server, allowed
):
    from missions_site.settings.browser_policy import content_security_policy

    settings.MAP_TILE_URL = tile_server
    # Control: the same tile URL under a policy that was not built from it is refused.
    settings.CONTENT_SECURITY_POLICY = content_security_policy(tile_server if allowed else "")
    page = login("analyst")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    # Tiles load after the view is set: until each has loaded or failed (and a refusal is reported).
    page.wait_for_function(TILES_DONE, timeout=10_000)
    for _ in range(50):
        if allowed or page.csp_violations:
            break
        page.wait_for_timeout(100)
    loaded = page.eval_on_selector_all(
        "img.leaflet-tile", "imgs => imgs.filter((i) => i.naturalWidth > 0).length"
    )
    if allowed:
        assert loaded > 0 and page.csp_violations == []
    else:
        assert loaded == 0
        assert {v["directive"] for v in page.csp_violations} == {"img-src"}
