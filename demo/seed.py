"""Writes the generated demo city (demo/generator) into the database: the data of `make demo`.

Configuration is written in one transaction; incidents go through the ingest import (its own
transaction and run row). Every step is an upsert, so running it again repairs a failed seed.
"""

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction

from agency import roles
from agency.models import Agency, Beat, CrimeType, District, OfficerProfile, Shift
from agency.services import ensure_configuration
from geo.street_services import import_streets
from ingest.mapping import parse_mapping
from ingest.models import ImportRun, RiskLayer, RiskLayerPoint, Source
from ingest.services.imports import import_incidents_file
from ingest.services.sources import save_source
from tactics.models import Tactic

from .generator import demo_shifts, demo_tactics, generate_demo_city

DEMO_SOURCE = "Demo RMS"
DEMO_FEED_FIELDS = {
    "external_id": "id",
    "occurred_from": "occurred_at",
    "occurred_to": "occurred_to",
    "reported_at": "reported_at",
    "latitude": "latitude",
    "longitude": "longitude",
    "raw_code": "offense_code",
    "premise_type": "premises_type",
}
DEMO_USERS = (  # username, role, officer badge and home beat index (officers only)
    ("analyst", roles.ANALYST),
    ("supervisor", roles.SUPERVISOR),
    ("officer", roles.OFFICER),
    ("admin", roles.ADMINISTRATOR),
    ("auditor", roles.AUDITOR),
)


@dataclass
class DemoSeedResult:
    agency: str
    districts: int
    beats: int
    incidents: int
    layers: dict[str, int]
    password: str
    usernames: list[str] = field(default_factory=list)
    skipped: bool = False


def demo_is_seeded() -> bool:
    return District.objects.exists()


def seed_demo(
    *,
    seed: int = 7,
    password: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> DemoSeedResult:
    progress = progress or (lambda pct, msg="": None)
    progress(2, "Generating the city")
    city = generate_demo_city(seed)
    password = password or secrets.token_urlsafe(9)
    with transaction.atomic():
        progress(30, "Agency, districts and beats")
        agency = _save_agency(city)
        districts, beats = _save_boundaries(city)
        crime_types = _save_crime_types(city)
        progress(35, "Risk-terrain layers")
        layers = _save_layers(city)
        _save_shifts_policy_tactics(crime_types)
        progress(37, "Streets")
        _save_streets(city)
    # The import runs its own transaction and closes its run row whatever happens.
    incidents = _save_incidents(city, progress)
    with transaction.atomic():
        usernames = _save_users(password, _busiest_first(city, beats))
    return DemoSeedResult(
        agency.name, len(districts), len(beats), incidents, layers, password, usernames
    )


def _save_agency(city) -> Agency:
    agency, _ = ensure_configuration()
    agency.name = f"{city.name} Police Service"
    agency.timezone = city.timezone
    agency.epsg = city.epsg
    agency.country, agency.subdivision = "CA", "ON"
    agency.boundary = _multipolygon(city.boundary)
    agency.save()
    return agency


def _save_boundaries(city):
    districts = {}
    for d in city.districts:
        districts[d.code], _ = District.objects.update_or_create(
            code=d.code, defaults={"name": d.name, "geom": _multipolygon(d.polygon)}
        )
    beats = []
    for b in city.beats:
        beat, _ = Beat.objects.update_or_create(
            code=b.code,
            defaults={
                "name": b.name,
                "district": districts[b.district],
                "geom": _multipolygon(b.polygon),
            },
        )
        beats.append(beat)
    return list(districts.values()), beats


def _save_crime_types(city) -> dict[str, CrimeType]:
    saved = {}
    for spec in city.crime_types:
        saved[spec["name"]], _ = CrimeType.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "colour": spec["colour"],
                "severity_weight": spec["severity_weight"],
                "patrol_efficacy": spec["patrol_efficacy"],
                "offense_codes": spec["offense_codes"],
                "count_officer_initiated": spec["count_officer_initiated"],
            },
        )
    return saved


