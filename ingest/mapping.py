"""Field mappings of CAD/RMS feeds: which file column fills which incident field, and how to read it.

Pure Python (no Django): presets ship as YAML in ingest/presets/; an analyst's mapping is a dict,
a YAML or JSON file. Only `INCIDENT_FIELDS` can ever be filled, and columns whose names look like
personal data are refused whatever the mapping says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import available_timezones

import yaml

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
DEFAULT_PRESET = "canonical"

# The allow-list: the only incident values a feed may fill. Nothing else is ever stored.
INCIDENT_FIELDS = (
    "external_id",
    "occurred_from",
    "occurred_to",
    "reported_at",
    "latitude",
    "longitude",
    "x",
    "y",
    "raw_code",
    "call_type",
    "priority",
    "disposition",
    "premise_type",
    "source_updated_at",
)
TIME_FIELDS = ("occurred_from", "occurred_to", "reported_at", "source_updated_at")
TEXT_FIELDS = ("raw_code", "call_type", "priority", "disposition", "premise_type")
REQUIRED_FIELDS = ("external_id", "occurred_from")
FORMATS = ("auto", "csv", "geojson", "shapefile")
KINDS = ("cad", "rms")
# Pseudo-columns the readers add for the point geometry (WGS84) of GeoJSON and Shapefile features.
GEOMETRY_LON, GEOMETRY_LAT = "@longitude", "@latitude"
GEOMETRY_TYPE = "@geometry_type"  # of each spatial feature: Point, LineString, … ("" when none)
OFFICER_INITIATED_DEFAULT_VALUES = (
    "1",
    "true",
    "t",
    "yes",
    "y",
    "officer",
    "officer-initiated",
    "self-initiated",
    "on-view",
)

# Column-name words that mean a person: never read, whatever the mapping says.
_PERSONAL_WORDS = {
    "name",
    "names",
    "surname",
    "firstname",
    "lastname",
    "fullname",
    "dob",
    "birth",
    "birthdate",
    "born",
    "narrative",
    "narr",
    "synopsis",
    "remarks",
    "comment",
    "comments",
    "notes",
    "phone",
    "telephone",
    "tel",
    "mobile",
    "email",
    "mail",
    "ssn",
    "sin",
    "address",
    "addr",
    "victim",
    "suspect",
    "complainant",
    "witness",
    "offender",
    "caller",
    "person",
    "persons",
    "driver",
}
_PERSONAL_FRAGMENTS = (
    "birth",
    "narrativ",
    "phone",
    "email",
    "address",
    "surname",
    "firstname",
    "lastname",
    "fullname",
)


class MappingError(ValueError):
    """A mapping that cannot be used, with a message that says which key and why."""


@dataclass(frozen=True)
class Mapping:
    fields: dict[str, str]  # incident field -> file column
    codes: dict[str, str] = field(default_factory=dict)  # feed code -> crime type code or name
    kind: str = "rms"
    format: str = "auto"
    timezone: str = ""  # blank: the agency's zone
    srid: int = 4326
    time_format: str = ""  # blank: ISO 8601
    delimiter: str = ""  # blank: detected
    encoding: str = ""  # blank: detected
    officer_initiated_field: str = ""
    officer_initiated_values: tuple[str, ...] = OFFICER_INITIATED_DEFAULT_VALUES
    preset: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """The file columns to read: the mapped ones, and nothing else."""
        cols = list(dict.fromkeys(self.fields.values()))
        if self.officer_initiated_field and self.officer_initiated_field not in cols:
            cols.append(self.officer_initiated_field)
        return cols

    @property
    def uses_xy(self) -> bool:
        return "x" in self.fields

    def with_geometry_columns(self, available: list[str]) -> Mapping:
        """For spatial files: take the point geometry unless the mapped coordinate columns exist."""
        coordinates = [
            c for k, c in self.fields.items() if k in ("latitude", "longitude", "x", "y")
        ]
        if coordinates and all(c in available for c in coordinates):
            return self
        fields = {
            k: c for k, c in self.fields.items() if k not in ("latitude", "longitude", "x", "y")
        }
        return replace(self, fields={**fields, "longitude": GEOMETRY_LON, "latitude": GEOMETRY_LAT})


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def preset_text(name: str) -> str:
    path = PRESETS_DIR / f"{name}.yaml"
    if name not in preset_names():
        raise MappingError(f"Unknown preset {name!r}; presets: {', '.join(preset_names())}.")
    return path.read_text()


def load_mapping(spec: str | Path | None) -> Mapping:
    """A preset name, or the path of a YAML/JSON mapping file; None means the canonical preset."""
    spec = str(spec or DEFAULT_PRESET)
    if spec in preset_names():
        return parse_mapping(yaml.safe_load(preset_text(spec)), preset=spec)
    path = Path(spec)
    if not path.is_file():
        raise MappingError(
            f"{spec!r} is neither a preset ({', '.join(preset_names())}) nor a mapping file."
        )
    return parse_mapping(parse_mapping_text(path.read_text(), name=path.name))


def parse_mapping_text(text: str, *, name: str = "mapping") -> dict:
    """YAML or JSON text (JSON is YAML) of a mapping, as a dict."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise MappingError(f"{name}: not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{name}: a mapping is a dictionary with a 'fields' key.")
    return data


