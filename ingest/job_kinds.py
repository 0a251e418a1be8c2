"""Title and result page of the import job, registered with jobs at ready()."""

from django.urls import reverse

from jobs import kinds
from jobs.models import JobRun

from .models import ImportRun
from .services import IMPORT_KIND


def register() -> None:
    kinds.register(IMPORT_KIND, title="Importing incidents", result_url=_import_run_url)


def _import_run_url(job: JobRun) -> str | None:
    run = ImportRun.objects.filter(job=job).only("pk").first()
    return reverse("ingest-run", args=[run.pk]) if run else None
