"""/metrics: refused without the bearer token, off without a configured one, and with it the
signals an operations team watches; /readyz names a missing plan; JSON logs carry the request id."""

import json
import logging
import math
from datetime import timedelta

import pytest
from django.utils import timezone

from agency.selectors import shift_windows_around
from audit.actions import Action
from audit.services import record
from ingest.models import Source
from jobs.models import JobRun
from missions.models import MissionPlan

from .metrics_helpers import TOKEN, scrape, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_metrics_need_the_bearer_token(client, token, analyst):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.force_login(analyst)  # a signed-in person without the token is refused too
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")  # control
    assert response.status_code == 200 and b"missions_queue_depth" in response.content


def test_metrics_are_off_without_a_configured_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def planned(window):
    return MissionPlan.objects.create(
        date=window.date,
        shift=window.shift,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        seed_material="test",
        seed_hex="00",
    )


def test_plan_missing_signal_and_readiness(client, token, small_agency):
    now = timezone.now()
    current, following = [w for w in shift_windows_around(at=now) if now < w.ends_at][:2]
    samples = scrape(client)
    assert value(samples, "missions_shift_planned", which="next", shift=following.shift.name) == 0
    unplanned = value(samples, "missions_minutes_until_unplanned_shift")
    assert unplanned <= 0  # the shift under way has no plan either
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["current_shift_plan"] == "missing" == ready.json()["next_shift_plan"]

    planned(current)
    samples = scrape(client)
    expected = (following.starts_at - timezone.now()).total_seconds() / 60
    assert value(samples, "missions_minutes_until_unplanned_shift") == pytest.approx(
        expected, abs=1
    )
    assert client.get("/readyz").json()["next_shift_plan"] == "missing"

    planned(following)  # control: both planned, ready and no unplanned shift
    samples = scrape(client)
    assert math.isinf(value(samples, "missions_minutes_until_unplanned_shift"))
    assert value(samples, "missions_shift_planned", which="current", shift=current.shift.name) == 1
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json() == {
        "database": "ok",
        "broker": "ok",
        "current_shift_plan": "ok",
        "next_shift_plan": "ok",
    }


def test_jobs_sources_and_sign_ins(client, token, small_agency):
    now = timezone.now()
    for minutes, status in [(30, "succeeded"), (20, "failed"), (10, "failed"), (5, "failed")]:
        JobRun.objects.create(
            kind="import_incidents",
            status=status,
            started_at=now - timedelta(minutes=minutes),
            finished_at=now - timedelta(minutes=minutes - 2),
        )
    JobRun.objects.create(kind="forecast", status="succeeded", started_at=now, finished_at=now)
    Source.objects.create(name="CAD feed")
    record(
        action=Action.AUTH_LOGIN_FAILED, object_type="auth.user", object_id="x", outcome="denied"
    )
    samples = scrape(client)
    assert value(samples, "missions_jobs", kind="import_incidents", status="failed") == 3
    assert value(samples, "missions_job_consecutive_failures", kind="import_incidents") == 3
    assert value(samples, "missions_job_consecutive_failures", kind="forecast") == 0  # control
    assert value(
        samples, "missions_job_duration_seconds_sum", kind="import_incidents", status="failed"
    ) == pytest.approx(360)
    assert math.isinf(value(samples, "missions_newest_incident_age_seconds", source="CAD feed"))
    assert value(samples, "missions_sign_in_failures") == 1
    assert value(samples, "missions_lockouts") == 0
    # Request latency by route: the scrape before this one is counted under its URL name.
    assert (
        value(
            samples,
            "missions_http_request_duration_seconds_count",
            route="metrics",
            method="GET",
            status="2xx",
        )
        >= 1
    )


def test_json_logs_carry_the_request_id(client, analyst, settings):
    from audit.logs import JsonFormatter, RequestIdFilter

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-12345678")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404 and response["X-Request-ID"] == "req-12345678"
    entry = json.loads(lines[-1])
    assert entry["request_id"] == "req-12345678" and entry["level"] == "WARNING"
    assert "/no-such-page/" in entry["message"] and entry["status_code"] == 404
    # Outside a request the field is there, empty (control: no id leaks between requests).
    logging.getLogger("django.request").addHandler(handler)
    try:
        logging.getLogger("django.request").warning("outside")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert json.loads(lines[-1])["request_id"] == ""
