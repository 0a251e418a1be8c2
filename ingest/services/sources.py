"""Writes to sources: create one from a mapping, change its mapping, re-map unmapped incidents."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from audit.actions import Action
from audit.services import record
from missions_site import access

from ..mapping import DEFAULT_PRESET, Mapping, load_mapping, parse_mapping
from ..models import Incident, Source
from ..selectors import code_lookup


class SourceError(ValueError):
    """A source that cannot be created as asked; `field` names what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@transaction.atomic
def create_source(
    *,
    actor,
    name: str,
    kind: str,
    timezone: str = "",
    preset: str = DEFAULT_PRESET,
    codes: dict[str, str] | None = None,
) -> Source:
    """A new source that a feed may push to (administrators only; audited). `preset` describes
    its files' columns, `codes` maps its codes to crime types (code or name) beyond their own
    offence codes; `timezone` blank reads offset-less times in the agency's zone."""
    if not access.has_role(actor, access.ADMINISTRATOR):
        raise PermissionDenied("Only an administrator creates sources.")
    name = name.strip()
    if Source.objects.filter(name=name).exists():
        raise SourceError("name", f"A source named {name!r} exists already.")
    mapping = replace(load_mapping(preset), kind=kind, timezone=timezone, codes=dict(codes or {}))
    source = save_source(source=None, name=name, mapping=mapping)
    record(
        action=Action.INGEST_SOURCE_CREATED,
        actor=actor,
        object_type="ingest.source",
        object_id=str(source.pk),
        after={
            "name": source.name,
            "kind": source.kind,
            "timezone": source.timezone,
            "preset": source.preset,
            "codes": source.code_map,
        },
    )
    return source


def resolve_source(*, name: str, mapping_spec: str | None = None) -> tuple[Source, Mapping]:
    """The named source and its mapping; created with `mapping_spec` (default canonical) when new.

    Given a mapping for an existing source, the source takes it: the mapping is the source's
    description of its feed, so the next run and the data-quality page agree with this one.
    """
    source = Source.objects.filter(name=name).first()
    if source is None:
        mapping = load_mapping(mapping_spec)
        return save_source(source=None, name=name, mapping=mapping), mapping
    if mapping_spec:
        mapping = load_mapping(mapping_spec)
        save_source(source=source, name=name, mapping=mapping)
        return source, mapping
    return source, mapping_for_source(source)


def save_source(
    *, source: Source | None, name: str, mapping: Mapping, watch_folder: str | None = None
) -> Source:
    """Create or update a source so that it describes its feed with `mapping`."""
    source = source or Source(name=name)
    source.name = name
    source.kind = mapping.kind
    source.format = mapping.format
    source.timezone = mapping.timezone
    source.srid = mapping.srid
    source.mapping = dict(mapping.fields)
    source.code_map = dict(mapping.codes)
    source.options = {
        k: v
        for k, v in (
            ("time_format", mapping.time_format),
            ("delimiter", mapping.delimiter),
            ("encoding", mapping.encoding),
        )
        if v
    }
    source.officer_initiated_field = mapping.officer_initiated_field
    source.officer_initiated_values = list(mapping.officer_initiated_values)
    source.preset = mapping.preset
    if watch_folder is not None:
        source.watch_folder = watch_folder
    source.full_clean(exclude=["mapping", "code_map", "options", "officer_initiated_values"])
    source.save()
    return source


def mapping_for_source(source: Source) -> Mapping:
    """The source's stored mapping; a source saved without fields (e.g. the demo's) takes them
    from its preset, else from the canonical one, keeping its own zone and code map."""
    base = load_mapping(source.preset or None) if not source.mapping else None
    data = {
        "kind": source.kind,
        "format": source.format,
        "timezone": source.timezone,
        "srid": source.srid,
        "fields": source.mapping if base is None else dict(base.fields),
        "codes": {**(base.codes if base else {}), **(source.code_map or {})},
        **(source.options or {}),
    }
    if source.officer_initiated_field:
        data["officer_initiated"] = {
            "field": source.officer_initiated_field,
            "values": source.officer_initiated_values or None,
        }
    return parse_mapping(data, preset=source.preset)


def apply_code_mapping(*, source: Source) -> int:
    """Give unmapped incidents of `source` the crime type their raw code now maps to."""
    lookup, _ = code_lookup(mapping_for_source(source))
    unmapped = Incident.objects.filter(source=source, crime_type__isnull=True).exclude(raw_code="")
    fixed = 0
    with transaction.atomic():
        for raw in unmapped.values_list("raw_code", flat=True).distinct():
            type_id = lookup.get(raw.strip().lower())
            if type_id is not None:
                fixed += unmapped.filter(Q(raw_code=raw)).update(crime_type_id=type_id)
    return fixed
