"""Reads of the audit log shared by the auditor's page and its CSV export: filters and rows."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.widgets import DateRangeWidget

from .models import AuditEvent

CSV_COLUMNS = (
    "id",
    "at",
    "actor_username",
    "role",
    "source_address",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "reason_code",
    "reason",
    "before",
    "after",
    "previous_hash",
    "hash",
)


class AuditEventFilter(django_filters.FilterSet):
    at = django_filters.DateFromToRangeFilter(
        label="Between (dates)",
        widget=DateRangeWidget(attrs={"type": "date"}),
    )
    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label="Actor"
    )
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action starts with")
    outcome = django_filters.ChoiceFilter(choices=AuditEvent.Outcome.choices, widget=forms.Select)
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(lookup_expr="exact", label="Object id")
    request_id = django_filters.CharFilter(lookup_expr="exact", label="Request id")

    class Meta:
        model = AuditEvent
        fields = ["at", "actor", "action", "outcome", "object_type", "object_id", "request_id"]


def filtered_events(params) -> AuditEventFilter:
    return AuditEventFilter(params, queryset=AuditEvent.objects.order_by("-pk"))


def csv_rows(events: QuerySet[AuditEvent]):
    """The header, then one row per event (the download makes every cell spreadsheet-safe)."""
    yield CSV_COLUMNS
    yield from events.values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
