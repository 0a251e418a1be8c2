"""The auditor's page: search the audit log (time, actor, action, outcome, object), page through it,
export what was found as CSV (the export is itself recorded)."""

import csv

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from missions_site import access

from .selectors import csv_rows, filtered_events
from .services import record

PAGE_SIZE = 50


@access.page
def audit_log(request):
    found = filtered_events(request.GET)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {
        "filter": found, "page": page, "query": query.urlencode(),
    })


@access.page
def audit_log_csv(request):
    found = filtered_events(request.GET)
    name = f"audit-{timezone.now():%Y%m%dT%H%M%SZ}.csv"
    # Recorded before the rows are read, so the export appears in what it exports when unfiltered.
    record(action="export.audit_log", request=request, object_type="audit.auditevent",
           after={"file": name, "filters": {k: v for k, v in request.GET.items() if v}})
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in csv_rows(found.qs)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value
