from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "status",
        "progress",
        "message",
        "queue",
        "node",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status", "queue")
    readonly_fields = [f.name for f in JobRun._meta.fields]
