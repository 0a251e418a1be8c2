"""Imports and exports of rejected rows are audit events, with their failed and denied variants."""

import pytest
from ingest_testdata import CANONICAL_HEADER, canonical_rows

from audit.models import AuditEvent
from ingest import services
from ingest.models import ImportRun

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def run_file(path, strict=False, user=None):
    source, mapping = services.resolve_source(name="feed", mapping_spec="canonical")
    return services.import_incidents_file(
        path=path, source=source, mapping=mapping, strict=strict, user=user
    )


def test_import_success_and_strict_failure_are_recorded(agency, crime_types, write_csv, analyst):
    good = write_csv("good.csv", CANONICAL_HEADER, canonical_rows(4))
    run = run_file(good, user=analyst)
    event = last("ingest.import")
    assert (event.actor, event.role, event.outcome, event.object_type, event.object_id) == (
        analyst,
        "Analyst",
        "success",
        "ingest.importrun",
        str(run.pk),
    )
    assert event.after == {
        "source": "feed",
        "file": "good.csv",
        "via": run.via,
        "total": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "unmapped": 0,
    }
    bad = write_csv(
        "bad.csv",
        CANONICAL_HEADER,
        [*canonical_rows(2, start=10), ["x", "not a date", "", "", "Assault"]],
    )
    failed_run = run_file(bad, strict=True)
    assert failed_run.status == ImportRun.Status.FAILED
    failed = last("ingest.import")
    assert (failed.outcome, failed.object_id, failed.actor) == ("failure", str(failed_run.pk), None)
    assert "Strict" in failed.reason and failed.after["rejected"] == 1


def test_unreadable_file_is_recorded_as_a_failed_import(agency, crime_types, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    run = run_file(path)
    assert run.status == ImportRun.Status.FAILED
    failed = last("ingest.import")
    assert (failed.outcome, failed.object_id, failed.reason) == (
        "failure",
        str(run.pk),
        run.message,
    )


def test_rejected_rows_export_is_recorded_and_a_refused_one_too(
    agency, crime_types, write_csv, analyst, officer, client
):
    path = write_csv(
        "mixed.csv", CANONICAL_HEADER, [*canonical_rows(2), ["x", "not a date", "", "", "Assault"]]
    )
    run = run_file(path)
    url = f"/ingest/runs/{run.pk}/rejected.csv"
    client.force_login(officer)
    assert client.get(url).status_code == 403
    assert (last("access.denied").actor, last("access.denied").object_id) == (officer, url)
    assert last("export.rejected_rows") is None
    client.force_login(analyst)
    response = client.get(url, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 200 and b"not a date" in b"".join(response.streaming_content)
    export = last("export.rejected_rows")
    assert (export.actor, export.source_address, export.object_id) == (
        analyst,
        "10.1.1.1",
        str(run.pk),
    )
    assert export.after == {"file": f"rejected-run-{run.pk}.csv", "rows": 1}
    assert export.request_id == response["X-Request-ID"]


def test_layer_and_calendar_imports_are_recorded_and_a_refused_calendar_too(agency, write_csv):
    from django.core.management import call_command

    bars = write_csv(
        "bars.csv", ["name", "lat", "lon"], [["Bar A", "43.65", "-79.40"], ["Nowhere", "", ""]]
    )
    call_command("import_layer", str(bars), "--name", "Bars", stdout=None)
    layer = last("ingest.layer_import")
    assert (layer.outcome, layer.object_type, layer.actor) == ("success", "ingest.risklayer", None)
    assert layer.after == {"layer": "bars", "file": "bars.csv", "points": 1, "skipped": 1}
    events = write_csv(
        "events.csv", ["name", "start", "end"], [["Fair", "2023-06-01 10:00", "2023-06-01 12:00"]]
    )
    call_command("import_events", str(events), "--calendar", "Summer")
    imported = last("ingest.calendar_import")
    assert (imported.outcome, imported.object_id, imported.after) == (
        "success",
        "summer",
        {"file": "events.csv", "created": 1, "updated": 0},
    )
    bad = write_csv(
        "bad.csv", ["name", "start", "end"], [["Backwards", "2023-06-01 10:00", "2023-06-01 09:00"]]
    )
    with pytest.raises(Exception, match="nothing imported"):
        call_command("import_events", str(bad), "--calendar", "Summer")
    refused = last("ingest.calendar_import")
    assert (refused.outcome, refused.reason_code, refused.after) == (
        "failure",
        "bad_rows",
        {"file": "bad.csv"},
    )
