"""Data: every import run gets a JobRun, which takes over its status, message, error, worker and
times (the next migration drops those columns from ImportRun)."""

from django.db import migrations

IMPORT_KIND = "import_incidents"
FINISHED = ("succeeded", "failed")
STATE = ("status", "message", "error", "started_at", "finished_at", "heartbeat_at", "worker")


def to_jobs(apps, schema_editor):
    ImportRun = apps.get_model("ingest", "ImportRun")
    JobRun = apps.get_model("jobs", "JobRun")
    for run in ImportRun.objects.select_related("source", "job").iterator():
        state = {name: getattr(run, name) for name in STATE}
        state["message"] = state["message"][:500]
        if run.job is None:
            job = JobRun.objects.create(
                kind=IMPORT_KIND, params={"source": run.source.name, "file": run.file_name},
                created_by_id=run.created_by_id, progress=100 if run.status == "succeeded" else 0,
                **state,
            )
            JobRun.objects.filter(pk=job.pk).update(created_at=run.created_at)  # auto_now_add
            ImportRun.objects.filter(pk=run.pk).update(job=job)
        elif run.status in FINISHED or run.job.status not in FINISHED:
            # The run's own row said how the import ended; its job may have lagged behind.
            state = {k: v for k, v in state.items() if v not in (None, "")}
            JobRun.objects.filter(pk=run.job_id).update(**state)


def from_jobs(apps, schema_editor):
    ImportRun = apps.get_model("ingest", "ImportRun")
    for run in ImportRun.objects.select_related("job").iterator():
        ImportRun.objects.filter(pk=run.pk).update(
            created_at=run.job.created_at, **{name: getattr(run.job, name) for name in STATE}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0003_schedule_watched_folders"),
        ("jobs", "0003_jobrun_worker"),
    ]

    operations = [migrations.RunPython(to_jobs, from_jobs)]
