"""Forecasting a shift: the promoted model of every crime type predicts every cell in one batch,
and the run is written with its reasons in one transaction (older runs are kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from agency.models import Shift
from agency.selectors import shift_window
from jobs.models import JobRun

from .engine import persist, pipeline
from .inputs import InputsError, load_inputs
from .models import CellForecast, ForecastRun, ModelArtifact, ModelVersion

FORECAST_KIND = "forecast_shift"
LEAD_MINUTES_DEFAULT = 120  # forecast each shift this long before it starts (missions plan after)
BULK_BATCH = 2000

Progress = Callable[[float, str], None]


class ForecastError(ValueError):
    """The shift cannot be forecast: no promoted model, no grid, unknown shift."""


def lead_minutes() -> int:
    return int(getattr(settings, "FORECAST_LEAD_MINUTES", LEAD_MINUTES_DEFAULT))


def forecast_shift(
    *, date: dt.date, shift: Shift, job: JobRun | None = None, progress: Progress | None = None
) -> ForecastRun:
    """Forecast every enabled crime type with a promoted model in every active cell for the
    shift starting on local `date`; returns the complete ForecastRun."""
    progress = progress or (lambda pct, msg="": None)
    versions = list(
        ModelVersion.objects.filter(promoted=True, crime_type__enabled=True).select_related(
            "crime_type"
        )
    )
    if not versions:
        raise ForecastError("No promoted model: train models first (manage.py train_models).")
    progress(5, "Reading incidents")
    try:
        inputs = load_inputs(anchor=date, end=date + dt.timedelta(days=2))
        target = inputs.bin_of(date, shift)
    except InputsError as exc:
        raise ForecastError(str(exc)) from exc
    progress(40, "Loading models")
    cell_ids = inputs.grid.cell_ids
    forecasters = {}
    for v in versions:
        forecasters[v.crime_type.code] = _load(v, ctx=inputs.ctx, cell_ids=cell_ids)
    progress(50, f"Forecasting {len(forecasters)} crime type(s)")
    result = pipeline.forecast_shift(
        inputs.ctx,
        forecasters,
        target,
        shift_name=shift.name,
    )
    progress(75, "Saving cell forecasts")
    window = shift_window(date=date, shift=shift)
    with transaction.atomic():
        run = ForecastRun.objects.create(
            shift=shift, date=date, starts_at=window.starts_at, ends_at=window.ends_at, job=job
        )
        run.model_versions.set(versions)
        CellForecast.objects.bulk_create(
            (
                CellForecast(
                    run=run,
                    cell_id=int(pk),
                    crime_type=v.crime_type,
                    expected_count=float(result.expected[v.crime_type.code][i]),
                    reasons=result.reasons[v.crime_type.code][i],
                )
                for v in versions
                for i, pk in enumerate(inputs.cell_pks)
            ),
            batch_size=BULK_BATCH,
        )
        run.complete = True
        run.save(update_fields=["complete"])
    progress(100, f"{len(inputs.cell_pks)} cells × {len(versions)} crime types")
    return run


def _load(version: ModelVersion, *, ctx, cell_ids):
    """The version's forecaster, read from the database (any worker on any machine can) and
    checked against its recorded SHA-256 before it is unpickled."""
    name = f"the {version.crime_type.name} model (version {version.pk})"
    stored = ModelArtifact.objects.filter(version=version).values_list("data", flat=True).first()
    if stored is None:
        raise ForecastError(
            f"{name[0].upper()}{name[1:]} has no saved state: train {version.crime_type.name} again."
        )
    try:
        forecaster, _ = persist.loads(
            bytes(stored), expected_sha256=version.file_hash, ctx=ctx, cell_ids=cell_ids, name=name
        )
    except persist.ArtifactError as exc:
        raise ForecastError(f"Cannot load {exc}.") from exc
    return forecaster
