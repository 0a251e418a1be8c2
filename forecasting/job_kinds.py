"""Titles and result pages of the forecasting jobs, registered with jobs at ready()."""

from django.urls import reverse
from django.utils.http import urlencode
from rest_framework import serializers

from jobs import kinds
from jobs.api import JobResult
from jobs.models import JobRun

from . import forecasts, training
from .tasks import BUILD_GRID_KIND


class BuildGridResult(JobResult):
    """The grid built over the jurisdiction (kind `build_grid`)."""

    cells = serializers.IntegerField(read_only=True, help_text="Active cells of the new grid.")
    created = serializers.IntegerField(read_only=True, help_text="Cells new to the grid.")
    inactive = serializers.IntegerField(
        read_only=True, help_text="Cells of an earlier grid no longer in use."
    )
    epsg = serializers.IntegerField(read_only=True, help_text="The projected CRS of the cells.")
    cell_size_m = serializers.IntegerField(read_only=True, help_text="A cell's side in metres.")


class TrainModelsResult(JobResult):
    """The models trained and promoted, one per crime type (kind `train_models`; its parts are
    `train_model` jobs)."""

    model_versions = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="The promoted model versions (ids under /api/v1/model-versions/).",
    )


class TrainModelResult(JobResult):
    """One crime type's model, trained and promoted (kind `train_model`)."""

    model_version = serializers.IntegerField(
        read_only=True, help_text="The promoted model version (/api/v1/model-versions/{id}/)."
    )
    algorithm = serializers.CharField(read_only=True, help_text="The algorithm that won.")


class ForecastShiftResult(JobResult):
    """A shift's forecast (kind `forecast_shift`)."""

    forecast_run = serializers.IntegerField(
        read_only=True, help_text="The forecast run (/api/v1/forecasts/{id}/)."
    )


def register() -> None:
    kinds.register(
        BUILD_GRID_KIND,
        title="Building the grid",
        result_url=lambda job: reverse("analyst-home"),
        result=BuildGridResult,
    )
    kinds.register(
        training.TRAIN_KIND,
        title="Training models",
        result_url=lambda job: reverse("forecasting-home"),
        result=TrainModelsResult,
    )
    kinds.register(
        training.TRAIN_TYPE_KIND,
        title="Training a model",
        result_url=_model_version_url,
        result=TrainModelResult,
    )
    kinds.register(
        forecasts.FORECAST_KIND,
        title="Forecasting a shift",
        result_url=_forecast_map_url,
        result=ForecastShiftResult,
    )


def _model_version_url(job: JobRun) -> str | None:
    pk = job.result.get("model_version")
    return reverse("model-version", args=[pk]) if pk else None


def _forecast_map_url(job: JobRun) -> str:
    shift = job.params.get("shift_name") or job.params["shift"]
    return f"{reverse('forecast-map')}?{urlencode({'date': job.params['date'], 'shift': shift})}"
