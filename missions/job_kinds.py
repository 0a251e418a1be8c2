"""Title and result page of the planning job, registered with jobs at ready()."""

from django.urls import reverse
from django.utils.http import urlencode
from rest_framework import serializers

from jobs import kinds
from jobs.api import JobResult
from jobs.models import JobRun

from .tasks import PLAN_KIND


class PlanMissionsResult(JobResult):
    """A shift's plan (kind `plan_missions`)."""

    plan = serializers.IntegerField(read_only=True, help_text="The mission plan's id.")
    missions = serializers.IntegerField(read_only=True, help_text="Missions in the plan.")


def register() -> None:
    kinds.register(
        PLAN_KIND, title="Planning missions", result_url=_shift_page_url, result=PlanMissionsResult
    )


def _shift_page_url(job: JobRun) -> str:
    """The missions page of the shift it planned."""
    query = urlencode({"date": job.params["date"], "shift": job.params["shift"]})
    return f"{reverse('missions-shift')}?{query}"
