"""Mappings: presets, the incident-field allow-list, and columns with personal data refused."""

import json

import pytest

from ingest.mapping import (
    DEFAULT_PRESET,
    MappingError,
    load_mapping,
    looks_personal,
    mapping_to_yaml,
    parse_mapping,
    parse_mapping_text,
    preset_names,
)


def test_the_four_presets_ship_and_load():
    assert set(preset_names()) >= {"canonical", "toronto-mci", "socrata-crimes", "cad-generic"}
    toronto = load_mapping("toronto-mci")
    assert toronto.fields["raw_code"] == "category"
    assert toronto.timezone == "America/Toronto"
    assert toronto.codes["Break and Enter"] == "break-and-enter"
    socrata = load_mapping("socrata-crimes")
    assert socrata.fields["source_updated_at"] == "Updated On"
    assert socrata.time_format == "%m/%d/%Y %I:%M:%S %p"
    cad = load_mapping("cad-generic")
    assert cad.kind == "cad" and cad.uses_xy and cad.officer_initiated_field == "initiated_by"
    assert load_mapping(None).preset == DEFAULT_PRESET


def test_personal_columns_and_unknown_fields_are_dropped_with_a_warning():
    mapping = parse_mapping(
        {
            "fields": {
                "external_id": "id",
                "occurred_from": "when",
                "latitude": "lat",
                "longitude": "lon",
                "call_type": "Suspect Name",
                "premise_type": "Victim DOB",
                "disposition": "narrative",
                "priority": "Caller Phone",
                "narrative": "narrative",
                "name": "name",
            },
            "officer_initiated": {"field": "complainant_address"},
        }
    )
    assert mapping.fields == {
        "external_id": "id",
        "occurred_from": "when",
        "latitude": "lat",
        "longitude": "lon",
    }
    assert mapping.officer_initiated_field == ""
    assert set(mapping.columns) == {"id", "when", "lat", "lon"}
    text = " ".join(mapping.warnings)
    for word in (
        "Suspect Name",
        "Victim DOB",
        "Caller Phone",
        "'narrative' is not",
        "'name' is not",
        "complainant_address",
    ):
        assert word in text


@pytest.mark.parametrize(
    "column, personal",
    [
        ("first_name", True),
        ("LastName", True),
        ("DOB", True),
        ("date_of_birth", True),
        ("Narrative", True),
        ("phone_number", True),
        ("Home Address", True),
        ("email", True),
        ("category", False),
        ("premises_type", False),
        ("neighbourhood", False),
        ("occurred_at", False),
        ("Primary Type", False),
        ("call_id", False),
    ],
)
def test_looks_personal(column, personal):
    assert looks_personal(column) is personal


@pytest.mark.parametrize(
    "data, message",
    [
        ({"fields": {"occurred_from": "t", "latitude": "a", "longitude": "b"}}, "external_id"),
        ({"fields": {"external_id": "i", "occurred_from": "t", "latitude": "a"}}, "both"),
        (
            {"fields": {"external_id": "i", "occurred_from": "t"}, "timezone": "Mars/Olympus"},
            "time zone",
        ),
        ({"fields": {"external_id": "i", "occurred_from": "t"}, "srid": "utm"}, "srid"),
        ({"fields": {"external_id": "i", "occurred_from": "t"}, "format": "xlsx"}, "format"),
        ({}, "fields"),
    ],
)
def test_bad_mappings_say_why(data, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(data)


def test_mapping_files_in_yaml_or_json_round_trip(tmp_path):
    original = load_mapping("cad-generic")
    yaml_file = tmp_path / "m.yaml"
    yaml_file.write_text(mapping_to_yaml(original))
    json_file = tmp_path / "m.json"
    json_file.write_text(json.dumps(parse_mapping_text(mapping_to_yaml(original))))
    for path in (yaml_file, json_file):
        loaded = load_mapping(str(path))
        assert loaded.fields == original.fields
        assert loaded.officer_initiated_values == original.officer_initiated_values
    with pytest.raises(MappingError, match="neither a preset"):
        load_mapping(str(tmp_path / "missing.yaml"))
