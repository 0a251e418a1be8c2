"""The AVL backfill's bulk paths (issue 18, "Speed and scale"): a file imported outside a transaction
judges each chunk while the one before it is written on its own connection, and keeps every row
(stored once, refused with its row and reason, a blank number stored as NULL); many shifts measured
at once give the minutes measuring each one gives."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from agency.models import Shift
from agency.selectors import shift_window
from forecasting.services import build_grid
from geo.models import GridCell
from patrol import avl_import, services
from patrol.avl_import import import_avl_file
from patrol.models import BoxExposure, Position, RejectedPosition, Unit

TORONTO = ZoneInfo("America/Toronto")
T0 = datetime(2026, 6, 1, 15, 0, tzinfo=TORONTO)


@pytest.fixture
def boxes(small_agency):
    build_grid()
    Unit.objects.create(call_sign="2A31", vehicle_id="V-31")
    Unit.objects.create(call_sign="2A32")
    return list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk")[:3])


@pytest.mark.django_db(transaction=True)
def test_a_file_imported_outside_a_transaction_is_written_beside_its_judging(
    tmp_path, boxes, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SpatiaLite serialises writers: its import stays one chunk after another")
    box = boxes[0]
    y, x = box.center.y, box.center.x
    lines = ["time,vehicle_id,lat,lon,speed"]
    lines += [
        f"{(T0 + timedelta(seconds=s)).isoformat()},V-31,{y},{x},{'' if s == 50 else 30}"
        for s in range(0, 600, 10)
    ]
    lines += [
        f"yesterday,V-31,{y},{x},",  # row 61: bad time
        f"{T0.isoformat()},9Z99,{y},{x},",  # 62: unknown unit
        f"{T0.isoformat()},V-31,{y},{x},",  # 63: the same unit and time as row 1
        f"{(T0 + timedelta(seconds=3)).isoformat()},V-31,10.0,{x},",  # 64: outside
    ]
    path = tmp_path / "avl.csv"
    path.write_text("\n".join(lines) + "\n")
    written = []
    on_own_connection = avl_import._on_own_connection
    monkeypatch.setattr(
        avl_import, "_on_own_connection", lambda work: written.append(on_own_connection(work))
    )

    result = import_avl_file(path, chunk_rows=7)

    assert len(written) == 10  # every chunk written by the writer thread
    assert (result.rows, result.stored, result.duplicates, result.rejected) == (64, 60, 1, 3)
    assert result.first == T0 and result.last == T0 + timedelta(seconds=590)
    kept = dict(RejectedPosition.objects.values_list("row_number", "field"))
    assert kept == {61: "at", 62: "unit", 64: "latitude"}
    speeds = dict(Position.objects.values_list("at", "speed_kmh"))
    assert speeds[T0 + timedelta(seconds=50)] is None and speeds[T0] == 30.0
    assert set(Position.objects.values_list("cell_id", flat=True)) == {box.pk}
    again = import_avl_file(path, chunk_rows=50)  # re-sent: nothing stored twice
    assert (again.stored, again.duplicates) == (0, 61) and Position.objects.count() == 60


@pytest.mark.django_db
def test_many_shifts_measured_at_once_equal_each_measured_alone(boxes):
    """Two units from 05:00 to 07:00 the next day, so over four shifts (a fix every 30 s, the box
    changing every 20 minutes, a 10-minute gap): the same (unit, box, shift) minutes either way."""
    units = list(Unit.objects.order_by("pk"))
    start = datetime(2026, 6, 1, 5, 0, tzinfo=TORONTO)
    fixes = []
    for n, unit in enumerate(units):
        for step in range(0, 26 * 120):
            if 400 <= step < 420:  # the gap
                continue
            cell = boxes[(step // 40 + n) % len(boxes)]
            fixes.append(
                Position(
                    unit=unit,
                    at=start + timedelta(seconds=30 * step + 7 * n),
                    location=cell.center,
                    cell=cell,
                )
            )
    Position.objects.bulk_create(fixes)
    windows = [
        shift_window(date=day, shift=shift)
        for day in (date(2026, 6, 1), date(2026, 6, 2))
        for shift in Shift.objects.order_by("pk")
    ]

    together = services.measure_exposure_windows(windows)
    at_once = _minutes()
    BoxExposure.objects.all().delete()
    alone = sum(services.measure_exposure(day=w.date, shift=w.shift) for w in windows)

    assert together == alone == len(at_once) and _minutes() == at_once
    assert len({(shift, day) for _, _, shift, day in at_once}) == 4  # the data spans 4 shifts
    # 06:00 to the last fix before 07:00 the next day, less the 10.5-minute gap, per unit.
    assert sum(at_once.values()) == pytest.approx(2 * (25 * 60 - 0.5 - 10.5), abs=0.5)


def _minutes() -> dict:
    return {
        (unit, cell, shift, day): round(minutes, 6)
        for unit, cell, shift, day, minutes in BoxExposure.objects.values_list(
            "unit_id", "cell_id", "shift_id", "date", "minutes"
        )
    }


@pytest.mark.django_db
def test_a_large_batch_copied_straight_in_stores_what_the_insert_stores(boxes, monkeypatch):
    """A batch of times not yet stored goes by COPY into the table: the same rows and values
    (point, box, NULL numbers, source) as the COPY into a temporary table and INSERT … ON CONFLICT;
    a batch overlapping stored fixes, and one whose COPY meets a fix stored after the look (a push
    racing it), stores only what is new."""
    if connection.vendor != "postgresql":
        pytest.skip("SpatiaLite has only the ORM's bulk insert")
    unit = Unit.objects.get(call_sign="2A31")
    box = boxes[0]
    y, x = box.center.y, box.center.x

    def table(first: int, count: int):
        checked = services.check_fixes(
            services.pd.DataFrame(
                {
                    "unit": ["2A31"] * count,
                    "at": [
                        (T0 + timedelta(seconds=s)).isoformat() for s in range(first, first + count)
                    ],
                    "latitude": [y + (s % 7) * 1e-6 for s in range(count)],
                    "longitude": [x] * count,
                    "speed_kmh": [None if s % 3 else 12.5 for s in range(count)],
                    "heading_deg": [None if s % 2 else 90.0 for s in range(count)],
                    "accuracy_m": [None] * count,
                }
            ),
            unit_ids={"2A31": unit.pk},
            tz=TORONTO,
            latest=T0 + timedelta(days=1),
        )
        return services.fixes_table(checked)[0]

    columns = (
        "unit_id",
        "at",
        "cell_id",
        "in_excluded_area",
        "speed_kmh",
        "heading_deg",
        "accuracy_m",
        "source",
    )

    def stored_rows():
        rows = Position.objects.order_by("at").values_list(*columns, "location")
        return [(*r[:-1], r[-1].x, r[-1].y, r[-1].srid) for r in rows]

    copied = []
    copy = services._copy_into_positions
    monkeypatch.setattr(services, "DIRECT_COPY_ROWS", 20)
    monkeypatch.setattr(
        services, "_copy_into_positions", lambda *a: (copied.append(1), copy(*a))[1]
    )
    assert services.store_fixes(table(0, 30)) == 30 and copied == [1]
    by_copy = stored_rows()
    Position.objects.all().delete()
    monkeypatch.setattr(services, "DIRECT_COPY_ROWS", 10**9)
    assert services.store_fixes(table(0, 30)) == 30 and copied == [1]
    assert stored_rows() == by_copy
    assert by_copy[1][4:7] == (None, None, None) and by_copy[0][4:6] == (12.5, 90.0)
    assert by_copy[0][-3:] == (x, y, 4326) and by_copy[0][2] == box.pk

    monkeypatch.setattr(services, "DIRECT_COPY_ROWS", 20)
    assert services.store_fixes(table(20, 30)) == 20 and copied == [1]  # overlaps: no COPY
    monkeypatch.setattr(services, "_any_stored_in_span", lambda *a: False)  # a push raced the look
    assert services.store_fixes(table(40, 30)) == 20 and copied == [1, 1]
    assert Position.objects.count() == 70
