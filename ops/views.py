"""/metrics for Prometheus (a bearer token, METRICS_TOKEN) and /readyz for load balancers: the
database, the broker, and a mission plan for the shift under way and the next one."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST

from agency.selectors import shift_windows_around
from missions.models import MissionPlan
from missions_site.health import basic_checks

from .metrics import exposition


def metrics(request):
    """Refused without the token (401), or when none is configured (404: the endpoint is off)."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(
            "Metrics are off: set METRICS_TOKEN.\n", status=404, content_type="text/plain"
        )
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def readyz(request):
    """200 when the database and the broker answer and the shift under way and the next one each
    have a published plan; 503 naming what is not ready. No data beyond ok/missing."""
    checks = basic_checks()
    if checks["database"] == "ok":
        checks.update(plan_checks())
    ready = all(state in ("ok", "not used", "no shift") for state in checks.values())
    return JsonResponse(checks, status=200 if ready else 503)


def plan_checks() -> dict[str, str]:
    now = timezone.now()
    windows = [w for w in shift_windows_around(at=now) if now < w.ends_at][:2]
    result = {"current_shift_plan": "no shift", "next_shift_plan": "no shift"}
    for window in windows:
        key = "current_shift_plan" if window.contains(now) else "next_shift_plan"
        planned = MissionPlan.objects.filter(date=window.date, shift=window.shift).exists()
        result[key] = "ok" if planned else "missing"
    return result
