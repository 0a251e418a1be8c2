"""Writes to the agency's configuration: boundaries from files, the jurisdiction, roles of people,
and the audited settings (crime-type weights, the mission policy, shifts) that the admin calls."""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from shapely.ops import unary_union

from audit.actions import Action
from audit.services import record
from audit.snapshots import snapshot, stored_snapshot
from missions_site.geometry_limits import simplified_to_fit

from .boundary_files import BoundaryFileError, field_value, read_boundary_features
from .models import Agency, Beat, CrimeType, District, MissionPolicy, Shift

DISTRICT = "district"
BEAT = "beat"


# What planning depends on: every change is an audit event config.<model>.create|change|delete.
CONFIGURATION_ACTIONS = {
    CrimeType: {
        "create": Action.CONFIG_CRIMETYPE_CREATE,
        "change": Action.CONFIG_CRIMETYPE_CHANGE,
        "delete": Action.CONFIG_CRIMETYPE_DELETE,
    },
    MissionPolicy: {
        "create": Action.CONFIG_MISSIONPOLICY_CREATE,
        "change": Action.CONFIG_MISSIONPOLICY_CHANGE,
        "delete": Action.CONFIG_MISSIONPOLICY_DELETE,
    },
    Shift: {
        "create": Action.CONFIG_SHIFT_CREATE,
        "change": Action.CONFIG_SHIFT_CHANGE,
        "delete": Action.CONFIG_SHIFT_DELETE,
    },
}
CONFIGURATION_MODELS = tuple(CONFIGURATION_ACTIONS)


def save_configuration(
    *, obj: CrimeType | MissionPolicy | Shift, actor
) -> CrimeType | MissionPolicy | Shift:
    """Validate and save a crime type (weights, efficacy), the mission policy or a shift, with before/after."""
    _check_configuration(obj)
    obj.full_clean()
    with transaction.atomic():
        before = stored_snapshot(obj)
        obj.save()
        record(
            action=CONFIGURATION_ACTIONS[type(obj)]["change" if before else "create"],
            actor=actor,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            before=before,
            after=snapshot(obj),
        )
    return obj


def delete_configuration(*, obj: CrimeType | MissionPolicy | Shift, actor) -> None:
    _check_configuration(obj)
    with transaction.atomic():
        before, pk = snapshot(obj), obj.pk
        obj.delete()
        record(
            action=CONFIGURATION_ACTIONS[type(obj)]["delete"],
            actor=actor,
            object_type=obj._meta.label_lower,
            object_id=str(pk),
            before=before,
        )


def _check_configuration(obj) -> None:
    if not isinstance(obj, CONFIGURATION_MODELS):
        raise TypeError(f"{type(obj).__name__} is not audited configuration.")


@dataclass(frozen=True)
class BoundaryImportResult:
    level: str
    created: int
    updated: int
    codes: list[str]
    simplified: list[str]  # codes whose shape had more than GEOMETRY_MAX_VERTICES vertices


def ensure_configuration() -> tuple[Agency, MissionPolicy]:
    """The agency and mission-policy rows, created with their defaults where missing. Only seeding,
    boundary imports and tests' fixtures create them; reads use `.current()`, which never writes."""
    agency = Agency.objects.order_by("pk").first() or Agency.objects.create()
    policy = MissionPolicy.objects.order_by("pk").first() or MissionPolicy.objects.create()
    return agency, policy


