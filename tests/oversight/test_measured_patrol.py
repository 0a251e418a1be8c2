# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The evaluation on measured exposure: minutes in mission, control and other boxes per shift from
patrol.BoxExposure (positions → measure_exposure), a control box that AVL shows patrolled is
flagged on the page and in the CSV, and the effect is given again without it."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from agency.selectors import shift_windows_before
from missions import services as mission_services
from missions.models import ControlBox, Mission
from oversight import evaluation
from patrol import services as patrol_services
from patrol.models import BoxExposure, Unit
from tests.missions.conftest import crime_types, forecast, grid, policy  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_window(small_agency):
    """The last shift that ended: its positions are all in the past (none refused as future)."""
    from django.utils import timezone

    windows = shift_windows_before(at=timezone.now(), count=3)
    return next(w for w in windows if w.ends_at <= timezone.now())


@pytest.fixture
def past_plan(forecast, policy, past_window):
    forecast(past_window.date, past_window.shift)
    return mission_services.plan_missions(date=past_window.date, shift=past_window.shift)


def drive(unit: str, cell, start, minutes: int, step_s: int = 20) -> list[dict]:
    """Fixes every `step_s` seconds at the centre of `cell` for `minutes`."""
    return [
        {
            "unit": unit,
            "at": (start + timedelta(seconds=s)).isoformat(),
            "latitude": cell.center.y,
            "longitude": cell.center.x,
        }
        for s in range(0, minutes * 60 + 1, step_s)
    ]


@pytest.fixture
def patrolled_control(past_plan, past_window, admin_user):
    """Unit 1A10 spends 30 minutes in the plan's first control box and 12 in its first mission box;
    the second control box sees nobody."""
    controls = list(ControlBox.objects.filter(plan=past_plan).select_related("cell").order_by("pk"))
    assert len(controls) >= 2, "the policy holds back at least two control boxes"
    mission = Mission.objects.filter(plan=past_plan).exclude(status="cancelled").first()
    Unit.objects.create(call_sign="1A10")
    start = past_window.starts_at + timedelta(minutes=30)
    records = drive("1A10", controls[0].cell, start, 30) + drive(
        "1A10", mission.cell, start + timedelta(minutes=40), 12
    )
    result = patrol_services.receive_positions(records=records, actor=admin_user)
    assert result.stored == len(records) and not result.rejected
    patrol_services.measure_exposure(day=past_window.date, shift=past_window.shift)
    return controls[0].cell, controls[1].cell, mission.cell


def test_a_control_box_patrolled_by_avl_is_flagged(past_window, patrolled_control):
    patrolled, quiet, mission_cell = patrolled_control
    assert BoxExposure.objects.filter(cell=patrolled).exists()
    day = past_window.date
    result = evaluation.mission_evaluation(date_from=day, date_to=day)
    patrol = result["patrol"]
    flagged = {r["cell_id"] for r in patrol["patrolled_controls"]}
    assert flagged == {patrolled.cell_id}
    assert quiet.cell_id not in flagged  # the positive control: an unpatrolled control is not
    (shift,) = [r for r in patrol["shifts"] if r["date"] == day]
    assert shift["control_minutes"] == pytest.approx(30, abs=0.5)
    assert shift["mission_minutes"] == pytest.approx(12, abs=0.5)
    # The unit drove between the two boxes: the gap (10 min > AVL_MAX_GAP_S) is nowhere, so no
    # minutes land in other boxes.
    assert shift["other_minutes"] == pytest.approx(0, abs=0.01)
    assert shift["patrolled_controls"] == 1
    # Without the patrolled control the comparison has one control box-shift fewer.
    assert result["control_box_shifts_unpatrolled"] == result["control_box_shifts"] - 1
    assert result["types_without_patrolled"][0]["code"] == "all"


def test_the_evaluation_page_and_csv_flag_the_patrolled_control(
    client, analyst, past_window, patrolled_control
):
    patrolled, quiet, _ = patrolled_control
    patrolled.location_label = "Elm St & Oak Ave"  # the small agency has no streets to name it by
    patrolled.save(update_fields=["location_label"])
    client.force_login(analyst)
    query = {"date_from": past_window.date.isoformat(), "date_to": past_window.date.isoformat()}
    html = client.get(reverse("oversight-evaluation"), query).content.decode()
    assert "1 control box received patrol" in html
    assert f"<td>{patrolled.cell_id}</td>" in html
    assert f"<td>{quiet.cell_id}</td>" not in html
    # Where the box is, in words, and the rows folded under their count (hundreds in a month).
    assert "<td>Elm St &amp; Oak Ave</td>" in html
    assert "Each patrolled control box and shift (1)</summary>" in html
    assert "without the control boxes that received patrol" in html
    # Minutes read as whole minutes, not "30.3" or "12.0".
    measured = re.search(
        r"(\d[\d,]*) in mission boxes, (\d[\d,]*) in control boxes, (\d[\d,]*) in other boxes", html
    )
    assert measured, "the measured minutes are whole numbers"
    assert 29 <= int(measured.group(2)) <= 31 and 11 <= int(measured.group(1)) <= 13
    response = client.get(reverse("oversight-evaluation-csv"), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    flagged = [r for r in rows if r and r[0] == "patrolled_control"]
    assert [r[3] for r in flagged] == [patrolled.cell_id]
    assert float(flagged[0][4]) == pytest.approx(30, abs=0.5)
    assert flagged[0][6] == "Elm St & Oak Ave"
    assert any(r[:2] == ["effect", "without_patrolled"] for r in rows)
    assert any(r[:2] == ["effect", "all"] for r in rows)


def test_without_measured_patrol_nothing_is_flagged(past_plan, past_window):
    day = past_window.date
    result = evaluation.mission_evaluation(date_from=day, date_to=day)
    assert result["patrol"]["measured"] is False
    assert result["patrol"]["patrolled_controls"] == []
    assert result["types_without_patrolled"] == []
