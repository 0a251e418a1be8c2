"""Liveness and the checks readiness is made of.

`/healthz` is liveness only: the process answers, with no database or broker call, so a container
or a load balancer restarts a server that hangs, never every server at once because the database
blinked. `/readyz` (ops.views) is readiness: the database, the broker (`basic_checks` below) and a
published plan for the shift under way and the next one (docs/deploy.md, "Watching it")."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from redis import Redis
from redis.exceptions import RedisError

BROKER_TIMEOUT_S = 2
HEALTHZ_PATH = "/healthz"
ALIVE = {"status": "alive"}


def healthz(request):
    """The process is alive and serving requests: nothing else is touched. LivenessMiddleware
    answers first; this view (the same answer) names the route for the access matrix."""
    return JsonResponse(ALIVE)


class LivenessMiddleware:
    """First in MIDDLEWARE: answers GET/HEAD /healthz before any middleware reads the database
    (the agency's time zone, the session, the user) or checks the Host header, so a probe by the
    container's own address with the database down still gets its 200. Other methods go on to
    the access matrix (and are refused there)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTHZ_PATH and request.method in ("GET", "HEAD"):
            response = JsonResponse(ALIVE)
            response["Cache-Control"] = "no-store"
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)


def basic_checks() -> dict[str, str]:
    return {"database": _database(), "broker": _broker(settings.CELERY_BROKER_URL)}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy; the reason stays in the server log
        return "failing"
    return "ok"


def _broker(url: str) -> str:
    if not url.startswith(("redis://", "rediss://")):
        return "not used"  # the embedded filesystem broker has nothing to reach
    try:
        Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_S, socket_connect_timeout=BROKER_TIMEOUT_S
        ).ping()
    except RedisError:
        return "failing"
    return "ok"
