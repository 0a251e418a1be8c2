"""The job page: a progress bar that polls the job's API URL until it finishes."""

from django.shortcuts import get_object_or_404, render

from missions_site import access

from .models import JobRun


@access.page
def job_detail(request, job_id):
    job = get_object_or_404(JobRun, pk=job_id)
    return render(request, "jobs/job_detail.html", {"job": job})
