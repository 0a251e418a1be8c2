"""manage.py import_avl: a CAD's file of positions (CSV, GeoJSON) read in chunks by the same rule
set as the push; refused rows kept with row, field and reason; a re-import stores nothing twice;
a file too large or of the wrong format refused whole, with nothing already stored lost."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from agency.models import Shift
from audit.models import AuditEvent
from forecasting.services import build_grid
from geo.models import GridCell
from patrol.avl_import import import_avl_file
from patrol.models import BoxExposure, Position, RejectedPosition, Unit

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
T0 = datetime(2026, 6, 1, 15, 0, tzinfo=TORONTO)


@pytest.fixture
def box(small_agency):
    build_grid()
    Unit.objects.create(call_sign="2A31", vehicle_id="V-31")
    return GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk").first()


def csv_file(tmp_path, box, extra_lines=()):
    lines = ["time,vehicle_id,lat,lon,speed,accuracy"]
    lines += [
        f"{(T0 + timedelta(seconds=s)).isoformat()},V-31,{box.center.y},{box.center.x},30,5"
        for s in range(0, 600, 10)
    ]
    lines += list(extra_lines)
    path = tmp_path / "avl.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_file_is_imported_in_chunks_with_every_bad_row_kept_with_its_reason(tmp_path, box):
    y, x = box.center.y, box.center.x
    bad = [
        f"yesterday,V-31,{y},{x},,",  # row 61: bad time
        f"{T0.isoformat()},9Z99,{y},{x},,",  # 62: unknown unit
        f"{(T0 + timedelta(days=3650)).isoformat()},V-31,{y},{x},,",  # 63: future
        f"{(T0 + timedelta(seconds=1)).isoformat()},V-31,north,{x},,",  # 64: not a number
        f"{(T0 + timedelta(seconds=2)).isoformat()},V-31,10.0,{x},,",  # 65: outside
        f"{T0.isoformat()},V-31,{y},{x},,",  # 66: the same unit and time as row 1
    ]
    path = csv_file(tmp_path, box, bad)
    seen = []
    result = import_avl_file(path, chunk_rows=7, progress=lambda done, total: seen.append(done))
    assert (result.rows, result.stored, result.duplicates, result.rejected) == (66, 60, 1, 5)
    assert len(seen) == 10 and seen[-1] == path.stat().st_size  # ten chunks, the last at the end
    kept = {r.row_number: (r.field, r.reason) for r in RejectedPosition.objects.all()}
    assert sorted(kept) == [61, 62, 63, 64, 65]
    assert kept[61][0] == "at" and "ISO 8601" in kept[61][1]
    assert kept[62] == ("unit", "Unknown unit '9Z99': add it to the roster's units first.")
    assert kept[63][0] == "at" and "future" in kept[63][1]
    assert kept[64] == ("latitude", "latitude is not a number: 'north'.")
    assert kept[65] == ("latitude", "Outside every box of the jurisdiction.")
    assert RejectedPosition.objects.get(row_number=62).raw["unit"] == "9Z99"
    assert set(Position.objects.values_list("cell_id", flat=True)) == {box.pk}
    fix = Position.objects.order_by("at").first()
    assert fix.at == T0 and (fix.speed_kmh, fix.accuracy_m) == (30.0, 5.0)
    assert AuditEvent.objects.get(action="avl.file_imported").after["stored"] == 60
    again = import_avl_file(path, chunk_rows=50)  # re-sent: nothing stored twice
    assert (again.stored, again.duplicates) == (0, 61) and Position.objects.count() == 60


def test_a_geojson_file_of_points_is_imported(tmp_path, box):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [box.center.x, box.center.y]},
            "properties": {"unit": "2A31", "at": (T0 + timedelta(seconds=s)).isoformat()},
        }
        for s in range(0, 100, 10)
    ]
    features[3]["properties"]["unit"] = "nobody"
    path = tmp_path / "avl.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = import_avl_file(path, chunk_rows=4)
    assert (result.stored, result.rejected) == (9, 1)
    assert RejectedPosition.objects.get().row_number == 4


def test_a_file_too_large_or_of_the_wrong_kind_is_refused_and_nothing_stored_is_lost(
    tmp_path, box, settings
):
    call_command("import_avl", str(csv_file(tmp_path, box)), "--no-progress")
    assert Position.objects.count() == 60
    settings.AVL_IMPORT_MAX_BYTES = 1000
    with pytest.raises(CommandError, match=r"more than AVL_IMPORT_MAX_BYTES .* split the file"):
        call_command("import_avl", str(csv_file(tmp_path, box)), "--no-progress")
    settings.AVL_IMPORT_MAX_BYTES = 10**9
    wrong = tmp_path / "avl.xlsx"
    wrong.write_bytes(b"PK\x03\x04")
    with pytest.raises(CommandError, match="give a .csv or .geojson file"):
        call_command("import_avl", str(wrong), "--no-progress")
    no_columns = tmp_path / "other.csv"
    no_columns.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="no column for unit, at"):
        call_command("import_avl", str(no_columns), "--no-progress")
    assert Position.objects.count() == 60


def test_the_command_measures_the_files_shifts(tmp_path, box, capsys):
    call_command("import_avl", str(csv_file(tmp_path, box)), "--measure", "--no-progress")
    out = capsys.readouterr().out
    assert "60 stored" in out and "Measured" in out
    exposure = BoxExposure.objects.get(
        date=date(2026, 6, 1), shift=Shift.objects.get(name="Evening")
    )
    assert exposure.minutes == pytest.approx(590 / 60)
