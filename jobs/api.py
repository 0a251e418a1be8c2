"""Job status for pages that poll a long job and for API clients given a 202, and the one 202
reply every endpoint that starts a job gives."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from missions_site.access import RouteMatrix

from .models import JobRun
from .selectors import recent_jobs


class JobRunSerializer(serializers.ModelSerializer):
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