def parse_mapping(data: dict, *, preset: str = "") -> Mapping:
    """Validate a mapping dict; unknown or personal-data targets are dropped with a warning."""
    warnings: list[str] = []
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise MappingError("'fields' must map incident fields to file columns.")
    fields: dict[str, str] = {}
    officer_field = str((data.get("officer_initiated") or {}).get("field", "") or "")
    for target, column in raw_fields.items():
        target, column = str(target).strip(), str(column or "").strip()
        if not column:
            continue
        if target == "officer_initiated":
            officer_field = column
            continue
        if target not in INCIDENT_FIELDS:
            warnings.append(f"'{target}' is not an incident field that can be stored: ignored.")
            continue
        if looks_personal(column):
            warnings.append(
                f"Column '{column}' looks like personal data: never stored (mapped to '{target}')."
            )
            continue
        fields[target] = column
    if officer_field and looks_personal(officer_field):
        warnings.append(f"Column '{officer_field}' looks like personal data: never read.")
        officer_field = ""
    _check_fields(fields)

    officer_values = (data.get("officer_initiated") or {}).get("values")
    mapping = Mapping(
        fields=fields,
        codes={str(k): str(v) for k, v in (data.get("codes") or {}).items()},
        kind=_choice(data, "kind", KINDS, "rms"),
        format=_choice(data, "format", FORMATS, "auto"),
        timezone=_timezone(data.get("timezone")),
        srid=_srid(data.get("srid", 4326)),
        time_format=str(data.get("time_format") or ""),
        delimiter=str(data.get("delimiter") or ""),
        encoding=str(data.get("encoding") or ""),
        officer_initiated_field=officer_field,
        officer_initiated_values=tuple(str(v).strip().lower() for v in officer_values)
        if officer_values
        else OFFICER_INITIATED_DEFAULT_VALUES,
        preset=str(data.get("preset") or preset),
        warnings=tuple(warnings),
    )
    return mapping


def mapping_to_dict(mapping: Mapping) -> dict:
    """The editable form of a mapping (what the upload page's editor shows)."""
    data = {
        "kind": mapping.kind,
        "format": mapping.format,
        "timezone": mapping.timezone or None,
        "srid": mapping.srid,
        "time_format": mapping.time_format or None,
        "delimiter": mapping.delimiter or None,
        "encoding": mapping.encoding or None,
        "fields": dict(mapping.fields),
        "codes": dict(mapping.codes) or None,
        "officer_initiated": {
            "field": mapping.officer_initiated_field,
            "values": list(mapping.officer_initiated_values),
        }
        if mapping.officer_initiated_field
        else None,
    }
    return {k: v for k, v in data.items() if v is not None}


def mapping_to_yaml(mapping: Mapping) -> str:
    return yaml.safe_dump(mapping_to_dict(mapping), sort_keys=False, allow_unicode=True)


def mapping_to_json(mapping: Mapping) -> str:
    return json.dumps(mapping_to_dict(mapping), indent=2)


def looks_personal(column: str) -> bool:
    normal = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    words = set(normal.split("_"))
    return bool(words & _PERSONAL_WORDS) or any(f in normal for f in _PERSONAL_FRAGMENTS)


def _check_fields(fields: dict[str, str]) -> None:
    missing = [f for f in REQUIRED_FIELDS if f not in fields]
    if missing:
        raise MappingError(f"The mapping must name a column for {', '.join(missing)}.")
    for a, b in (("latitude", "longitude"), ("x", "y")):
        if (a in fields) != (b in fields):
            raise MappingError(f"Map both '{a}' and '{b}', or neither.")
    if "latitude" in fields and "x" in fields:
        raise MappingError("Map either latitude/longitude or x/y, not both.")


def _choice(data: dict, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = str(data.get(key) or default).lower()
    if value not in allowed:
        raise MappingError(f"'{key}' must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _timezone(value) -> str:
    value = str(value or "").strip()
    if value and value not in available_timezones():
        raise MappingError(f"Unknown time zone {value!r}; use an IANA name like America/Toronto.")
    return value


def _srid(value) -> int:
    try:
        srid = int(value)
    except (TypeError, ValueError) as exc:
        raise MappingError(f"'srid' must be an EPSG number, not {value!r}.") from exc
    if srid <= 0:
        raise MappingError(f"'srid' must be an EPSG number, not {value!r}.")
    return srid
