"""Writes the generated demo city (agency/demo_city) into the database: the data of `make demo`.

Everything goes through one transaction, so a failed seed leaves the database as it was.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction

from ingest.models import Incident, RiskLayer, RiskLayerPoint, Source
from tactics.models import Tactic

from . import roles
from .demo_city import demo_shifts, demo_tactics, generate_demo_city
from .models import Agency, Beat, CrimeType, District, MissionPolicy, OfficerProfile, Shift

DEMO_SOURCE = "Demo RMS"
INCIDENT_BATCH = 5000
DEMO_USERS = (  # username, role, officer badge and home beat index (officers only)
    ("analyst", roles.ANALYST),
    ("supervisor", roles.SUPERVISOR),
    ("officer", roles.OFFICER),
    ("admin", roles.ADMINISTRATOR),
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
    *, seed: int = 7, password: str | None = None,
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
        _save_shifts_policy_tactics(crime_types)
        progress(35, "Risk-terrain layers")
        layers = _save_layers(city)
        incidents = _save_incidents(city, crime_types, progress)
        usernames = _save_users(password, beats)
    return DemoSeedResult(
        agency.name, len(districts), len(beats), incidents, layers, password, usernames
    )


def _save_agency(city) -> Agency:
    agency = Agency.current()
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
            defaults={"name": b.name, "district": districts[b.district], "geom": _multipolygon(b.polygon)},
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
            defaults={"start_time": start, "order": order,
                      "duration_minutes": int(duration.total_seconds() // 60)},
        )
    MissionPolicy.current()
    for spec in demo_tactics():
        tactic, _ = Tactic.objects.update_or_create(
            name=spec["name"], defaults={"description": spec["description"]}
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
            RiskLayerPoint(layer=layer, name=str(n), location=Point(float(lon), float(lat), srid=4326))
            for n, lon, lat in zip(frame["name"], frame["longitude"], frame["latitude"], strict=True)
        )
        counts[name] = len(frame)
    return counts


def _save_incidents(city, crime_types: dict[str, CrimeType], progress) -> int:
    source, _ = Source.objects.get_or_create(name=DEMO_SOURCE, defaults={"kind": Source.Kind.RMS})
    frame = city.incidents
    total = len(frame)
    rows = frame.to_dict("records")
    for start in range(0, total, INCIDENT_BATCH):
        batch = rows[start : start + INCIDENT_BATCH]
        Incident.objects.bulk_create(
            [_incident(source, crime_types, row) for row in batch],
            update_conflicts=True,
            unique_fields=["source", "external_id"],
            update_fields=["occurred_from", "occurred_to", "reported_at", "location", "crime_type",
                           "raw_code", "premise_type", "officer_initiated"],
        )
        progress(40 + 55 * (start + len(batch)) / max(total, 1), f"Incidents {start + len(batch)}/{total}")
    return total


def _incident(source, crime_types, row) -> Incident:
    occurred_to = row.get("occurred_to")
    return Incident(
        source=source,
        external_id=row["id"],
        occurred_from=row["occurred_at"].to_pydatetime(),
        occurred_to=None if _missing(occurred_to) else occurred_to.to_pydatetime(),
        reported_at=None if _missing(row.get("reported_at")) else row["reported_at"].to_pydatetime(),
        location=Point(float(row["longitude"]), float(row["latitude"]), srid=4326),
        crime_type=crime_types.get(row["category"]),
        raw_code=row.get("offense_code") or "",
        premise_type=row.get("premises_type") or "",
        officer_initiated=bool(row.get("officer_initiated", False)),
    )


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
                defaults={"badge_number": "1001", "home_beat": beats[0], "home_district": beats[0].district},
            )
        names.append(username)
    return names


def _multipolygon(shape) -> GEOSGeometry:
    if shape.geom_type == "Polygon":
        shape = shapely.MultiPolygon([shape])
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)


def _missing(value) -> bool:
    return value is None or pd.isna(value)
