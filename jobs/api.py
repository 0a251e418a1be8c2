"""Job status for pages that poll a long job and for API clients given a 202, and the one 202
reply every endpoint that starts a job gives."""

import logging

from django.urls import reverse
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from missions_site.access import RouteMatrix

from . import kinds
from .models import JobRun
from .selectors import recent_jobs

logger = logging.getLogger(__name__)


# The members every job kind's result has; each kind's app subclasses it with its own and registers
# it (jobs.kinds.register(..., result=...)). No docstring here: drf-spectacular would publish it as
# every subclass's description; each subclass has one written for integrators.
class JobResult(serializers.Serializer):
    kind = serializers.CharField(
        read_only=True, help_text="The job's kind (as on the job): which of the shapes this is."
    )
    message = serializers.CharField(read_only=True, help_text="What the job did, in words.")


# The schema's `JobResult`: one shape per job kind, told apart by `kind` (the mapping is read
# from the registered kinds when the schema is generated, after every app's ready()).
JOB_RESULT_UNION = PolymorphicProxySerializer(
    component_name="JobResult",
    serializers=lambda: {kind: known.result for kind, known in sorted(kinds.KINDS.items())},
    resource_type_field_name="kind",
)


@extend_schema_field(JOB_RESULT_UNION)
class JobResultField(serializers.Field):
    """A succeeded job's result in its kind's shape, `kind` included; null until the job has
    succeeded (and for a kind with no registered shape, or a stored result that does not fit it)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, job: JobRun) -> dict | None:
        known = kinds.KINDS.get(job.kind)
        if job.status != JobRun.Status.SUCCEEDED or known is None:
            return None
        try:
            data = dict(known.result({**job.result, "kind": job.kind}).data)
        except (KeyError, AttributeError, TypeError, ValueError):
            data = {}
        if set(data) != set(known.result().fields):  # a member missing (read-only ones are skipped)
            logger.warning(
                "Job %s (%s): its stored result does not fit its kind.", job.pk, job.kind
            )
            return None
        return data


class JobRunSerializer(serializers.ModelSerializer):
    result = JobResultField(
        help_text="Once the job has succeeded, what it produced, in its kind's shape (keyed by "
        "`kind`); null while it is queued or running and when it failed (see `error`)."
    )
    url = serializers.SerializerMethodField(help_text="This job's API URL (poll it).")
    page = serializers.SerializerMethodField(help_text="This job's page with a progress bar.")

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "error",
            "result",
            "created_at",
            "started_at",
            "finished_at",
            "is_finished",
            "url",
            "page",
        ]

    def get_url(self, job) -> str:
        return reverse("job-detail", args=[job.pk])

    def get_page(self, job) -> str:
        return reverse("job-page", args=[job.pk])


@extend_schema_view(
    list=extend_schema(
        summary="Recent jobs",
        description="The latest long jobs (imports, training, forecasts, plans) with status and progress.",
    ),
    retrieve=extend_schema(
        summary="One job (poll it after a 202)",
        description="Status, progress (%), message and, once finished, its result or error.",
    ),
)
class JobRunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobRunSerializer
    queryset = JobRun.objects.all()
    permission_classes = [RouteMatrix]

    def get_queryset(self):
        return recent_jobs(limit=200) if self.action == "list" else JobRun.objects.all()


def accepted(job: JobRun, *, request) -> Response:
    """202 Accepted for a queued job: the job in the body, its API URL in `Location`."""
    body = JobRunSerializer(job).data
    return Response(
        body,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": request.build_absolute_uri(body["url"])},
    )
