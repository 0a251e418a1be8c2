"""Title, result page and result shape of the AVL upload job, registered with jobs at ready()."""

from django.urls import reverse
from rest_framework import serializers

from jobs import kinds
from jobs.api import JobResult
from jobs.models import JobRun

AVL_IMPORT_KIND = "import_avl"


class ImportAvlResult(JobResult):
    """An AVL file's counts (kind `import_avl`): its refused rows are listed on the upload page."""

    file = serializers.CharField(read_only=True, help_text="The uploaded file's name.")
    rows = serializers.IntegerField(read_only=True, help_text="Rows read.")
    stored = serializers.IntegerField(read_only=True, help_text="Positions new to the database.")
    duplicates = serializers.IntegerField(
        read_only=True, help_text="Positions already stored (same unit and time)."
    )
    rejected = serializers.IntegerField(read_only=True, help_text="Rows refused, with a reason.")
    reasons = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Refused rows per reason code.",
    )
    measured_shifts = serializers.IntegerField(
        read_only=True, help_text="Shifts whose minutes per box were measured after the import."
    )


def register() -> None:
    kinds.register(
        AVL_IMPORT_KIND,
        title="Importing vehicle positions",
        result_url=_result_url,
        result=ImportAvlResult,
    )


def _result_url(job: JobRun) -> str | None:
    return f"{reverse('patrol-avl-import')}?job={job.pk}"
