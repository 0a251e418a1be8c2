"""Title and result page of the planning job, registered with jobs at ready()."""

from django.urls import reverse
from django.utils.http import urlencode

from jobs import kinds
from jobs.models import JobRun

from .tasks import PLAN_KIND


def register() -> None:
    kinds.register(PLAN_KIND, title="Planning missions", result_url=_shift_page_url)


def _shift_page_url(job: JobRun) -> str:
    """The missions page of the shift it planned."""
    query = urlencode({"date": job.params["date"], "shift": job.params["shift"]})
    return f"{reverse('missions-shift')}?{query}"
