"""Pages of the ingest app: sources and runs, the upload page with its mapping preview, a run's
progress and result, the rejected rows as CSV, and each source's data-quality report."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from audit.actions import Action
from audit.services import record
from jobs.services import close_stale_jobs
from missions_site import access
from missions_site.request_limits import upload_refusal
from missions_site.spreadsheet import csv_download

from . import selectors, services
from .forms import UploadForm
from .mapping import MappingError, mapping_to_yaml, preset_names, preset_text
from .models import ImportRun, Source
from .readers import FileFormatError
from .tasks import enqueue_upload_import


@access.page
def index(request):
    close_stale_jobs()  # so that a killed import never shows as running
    return render(
        request,
        "ingest/index.html",
        {
            "sources": selectors.sources_overview(),
            "runs": selectors.recent_import_runs(),
        },
    )


@access.page
def upload(request):
    preview = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, refused_upload=upload_refusal(request))
        if form.is_valid():
            data = form.cleaned_data
            token = data["upload_token"] or services.store_upload(uploaded=data["file"])
            try:
                services.check_upload(token, mapping=data["mapping"])
            except services.UploadError as exc:
                form.add_error("file", str(exc))
                return _upload_page(request, form, None)
            if "start" in request.POST:
                source = services.save_source(
                    source=data["source"], name=data["source_name"], mapping=data["mapping"]
                )
                run = enqueue_upload_import(
                    source=source, token=token, strict=data["strict"], user=request.user
                )
                return redirect("ingest-run", run_id=run.pk)
            form = _with_token(request.POST, token)
            try:
                preview = selectors.preview_import(
                    path=services.upload_path(token), mapping=data["mapping"]
                )
            except (FileFormatError, MappingError, services.UploadError) as exc:
                form.add_error(None, str(exc))
    else:
        form = UploadForm(initial={"preset": "canonical", "mapping_text": preset_text("canonical")})
    return _upload_page(request, form, preview)


def _upload_page(request, form: UploadForm, preview: dict | None):
    return render(
        request,
        "ingest/upload.html",
        {
            "form": form,
            "preview": preview,
            "presets": {name: preset_text(name) for name in preset_names()},
            "source_mappings": {
                str(s.pk): mapping_to_yaml(services.mapping_for_source(s))
                for s in Source.objects.all()
            },
        },
    )


@access.page
def run_detail(request, run_id: int):
    close_stale_jobs()
    try:
        run = selectors.get_import_run(run_id=run_id)
    except ImportRun.DoesNotExist as exc:
        raise Http404("No such import run.") from exc
    return render(
        request,
        "ingest/run_detail.html",
        {
            "run": run,
            "rejected": selectors.rejected_rows(run=run),
        },
    )


@access.page
def rejected_csv(request, run_id: int):
    run = get_object_or_404(ImportRun, pk=run_id)
    response = csv_download(
        selectors.rejected_rows_csv(run=run), filename=f"rejected-run-{run.pk}.csv"
    )
    record(
        action=Action.EXPORT_REJECTED_ROWS,
        request=request,
        object_type="ingest.importrun",
        object_id=str(run.pk),
        after={"file": f"rejected-run-{run.pk}.csv", "rows": run.rejected},
    )
    return response


@access.page
def quality(request, source_id: int):
    source = get_object_or_404(Source, pk=source_id)
    return render(
        request,
        "ingest/quality.html",
        {
            "source": source,
            "q": selectors.data_quality(source=source),
        },
    )


def _with_token(post, token: str) -> UploadForm:
    data = post.copy()
    data["upload_token"] = token
    form = UploadForm(data)
    form.is_valid()
    return form
