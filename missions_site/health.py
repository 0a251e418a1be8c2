"""The health check for load balancers and monitors: the database and the broker answer. No data.
/readyz (ops.views) adds the shift plans to these checks."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from redis import Redis
from redis.exceptions import RedisError

BROKER_TIMEOUT_S = 2


def basic_checks() -> dict[str, str]:
    return {"database": _database(), "broker": _broker(settings.CELERY_BROKER_URL)}


def healthz(request):
    checks = basic_checks()
    healthy = all(state in ("ok", "not used") for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


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
