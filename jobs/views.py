"""The job page: its title, a progress bar that polls the job's API URL until it finishes, and a
link to what the job produced once it has succeeded."""

from django.shortcuts import get_object_or_404, render

from missions_site import access

from .kinds import result_url_of, title_of
from .models import JobRun


@access.page
def job_detail(request, job_id):
    job = get_object_or_404(JobRun, pk=job_id)
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "title": title_of(job),
            "result_url": result_url_of(job),
        },
    )