def import_boundaries(
    *,
    path: str | Path,
    level: str,
    name_field: str,
    code_field: str | None = None,
    district_field: str | None = None,
    srid: int | None = None,
) -> BoundaryImportResult:
    """Upsert districts or beats from a polygon file; all features or none.

    Districts also set the agency's jurisdiction to their union. A beat goes to the district
    named by `district_field`, else to the district it overlaps most.
    """
    if level not in (DISTRICT, BEAT):
        raise BoundaryFileError(f"level must be {DISTRICT!r} or {BEAT!r}, not {level!r}.")
    features = read_boundary_features(path, srid=srid)
    rows, simplified = [], []
    for feature in features:
        name = field_value(path, feature, name_field)
        code = field_value(path, feature, code_field) if code_field else name
        shape = simplified_to_fit(feature.geometry, limit=settings.GEOMETRY_MAX_VERTICES)
        if shape is not feature.geometry:
            simplified.append(code)
            feature = replace(feature, geometry=shape)
        rows.append((code, name, feature))
    _check_unique_codes(path, [code for code, _, _ in rows])

    with transaction.atomic():
        if level == DISTRICT:
            created, updated = _upsert_districts(rows)
            _set_jurisdiction_from_districts()
        else:
            created, updated = _upsert_beats(path, rows, district_field)
        record(
            action=Action.CONFIG_BOUNDARIES_IMPORT,
            object_type=f"agency.{level}",
            after={
                "file": Path(path).name,
                "level": level,
                "created": created,
                "updated": updated,
                "codes": [code for code, _, _ in rows],
                "simplified": simplified,
            },
        )
    return BoundaryImportResult(level, created, updated, [code for code, _, _ in rows], simplified)


def _upsert_districts(rows) -> tuple[int, int]:
    created = updated = 0
    for code, name, feature in rows:
        _, was_created = District.objects.update_or_create(
            code=code, defaults={"name": name, "geom": _geos(feature.geometry)}
        )
        created += was_created
        updated += not was_created
    return created, updated


def _upsert_beats(path, rows, district_field: str | None) -> tuple[int, int]:
    districts = list(District.objects.all())
    if not districts:
        raise BoundaryFileError("Import districts before beats: a beat belongs to a district.")
    by_code = {d.code: d for d in districts}
    assignments = []
    for code, name, feature in rows:
        if district_field:
            district_code = field_value(path, feature, district_field)
            if district_code not in by_code:
                raise BoundaryFileError(
                    f"{Path(path).name}, feature {feature.number}: district {district_code!r}"
                    f" (field {district_field!r}) does not exist."
                )
            district = by_code[district_code]
        else:
            district = _largest_overlap(feature.geometry, districts)
            if district is None:
                raise BoundaryFileError(
                    f"{Path(path).name}, feature {feature.number}: beat {code!r} overlaps no district."
                )
        assignments.append((code, name, feature, district))
    created = updated = 0
    for code, name, feature, district in assignments:
        _, was_created = Beat.objects.update_or_create(
            code=code,
            defaults={"name": name, "district": district, "geom": _geos(feature.geometry)},
        )
        created += was_created
        updated += not was_created
    return created, updated


def _set_jurisdiction_from_districts() -> None:
    union = unary_union([to_shapely(d.geom) for d in District.objects.all()])
    agency, _ = ensure_configuration()
    agency.boundary = _geos(union)
    agency.save(update_fields=["boundary"])


def _largest_overlap(geometry, districts):
    best, best_area = None, 0.0
    for district in districts:
        area = geometry.intersection(to_shapely(district.geom)).area
        if area > best_area:
            best, best_area = district, area
    return best


def _check_unique_codes(path, codes: list[str]) -> None:
    seen = set()
    for number, code in enumerate(codes, start=1):
        if code in seen:
            raise BoundaryFileError(f"{Path(path).name}, feature {number}: code {code!r} repeats.")
        seen.add(code)


def _geos(shape) -> MultiPolygon:
    if shape.geom_type == "Polygon":
        shape = shapely.MultiPolygon([shape])
    # GEOSGeometry answers with the class of the WKB's type; the stubs only know the base class.
    return cast(MultiPolygon, GEOSGeometry(memoryview(shape.wkb), srid=4326))


def to_shapely(geom):
    """A GeoDjango geometry as a shapely one (the heavy geometry runs in shapely on both databases)."""
    return shapely.from_wkb(bytes(geom.wkb))