def _save_shifts_policy_tactics(crime_types: dict[str, CrimeType]) -> None:
    for order, (name, start, duration) in enumerate(demo_shifts()):
        Shift.objects.update_or_create(
            name=name,
            defaults={
                "start_time": start,
                "order": order,
                "duration_minutes": int(duration.total_seconds() // 60),
            },
        )
    for spec in demo_tactics():
        layer, metres = spec.get("near", (None, None))
        recent_type, days = spec.get("recent", (None, None))
        tactic, _ = Tactic.objects.update_or_create(
            name=spec["name"],
            defaults={
                "description": spec["description"],
                "near_layer": RiskLayer.objects.get(name=layer) if layer else None,
                "near_metres": metres,
                "recent_crime_type": crime_types[recent_type] if recent_type else None,
                "recent_days": days,
            },
        )
        tactic.crime_types.set([crime_types[n] for n in spec["crime_types"] if n in crime_types])


def _save_layers(city) -> dict[str, int]:
    counts = {}
    for name, frame in city.layers.items():
        layer, _ = RiskLayer.objects.update_or_create(
            name=name, defaults={"description": f"Demo layer: {name.replace('_', ' ')}"}
        )
        layer.points.all().delete()
        RiskLayerPoint.objects.bulk_create(
            RiskLayerPoint(
                layer=layer, name=str(n), location=Point(float(lon), float(lat), srid=4326)
            )
            for n, lon, lat in zip(
                frame["name"], frame["longitude"], frame["latitude"], strict=True
            )
        )
        counts[name] = len(frame)
    return counts


def _save_streets(city) -> None:
    """Through the street import, as an agency loads its centreline file (the grid, built after
    seeding, names its cells from them)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "port-meridian-centreline.geojson"
        city.write_streets_geojson(path)
        import_streets(path=path, name_field="name")


def _save_incidents(city, progress) -> int:
    """Through the ingest app's import, the one write path for incidents: the demo's RMS export
    is written as a CSV and imported like any agency's feed."""
    mapping = parse_mapping(
        {
            "kind": "rms",
            "format": "csv",
            "timezone": city.timezone,
            "fields": DEMO_FEED_FIELDS,
            "officer_initiated": {"field": "officer_initiated", "values": ["true"]},
        }
    )
    source = save_source(
        source=Source.objects.filter(name=DEMO_SOURCE).first(), name=DEMO_SOURCE, mapping=mapping
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "port-meridian-rms.csv"
        _demo_feed(city).to_csv(path, index=False)
        run = import_incidents_file(
            path=path,
            source=source,
            mapping=mapping,
            progress=lambda pct, msg="": progress(40 + 0.55 * pct, msg),
        )
    if run.status != ImportRun.Status.SUCCEEDED:
        raise RuntimeError(f"Importing the demo incidents failed: {run.error or run.message}")
    return run.created + run.updated + run.unchanged


def _demo_feed(city) -> pd.DataFrame:
    """The demo incidents as an RMS export: local ISO 8601 times, one offense code per row."""
    frame = city.incidents
    feed = pd.DataFrame(
        {
            "id": frame["id"],
            "latitude": frame["latitude"],
            "longitude": frame["longitude"],
            "offense_code": frame["offense_code"],
            "premises_type": frame["premises_type"],
            "officer_initiated": frame["officer_initiated"].map({True: "true", False: "false"}),
        }
    )
    for column in ("occurred_at", "occurred_to", "reported_at"):
        feed[column] = frame[column].map(lambda t: "" if pd.isna(t) else t.isoformat())
    return feed


def _busiest_first(city, beats: list[Beat]) -> list[Beat]:
    """Beats by incident count, busiest first: the demo officer patrols where there is work."""
    lon, lat = city.incidents["longitude"].to_numpy(), city.incidents["latitude"].to_numpy()
    polygons = {b.code: b.polygon for b in city.beats}
    counts = {b.code: int(shapely.contains_xy(polygons[b.code], lon, lat).sum()) for b in beats}
    return sorted(beats, key=lambda b: -counts[b.code])


def _save_users(password: str, beats: list[Beat]) -> list[str]:
    groups = roles.sync_roles()
    users = get_user_model().objects
    names = []
    for username, role in DEMO_USERS:
        user = users.filter(username=username).first() or users.create_user(username=username)
        user.set_password(password)
        user.first_name = role
        user.is_staff = role == roles.ADMINISTRATOR
        user.is_superuser = role == roles.ADMINISTRATOR
        user.save()
        user.groups.set([groups[role]])
        if role == roles.OFFICER and beats:
            OfficerProfile.objects.update_or_create(
                user=user,
                defaults={
                    "badge_number": "1001",
                    "home_beat": beats[0],
                    "home_district": beats[0].district,
                },
            )
        names.append(username)
    return names


def _multipolygon(shape) -> GEOSGeometry:
    if shape.geom_type == "Polygon":
        shape = shapely.MultiPolygon([shape])
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)
