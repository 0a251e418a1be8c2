"""Reads of the audit log shared by the auditor's page and its CSV export: filters and rows."""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
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


JSON_COLUMNS = {CSV_COLUMNS.index("before"), CSV_COLUMNS.index("after")}


def csv_rows(events: QuerySet[AuditEvent]):
    """The header, then one row per event (the download makes every cell spreadsheet-safe); before
    and after are JSON, as stored, not Python's text of a dict."""
    yield CSV_COLUMNS
    for row in events.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield [
            json.dumps(v, ensure_ascii=False, sort_keys=True)
            if i in JSON_COLUMNS and v is not None
            else v
            for i, v in enumerate(row)
        ]


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class EventView:
    """An event as the page shows it: its object named by its label, its changes field by field."""

    event: AuditEvent
    object_label: str
    changes: list[Change]


def readable(value) -> str:
    """A stored value in words: lists joined, nothing as a dash, text as it is."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return str(value)


def changes(before, after) -> list[Change]:
    """Field by field, what differs between before and after (a field only in one of them too)."""
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    return [
        Change(
            field=key.replace("_", " "),
            before=readable(before.get(key)),
            after=readable(after.get(key)),
        )
        for key in [*before, *(k for k in after if k not in before)]
        if before.get(key) != after.get(key)
    ]


def object_labels(events) -> dict[tuple[str, str], str]:
    """{(object_type, object_id): "Crime type “Assault” (#4)"} for the events' objects, one query per
    model; an object since deleted keeps its type and id; a type that is not a model is kept as is."""
    wanted: dict[str, set[str]] = {}
    for e in events:
        if e.object_type and e.object_id:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    labels: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        if model is None:
            continue
        name = str(model._meta.verbose_name).capitalize()
        pk_field = model._meta.pk
        keys = set()
        for i in ids:
            with suppress(ValidationError):  # an id that is not this model's key: left as it is
                keys.add(pk_field.to_python(i))
        found = {str(o.pk): str(o) for o in model._default_manager.filter(pk__in=keys)}
        for i in ids:
            labels[(object_type, i)] = (
                f"{name} “{found[i]}” (#{i})" if i in found else f"{name} #{i} (no longer exists)"
            )
    return labels


def _model(object_type: str) -> Any:
    """The model class named "app_label.model", or None (a type that is not a model)."""
    app_label, _, model_name = object_type.partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    except ContentType.DoesNotExist:
        return None


def event_views(events) -> list[EventView]:
    """The page's rows: each event with its object's label and its before/after as changes."""
    events = list(events)
    labels = object_labels(events)
    return [
        EventView(
            event=e,
            object_label=labels.get(
                (e.object_type, e.object_id),
                f"{e.object_type} {e.object_id}".strip() if e.object_type else "",
            ),
            changes=changes(e.before, e.after),
        )
        for e in events
    ]
