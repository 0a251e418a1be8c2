"""Title and result page of the AVL upload job, registered with jobs at ready()."""

from django.urls import reverse

from jobs import kinds
from jobs.models import JobRun

AVL_IMPORT_KIND = "import_avl"


def register() -> None:
    kinds.register(AVL_IMPORT_KIND, title="Importing vehicle positions", result_url=_result_url)


def _result_url(job: JobRun) -> str | None:
    return f"{reverse('patrol-avl-import')}?job={job.pk}"
