"""Job status for pages that poll a long job and for API clients given a 202."""

from rest_framework import serializers, viewsets

from missions_site.access import RouteMatrix

from .models import JobRun
from .selectors import recent_jobs


class JobRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobRun
        fields = [
            "id", "kind", "status", "progress", "message", "error", "result",
            "created_at", "started_at", "finished_at", "is_finished",
        ]


class JobRunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobRunSerializer
    queryset = JobRun.objects.all()
    permission_classes = [RouteMatrix]

    def get_queryset(self):
        return recent_jobs(limit=200) if self.action == "list" else JobRun.objects.all()
