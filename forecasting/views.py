"""Analyst pages of forecasting: model versions, model cards, back-test charts, the forecast map,
and the buttons that queue training and forecasting jobs. Thin: selectors read, services write."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agency.models import Agency, CrimeType, Shift
from agency.selectors import UnknownShift, current_or_next_shift_window, local_today, shift_named
from missions_site import access
from missions_site.query_params import date_in_range

from . import charts, selectors, training
from .markdown import render_markdown
from .models import ModelVersion
from .tasks import enqueue_build_grid, enqueue_forecast, enqueue_training


@access.page
def index(request):
    promoted = list(selectors.promoted_versions())
    day, shift = _default_shift()
    return render(
        request,
        "forecasting/index.html",
        {
            "promoted": promoted,
            "versions": selectors.model_versions(limit=50),
            "runs": selectors.recent_runs(limit=10),
            "shifts": Shift.objects.all(),
            "default_date": day,
            "default_shift": shift,
            "untrained": CrimeType.objects.filter(enabled=True).exclude(
                pk__in=[v.crime_type_id for v in promoted]
            ),
        },
    )


@access.page
def version_detail(request, pk):
    version = _version(pk)
    models = version.metrics.get("models", {})
    return render(
        request,
        "forecasting/version_detail.html",
        {
            "version": version,
            "card_html": render_markdown(version.model_card),
            "rows": _metric_rows(models, version.metrics.get("promoted")),
            "ratio": version.metrics.get("ratio_vs_best_naive", {}),
        },
    )


@access.page
def backtest(request, pk=None):
    versions = [_version(pk)] if pk else list(selectors.promoted_versions())
    sections = [
        {
            "version": v,
            "hit_rate_svg": charts.hit_rate_chart(v.metrics),
            "calibration_svg": charts.calibration_chart(v.metrics),
            "rows": _metric_rows(v.metrics.get("models", {}), v.metrics.get("promoted")),
        }
        for v in versions
    ]
    pai_rows = [{"name": v.crime_type.name, "metrics": v.metrics} for v in versions]
    return render(
        request,
        "forecasting/backtest.html",
        {
            "sections": sections,
            "single": pk is not None,
            "pai_svg_5": charts.pai_by_type_chart(pai_rows, "5%"),
            "pai_svg_1": charts.pai_by_type_chart(pai_rows, "1%"),
        },
    )


@access.page
def forecast_map(request):
    try:
        day = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
        if day is not None:
            date_in_range(day)
        shift = shift_named(request.GET["shift"]) if request.GET.get("shift") else None
    except (ValueError, ValidationError, UnknownShift) as exc:
        raise Http404("Bad date or shift") from exc
    if day is None or shift is None:
        default_day, default_shift = _default_shift()
        day, shift = day or default_day, shift or default_shift
    run = selectors.current_run(date=day, shift=shift) if shift else None
    return render(
        request,
        "forecasting/forecast_map.html",
        {
            "agency": Agency.current(),
            "day": day,
            "shift": shift,
            "shifts": Shift.objects.all(),
            "run": run,
            "versions": selectors.run_versions(run) if run else [],
            "top": selectors.top_cells(run=run, limit=10) if run else [],
        },
    )


@access.page
@require_POST
def train(request):
    codes = request.POST.getlist("crime_type") or None
    try:
        job = enqueue_training(crime_types=codes, user=request.user)
    except training.TrainingError as exc:
        messages.error(request, str(exc))
        return redirect("forecasting-home")
    return redirect("job-page", job_id=job.pk)


@access.page
@require_POST
def forecast_now(request):
    day, shift = _default_shift()
    try:
        if request.POST.get("date"):
            day = dt.date.fromisoformat(request.POST["date"])
    except ValueError:
        messages.error(request, "Give the date as YYYY-MM-DD.")
        return redirect("forecasting-home")
    if request.POST.get("shift"):
        try:
            shift = shift_named(request.POST["shift"])
        except UnknownShift as exc:
            raise Http404(str(exc)) from exc
    if shift is None:
        messages.error(request, "No shifts are configured.")
        return redirect("forecasting-home")
    job = enqueue_forecast(date=day, shift=shift, user=request.user)
    return redirect("job-page", job_id=job.pk)


@access.page
@require_POST
def promote(request, pk):
    version = _version(pk)
    training.promote_version(
        version=version,
        report=f"Promoted by {request.user.get_username()} from the model card page.",
        actor=request.user,
    )
    messages.success(request, f"Version {version.pk} now forecasts {version.crime_type.name}.")
    return redirect("model-version", pk=version.pk)


def _version(pk) -> ModelVersion:
    try:
        return selectors.model_version(pk)
    except ModelVersion.DoesNotExist as exc:
        raise Http404("No such model version") from exc


def _default_shift():
    """(date, shift) of the shift under way, else the next; (today, None) without shifts."""
    window = current_or_next_shift_window()
    return (window.date, window.shift) if window else (local_today(), None)


def _metric_rows(models: dict, promoted: str | None) -> list[dict]:
    """One row per model: PAI and hit rate at each area, PEI at 5 %, log score; best first."""
    rows = []
    for name, m in models.items():
        rows.append(
            {
                "name": name,
                "promoted": name == promoted,
                "pai": m.get("pai", {}),
                "hit_rate": m.get("hit_rate", {}),
                "pei5": (m.get("pei") or {}).get("5%"),
                "log_score": m.get("log_score"),
                "events": m.get("events"),
            }
        )
    return sorted(rows, key=lambda r: (not r["promoted"], -((r["pai"] or {}).get("5%") or 0)))


@access.page
@require_POST
def rebuild_grid(request):
    job = enqueue_build_grid(user=request.user)
    return redirect("job-page", job_id=job.pk)
