"""Title and result page of the import job, registered with jobs at ready()."""

from django.urls import reverse
from rest_framework import serializers

from jobs import kinds
from jobs.api import JobResult
from jobs.models import JobRun

from .models import ImportRun
from .services import IMPORT_KIND


class ImportIncidentsResult(JobResult):
    """An import's counts (kind `import_incidents`): the run itself, with its rejected rows, is
    under /api/v1/import-runs/{run}/."""

    run = serializers.IntegerField(read_only=True, help_text="The import run's id.")
    total_rows = serializers.IntegerField(read_only=True, help_text="Rows read.")
    created = serializers.IntegerField(read_only=True, help_text="Incidents new to the source.")
    updated = serializers.IntegerField(read_only=True, help_text="Incidents changed (newer).")
    unchanged = serializers.IntegerField(
        read_only=True, help_text="Incidents seen before as they are."
    )
    rejected = serializers.IntegerField(read_only=True, help_text="Rows not applied (see the run).")
    unmapped = serializers.IntegerField(
        read_only=True, help_text="Rows kept whose offence code maps to no crime type."
    )


def register() -> None:
    kinds.register(
        IMPORT_KIND,
        title="Importing incidents",
        result_url=_import_run_url,
        result=ImportIncidentsResult,
    )


def _import_run_url(job: JobRun) -> str | None:
    run = ImportRun.objects.filter(job=job).only("pk").first()
    return reverse("ingest-run", args=[run.pk]) if run else None
