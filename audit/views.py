"""The auditor's page: search the audit log (time, actor, action, outcome, object), page through it,
export what was found as CSV (the export is itself recorded)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from missions_site import access
from missions_site.spreadsheet import csv_download

from .actions import Action
from .selectors import csv_rows, event_views, filtered_events
from .services import record

PAGE_SIZE = 50


@access.page
def audit_log(request):
    found = filtered_events(request.GET)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "filter": found,
            "page": page,
            "rows": event_views(page.object_list),
            "query": query.urlencode(),
        },
    )


@access.page
def audit_log_csv(request):
    found = filtered_events(request.GET)
    name = f"audit-{timezone.now():%Y%m%dT%H%M%SZ}.csv"
    # Recorded before the rows are read, so the export appears in what it exports when unfiltered.
    record(
        action=Action.EXPORT_AUDIT_LOG,
        request=request,
        object_type="audit.auditevent",
        after={"file": name, "filters": {k: v for k, v in request.GET.items() if v}},
    )
    return csv_download(csv_rows(found.qs), filename=name)
