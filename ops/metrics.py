"""Prometheus metrics for an operations team (docs/deploy.md, "Watching it").

Request latency is measured in each web process (RequestMetricsMiddleware). Everything else is
read from the database and the broker when Prometheus scrapes (StateCollector), so every web
process answers the same and nothing is lost when one restarts: jobs by kind and outcome with their
durations, queue depth and oldest message age per queue, minutes until a shift without a plan,
the newest incident per source, forecast freshness per crime type, failed sign-ins and lockouts.
"""

from __future__ import annotations

import json
import math
import os
import time

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis import Redis
from redis.exceptions import RedisError

from agency.models import CrimeType
from agency.selectors import shift_windows_around
from audit.actions import Action
from audit.models import AuditEvent
from forecasting.models import ForecastRun, ModelVersion
from ingest.models import Incident, Source
from jobs.models import JobRun
from missions.models import MissionPlan

# Celery's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
SENT_AT_HEADER = "missions_sent_at"  # set on every task message (ops.apps: before_task_publish)
FAILURE_STREAK_WINDOW = 20  # last runs per kind read for the consecutive-failure count

REQUEST_LATENCY = Histogram(
    "missions_http_request_duration_seconds",
    "Time to answer a request, by route (URL name), method and status class.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class RequestMetricsMiddleware:
    """Times each request under its URL name (not its path: ids would make endless series)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match else "") or "unmatched"
        REQUEST_LATENCY.labels(route, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def stamp_message(sender=None, headers=None, **kwargs):
    """before_task_publish: the time a message was sent, so the oldest waiting one has an age."""
    if headers is not None:
        headers[SENT_AT_HEADER] = time.time()


def _seconds(delta) -> float:
    return delta.total_seconds()


class StateCollector:
    """Gauges read from the database and the broker at scrape time."""

    def collect(self):
        now = timezone.now()
        yield from jobs_metrics()
        yield from queue_metrics(now_s=time.time())
        yield from shift_plan_metrics(now)
        yield from incident_metrics(now)
        yield from forecast_metrics(now)
        yield from sign_in_metrics()


def jobs_metrics():
    runs = GaugeMetricFamily(
        "missions_jobs", "Jobs recorded, by kind and status.", labels=["kind", "status"]
    )
    for row in JobRun.objects.values("kind", "status").annotate(n=Count("pk")).order_by():
        runs.add_metric([row["kind"], row["status"]], row["n"])
    yield runs
    finished = (
        JobRun.objects.filter(started_at__isnull=False, finished_at__isnull=False)
        .values("kind", "status")
        .annotate(
            n=Count("pk"),
            # A duration, not epoch seconds: SQLite (the demo) has no epoch extraction.
            took=Sum(
                ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
            ),
        )
        .order_by()
    )
    count = GaugeMetricFamily(
        "missions_job_duration_seconds_count",
        "Finished jobs with a start and an end, by kind and status.",
        labels=["kind", "status"],
    )
    total = GaugeMetricFamily(
        "missions_job_duration_seconds_sum",
        "Seconds those jobs ran in all (sum/count: the mean duration).",
        labels=["kind", "status"],
    )
    for row in finished:
        count.add_metric([row["kind"], row["status"]], row["n"])
        took = row["took"]
        total.add_metric([row["kind"], row["status"]], took.total_seconds() if took else 0.0)
    yield count
    yield total
    streak = GaugeMetricFamily(
        "missions_job_consecutive_failures",
        "Latest finished jobs of a kind that failed in a row (0: the last one succeeded).",
        labels=["kind"],
    )
    done = (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED)
    for kind in JobRun.objects.values_list("kind", flat=True).distinct().order_by():
        statuses = (
            JobRun.objects.filter(kind=kind, status__in=done)
            .order_by("-finished_at", "-created_at")
            .values_list("status", flat=True)[:FAILURE_STREAK_WINDOW]
        )
        failures = 0
        for status in statuses:
            if status != JobRun.Status.FAILED:
                break
            failures += 1
        streak.add_metric([kind], failures)
    yield streak


def broker_keys(queue: str) -> list[str]:
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    keys = [f"{prefix}{queue}"]
    keys += [f"{prefix}{queue}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS if p]
    return keys


def queue_metrics(now_s: float):
    depth = GaugeMetricFamily(
        "missions_queue_depth", "Messages waiting in a broker queue.", labels=["queue"]
    )
    oldest = GaugeMetricFamily(
        "missions_queue_oldest_message_age_seconds",
        "Age of the oldest waiting message of a queue (0 when empty).",
        labels=["queue"],
    )
    up = GaugeMetricFamily("missions_broker_up", "1 when the broker answered this scrape.")
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return  # the demo's filesystem broker: nothing to count here
    try:
        redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        for queue in (q.name for q in settings.CELERY_TASK_QUEUES):
            waiting, ages = 0, []
            for key in broker_keys(queue):
                waiting += redis.llen(key)
                last = redis.lindex(key, -1)  # kombu pushes on the left, workers take the right
                sent = _sent_at(last)
                if sent is not None:
                    ages.append(max(0.0, now_s - sent))
            depth.add_metric([queue], waiting)
            oldest.add_metric([queue], max(ages, default=0.0))
    except RedisError:
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield depth
    yield oldest


def _sent_at(raw: bytes | None) -> float | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)["headers"].get(SENT_AT_HEADER)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return float(value) if value is not None else None


def shift_plan_metrics(now):
    """The current and next shift: does each have a plan, and in how many minutes does it start."""
    windows = [w for w in shift_windows_around(at=now) if now < w.ends_at][:2]
    starts = GaugeMetricFamily(
        "missions_shift_starts_in_minutes",
        "Minutes until the shift starts (negative: under way), for the current and next shift.",
        labels=["which", "shift"],
    )
    planned = GaugeMetricFamily(
        "missions_shift_planned",
        "1 when the shift has a published mission plan, else 0.",
        labels=["which", "shift"],
    )
    unplanned = []
    for window in windows:
        which = "current" if window.contains(now) else "next"
        has_plan = MissionPlan.objects.filter(date=window.date, shift=window.shift).exists()
        minutes = _seconds(window.starts_at - now) / 60
        starts.add_metric([which, window.shift.name], minutes)
        planned.add_metric([which, window.shift.name], 1 if has_plan else 0)
        if not has_plan:
            unplanned.append(minutes)
    yield starts
    yield planned
    yield GaugeMetricFamily(
        "missions_minutes_until_unplanned_shift",
        "Minutes until the first of the current and next shift without a published plan starts"
        " (negative: it is under way without one; +Inf: both are planned).",
        value=min(unplanned, default=math.inf),
    )


def incident_metrics(now):
    newest = GaugeMetricFamily(
        "missions_newest_incident_age_seconds",
        "Seconds since the newest incident of a source was received (its import or push).",
        labels=["source"],
    )
    received = dict(
        Incident.objects.values("source")
        .annotate(at=Max("imported_at"))
        .values_list("source", "at")
    )
    for source in Source.objects.order_by("pk"):
        at = received.get(source.pk)
        newest.add_metric([source.name], _seconds(now - at) if at else math.inf)
    yield newest


def forecast_metrics(now):
    forecast = GaugeMetricFamily(
        "missions_forecast_age_seconds",
        "Seconds since the newest complete forecast run covering the crime type was written.",
        labels=["crime_type"],
    )
    model = GaugeMetricFamily(
        "missions_model_data_age_seconds",
        "Seconds since the training cut-off of the crime type's promoted model.",
        labels=["crime_type"],
    )
    runs = dict(
        ForecastRun.objects.filter(complete=True)
        .values("model_versions__crime_type__code")
        .annotate(at=Max("created_at"))
        .values_list("model_versions__crime_type__code", "at")
    )
    promoted = dict(
        ModelVersion.objects.filter(promoted=True).values_list("crime_type__code", "data_end")
    )
    for code in CrimeType.objects.order_by("code").values_list("code", flat=True):
        at = runs.get(code)
        forecast.add_metric([code], _seconds(now - at) if at else math.inf)
        cut = promoted.get(code)
        model.add_metric([code], _seconds(now - cut) if cut else math.inf)
    yield forecast
    yield model


def sign_in_metrics():
    counts = dict(
        AuditEvent.objects.filter(action__in=[Action.AUTH_LOGIN_FAILED, Action.AUTH_LOCKOUT])
        .values("action")
        .annotate(n=Count("pk"))
        .values_list("action", "n")
    )
    yield GaugeMetricFamily(
        "missions_sign_in_failures",
        "Refused sign-ins in the audit log (kept for the audit retention period).",
        value=counts.get(Action.AUTH_LOGIN_FAILED, 0),
    )
    yield GaugeMetricFamily(
        "missions_lockouts",
        "Accounts locked after repeated failed sign-ins, in the audit log.",
        value=counts.get(Action.AUTH_LOCKOUT, 0),
    )


def exposition() -> bytes:
    """The text Prometheus reads: this process's (or, under PROMETHEUS_MULTIPROC_DIR, every web
    process's) request latencies, and the state read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessLatency())
    registry.register(StateCollector())
    return generate_latest(registry)


class _ProcessLatency:
    def collect(self):
        yield from REQUEST_LATENCY.collect()
