"""Titles and result pages of the forecasting jobs, registered with jobs at ready()."""

from django.urls import reverse
from django.utils.http import urlencode

from jobs import kinds
from jobs.models import JobRun

from . import forecasts, training
from .tasks import BUILD_GRID_KIND


def register() -> None:
    kinds.register(
        BUILD_GRID_KIND, title="Building the grid", result_url=lambda job: reverse("analyst-home")
    )
    kinds.register(
        training.TRAIN_KIND,
        title="Training models",
        result_url=lambda job: reverse("forecasting-home"),
    )
    kinds.register(
        training.TRAIN_TYPE_KIND, title="Training a model", result_url=_model_version_url
    )
    kinds.register(
        forecasts.FORECAST_KIND, title="Forecasting a shift", result_url=_forecast_map_url
    )


def _model_version_url(job: JobRun) -> str | None:
    pk = job.result.get("model_version")
    return reverse("model-version", args=[pk]) if pk else None


def _forecast_map_url(job: JobRun) -> str:
    shift = job.params.get("shift_name") or job.params["shift"]
    return f"{reverse('forecast-map')}?{urlencode({'date': job.params['date'], 'shift': shift})}"
