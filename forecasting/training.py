"""Training: back-test the candidate models of a crime type, fit the winner on all data, save it
and promote it in one transaction, so a failed or killed run leaves the promoted model in place.

Jobs: `tasks.enqueue_training` opens one parent JobRun ("train_models") and one child JobRun
("train_model") per crime type, each child a Celery task of its own, so several workers train in
parallel. The parent has no task: children report into it, and the last child to finish closes it
(succeeded when every type succeeded) with `training_failed`/`training_succeeded` below. If a
worker dies, the reaper (`jobs.services.reap_jobs`) closes the child, and the parent once every
child has ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agency.models import CrimeType
from agency.selectors import local_today
from audit.actions import Action
from audit.services import record
from jobs.models import JobRun

from .engine import persist, pipeline
from .engine.baselines import DEFAULT_MODELS
from .feedback import feedback_loop_section
from .inputs import EngineInputs, InputsError, load_inputs
from .models import ModelArtifact, ModelVersion

TRAIN_KIND = "train_models"
TRAIN_TYPE_KIND = "train_model"
BACKTEST_WEEKS_DEFAULT = 4  # one refit period: keeps the nightly run to a minute or two per type
SEED_DEFAULT = 0

Progress = Callable[[float, str], None]


class TrainingError(ValueError):
    """Training cannot run: unknown or disabled crime type, no incidents, no grid."""


def backtest_weeks() -> int:
    return int(getattr(settings, "FORECAST_BACKTEST_WEEKS", BACKTEST_WEEKS_DEFAULT))


def train_models(
    *,
    crime_types: list[str] | None = None,
    weeks: int | None = None,
    seed: int = SEED_DEFAULT,
    now: dt.datetime | None = None,
    models=DEFAULT_MODELS,
    history_days: int | None = None,
    progress: Progress | None = None,
) -> list[ModelVersion]:
    """Train the types one after the other in this process (the management command's path):
    the database is read once and shared by every type."""
    progress = progress or (lambda pct, msg="": None)
    codes = resolve_crime_types(crime_types)
    now = now or timezone.now()
    progress(1, "Reading incidents")
    inputs = _inputs(now, history_days)
    versions = []
    for i, code in enumerate(codes):

        def sub(pct, msg="", i=i, code=code):
            progress(2 + 98 * (i + pct / 100) / len(codes), f"{code}: {msg}")

        versions.append(
            _train(inputs, code, weeks=weeks, seed=seed, now=now, models=models, progress=sub)
        )
    return versions


def train_crime_type(
    *,
    crime_type: str,
    weeks: int | None = None,
    seed: int = SEED_DEFAULT,
    now: dt.datetime | None = None,
    models=DEFAULT_MODELS,
    history_days: int | None = None,
    job: JobRun | None = None,
    progress: Progress | None = None,
) -> ModelVersion:
    """Back-test, fit, save and promote one crime type (one Celery task's work)."""
    progress = progress or (lambda pct, msg="": None)
    (code,) = resolve_crime_types([crime_type])
    now = now or timezone.now()
    progress(1, "Reading incidents")
    inputs = _inputs(now, history_days)
    return _train(
        inputs, code, weeks=weeks, seed=seed, now=now, models=models, job=job, progress=progress
    )


@transaction.atomic
def promote_version(*, version: ModelVersion, report: str = "", actor=None) -> ModelVersion:
    """Make `version` the one its crime type forecasts with; the swap is one transaction, and the
    crime type's row is locked so two trainings finishing together cannot both promote."""
    CrimeType.objects.select_for_update().get(pk=version.crime_type_id)
    others = ModelVersion.objects.filter(
        crime_type_id=version.crime_type_id, promoted=True
    ).exclude(pk=version.pk)
    replaced = list(others.values_list("pk", flat=True))
    others.update(promoted=False)
    version.promoted = True
    version.promoted_at = timezone.now()
    if report:
        version.promotion_report = report
    version.save(update_fields=["promoted", "promoted_at", "promotion_report"])
    record(
        action=Action.FORECASTING_PROMOTE,
        actor=actor,
        object_type="forecasting.modelversion",
        object_id=str(version.pk),
        before={"promoted": replaced},
        after={
            "promoted": [version.pk],
            "crime_type": version.crime_type_id,
            "algorithm": version.algorithm,
        },
    )
    return version


def resolve_crime_types(codes: list[str] | None) -> list[str]:
    enabled = {ct.code: ct for ct in CrimeType.objects.filter(enabled=True)}
    by_name = {ct.name.lower(): code for code, ct in enabled.items()}
    if not codes:
        if not enabled:
            raise TrainingError("No crime type is enabled.")
        return sorted(enabled)
    out = []
    for c in codes:
        code = c if c in enabled else by_name.get(c.strip().lower())
        if code is None:
            raise TrainingError(
                f"{c!r} is not an enabled crime type; enabled: {', '.join(sorted(enabled))}"
            )
        out.append(code)
    return list(dict.fromkeys(out))


# ---- the parent job's verdict ---------------------------------------------------------------------


def training_failed(failed: list[JobRun]) -> str:
    return (
        "Training failed for "
        + ", ".join(f"{c.params.get('crime_type')} ({c.message})" for c in failed)
        + "; their previously promoted models stay in use."
    )


def training_succeeded(children: list[JobRun]) -> dict:
    return {
        "message": f"Trained and promoted {len(children)} crime type(s).",
        "model_versions": [c.result.get("model_version") for c in children],
    }


# ---- one crime type ------------------------------------------------------------------------------


def _inputs(now: dt.datetime, history_days: int | None) -> EngineInputs:
    today = local_today(now=now)
    try:
        return load_inputs(anchor=today, end=today + dt.timedelta(days=1), days=history_days)
    except InputsError as exc:
        raise TrainingError(str(exc)) from exc


def _train(
    inputs: EngineInputs,
    code: str,
    *,
    weeks,
    seed,
    now,
    models,
    job=None,
    progress: Progress,
) -> ModelVersion:
    crime_type = inputs.crime_types.get(code)
    h = inputs.ctx.history
    if crime_type is None:
        raise _refused(code, job, f"{code!r} is not an enabled crime type")
    if code not in h.categories:
        raise _refused(
            code,
            job,
            f"No {crime_type.name} incidents in the history window: nothing to learn from.",
        )
    weeks = int(weeks or backtest_weeks())
    today = local_today(now=now)
    test_days = 7 * weeks
    fit_bin = pipeline.bin_containing(h.bin_start_ns, pd.Timestamp(now).value)
    trained = pipeline.train_type(
        inputs.ctx,
        code,
        test_start=today - dt.timedelta(days=test_days),
        test_days=test_days,
        fit_bin=fit_bin,
        models=models,
        seed=seed,
        events=inputs.events,
        progress=lambda pct, msg="": progress(3 + 0.9 * pct, msg),
    )
    progress(95, "Saving the model")
    data = persist.dumps(trained.forecaster, category=code, cell_ids=inputs.grid.cell_ids)
    digest = persist.sha256_of(data)
    data_end = h.bins["start"].iloc[fit_bin].to_pydatetime()
    data_start = h.bins["start"].iloc[0].to_pydatetime()
    with transaction.atomic():
        version = ModelVersion(
            crime_type=crime_type,
            algorithm=trained.algorithm,
            job=job,
            data_start=data_start,
            data_end=data_end,
            seed=seed,
            features=list(trained.card.get("features", [])),
            parameters={
                "backtest_weeks": weeks,
                "models": list(models),
                "history_days": (today - inputs.history_start).days,
                "cells": len(inputs.grid),
                "cell_size_m": inputs.grid.cell_size,
                "timing_seconds": trained.timing,
                "incidents": int((inputs.events.frame["category"] == code).sum()),
            },
            metrics=trained.metrics,
            file_hash=digest,
            model_card=trained.card_markdown
            + feedback_loop_section(
                inputs, code, data_start=data_start, data_end=data_end, fit_bin=fit_bin
            ),
        )
        version.save()
        ModelArtifact.objects.create(version=version, data=data)
        previous = ModelVersion.objects.filter(crime_type=crime_type, promoted=True).first()
        actor = job.created_by if job is not None else None
        record(
            action=Action.FORECASTING_TRAIN,
            actor=actor,
            object_type="forecasting.modelversion",
            object_id=str(version.pk),
            after={
                "crime_type": code,
                "algorithm": version.algorithm,
                "file_hash": digest,
                "backtest_weeks": weeks,
            },
        )
        promote_version(version=version, report=_promotion_report(trained, previous), actor=actor)
    progress(100, f"Promoted {trained.algorithm}")
    return version


def _refused(code: str, job: JobRun | None, message: str) -> TrainingError:
    record(
        action=Action.FORECASTING_TRAIN,
        actor=job.created_by if job is not None else None,
        outcome="failure",
        object_type="agency.crimetype",
        object_id=code,
        reason_code="cannot_train",
        reason=message,
    )
    return TrainingError(message)


def _promotion_report(trained, previous: ModelVersion | None) -> str:
    lines = [trained.report]
    if previous is not None:
        lines.append(
            f"Replaces version {previous.pk} ({previous.algorithm}, trained {previous.created_at:%Y-%m-%d %H:%M})."
        )
    return "\n".join(lines)
