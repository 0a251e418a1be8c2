"""Reads for the role home pages: figures gathered from every app, per district."""

from django.db.models import Count

from agency.models import District
from forecasting.selectors import cell_counts_by_district
from ingest.selectors import incident_counts_by_district


def jurisdiction_overview() -> list[dict]:
    """Per district: beats, active cells and incidents in the last 28 days."""
    cells = cell_counts_by_district()
    incidents = incident_counts_by_district(days=28)
    districts = District.objects.annotate(beat_count=Count("beats")).order_by("code")
    return [
        {
            "code": d.code,
            "name": d.name,
            "beats": d.beat_count,
            "cells": cells.get(d.pk, 0),
            "incidents_28d": incidents.get(d.code, 0),
        }
        for d in districts
    ]
