"""One shift, every page and API that reports crime in mission, control and other boxes, the same
numbers (docs/adr/0018-geo-layer.md): the incidents that count are `counted_incidents`' and their
box is `Incident.cell`, whoever reads them.

The shift holds the awkward cases: officer-initiated incidents of a type that counts them and of
one that does not, an unmapped one, one on the edge between two boxes, one outside every box, one
whose uncertain time window reaches into the shift and one whose window ended long before it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from datetime import timedelta

import pyproj
import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from agency.models import Agency, CrimeType
from forecasting import inputs
from forecasting import selectors as forecast_selectors
from geo.models import GridCell
from ingest.models import Incident, Source
from ingest.selectors import counted_incidents
from ingest.services.placement import place_all_incidents
from missions import reports
from missions.models import ControlBox, Mission
from oversight import evaluation
from oversight import selectors as oversight_selectors
from oversight.models import PublicationSettings
from tactics.conditions import tactics_that_fit
from tests.missions.factories import TacticFactory

pytestmark = pytest.mark.django_db
GROUPS = ("mission", "control", "other")


@pytest.fixture
def shift(planned, now_window, crime_types):
    """The planned shift's incidents; returns the expected count per group and the tactic truth."""
    burglary, robbery = crime_types
    CrimeType.objects.filter(pk=burglary.pk).update(count_officer_initiated=True)
    missions = list(Mission.objects.filter(plan=planned).exclude(status="cancelled"))
    controls = set(ControlBox.objects.filter(plan=planned).values_list("cell_id", flat=True))
    cells = {(c.col, c.row): c for c in GridCell.objects.filter(active=True, beat__isnull=False)}
    # A mission box with a beat box to its west: the incident on their shared edge lands in one.
    mission, west = next(
        (m, cells[(m.cell.col - 1, m.cell.row)])
        for m in missions
        if (m.cell.col - 1, m.cell.row) in cells
    )
    mission_cells = {m.cell_id for m in missions}
    # Another mission's box, away from the edge: its officer-initiated robbery must not count.
    second = next(m for m in missions if m.cell_id not in {mission.cell_id, west.pk})
    control = GridCell.objects.get(pk=sorted(controls)[0])
    other = next(c for c in cells.values() if c.pk not in mission_cells | controls | {west.pk})
    start = now_window.starts_at
    source = Source.objects.create(name="same numbers")

    def add(name, where, at, crime_type, *, to=None, officer_initiated=False):
        return Incident.objects.create(
            source=source,
            external_id=name,
            location=where if isinstance(where, Point) else _centre(where),
            occurred_from=at,
            occurred_to=to,
            crime_type=crime_type,
            officer_initiated=officer_initiated,
        )

    minutes = lambda n: start + timedelta(minutes=n)  # noqa: E731
    counted = {
        add("burglary in the mission box", mission.cell, minutes(5), burglary),
        add("officer-initiated burglary (counted)", control, minutes(8), burglary,
            officer_initiated=True),
        add("robbery on the mission box's west edge", _west_edge(mission.cell), minutes(9),
            robbery),
        add("robbery some time before, found during the shift", other, start - timedelta(hours=1),
            robbery, to=minutes(20)),
    }  # fmt: skip
    left_out = {
        add("unmapped code in the mission box", mission.cell, minutes(6), None),
        add("officer-initiated robbery (not counted)", second.cell, minutes(7), robbery,
            officer_initiated=True),
        add("burglary outside every box", Point(-78.0, 43.0, srid=4326), minutes(10), burglary),
        # Long before the shift and before the published months (see numbers_by_reader).
        add("robbery whose window ended long ago", other, start - timedelta(days=100), robbery,
            to=start - timedelta(days=100) + timedelta(hours=2)),
    }  # fmt: skip
    place_all_incidents()
    edge = Incident.objects.get(external_id="robbery on the mission box's west edge")
    assert edge.cell_id in {mission.cell_id, west.pk}  # on the edge, and in exactly one box

    def group(cell_pk):
        return (
            "mission" if cell_pk in mission_cells else "control" if cell_pk in controls else "other"
        )

    expected = Counter(group(Incident.objects.get(pk=i.pk).cell_id) for i in counted)
    fits = {
        "burglary": {m.pk for m in missions if m.cell_id == mission.cell_id},
        "robbery": {m.pk for m in missions if m.cell_id == edge.cell_id},
    }
    return {
        "expected": {g: expected[g] for g in GROUPS},
        "counted": {i.pk for i in counted},
        "left_out": {i.pk for i in left_out},
        "fits": fits,
        "missions": missions,
        "crime_types": {"burglary": burglary, "robbery": robbery},
    }


def test_every_reader_gives_the_same_numbers(shift, now_window, client, supervisor):
    numbers = numbers_by_reader(shift, now_window, client, supervisor)
    assert numbers["counted_incidents"] == shift["expected"]
    assert shift["expected"]["mission"] >= 1 and shift["expected"]["control"] >= 1
    assert disagreements(numbers) == []
    # The tactic conditions and the forecast inputs answer other questions of the same incidents.
    assert tactic_fits(shift) == shift["fits"]
    assert forecast_input_ids(now_window) == shift["counted"]
    assert not forecast_input_ids(now_window) & shift["left_out"]


def test_a_reader_with_its_own_rule_is_caught(shift, now_window, client, supervisor, monkeypatch):
    """The control: the mission report counting by its old rule (every incident in a box, mapped
    or not, officer-initiated or not) no longer agrees, and the comparison says which reader."""

    def own_rule(start, end):
        return Incident.objects.filter(
            occurred_from__gte=start, occurred_from__lt=end, cell__isnull=False
        )

    monkeypatch.setattr(reports, "counted_incidents", own_rule)
    wrong = disagreements(numbers_by_reader(shift, now_window, client, supervisor))
    named = {name.split(":")[0] for name in wrong}
    # The report, its API and its CSV are caught. (After other tests on the same xdist worker the
    # evaluation's control count has also come out 0 instead of 1 here, twice in about ten runs,
    # never in the uncontrolled test above: not yet explained; see the session note.)
    assert {"mission report", "mission report API", "mission report CSV"} <= named, wrong


def test_a_tactic_with_its_own_rule_is_caught(shift, monkeypatch):
    """The control for the tactic conditions: counting every incident in the box again (the
    officer-initiated robbery in the mission box too) changes the answer."""
    from tactics import conditions

    def own_rule(start, end, *, cells=None):
        return Incident.objects.filter(
            occurred_from__gte=start, occurred_from__lt=end, cell__isnull=False
        )

    assert tactic_fits(shift) == shift["fits"]
    monkeypatch.setattr(conditions, "counted_incidents", own_rule)
    assert tactic_fits(shift) != shift["fits"]


# --- the readers ---------------------------------------------------------------------------------


def numbers_by_reader(shift, now_window, client, supervisor) -> dict[str, dict[str, int]]:
    """Incidents in mission, control and other boxes (or all boxes, for the pages that report only
    a total) during the shift, as each page and API reports them."""
    day = now_window.date
    out = {}
    _, day_end = oversight_selectors.period_bounds(day, day)
    groups = Counter()
    for plan, mission_cells, control_cells in reports.planned_shift_boxes(
        date_from=day, date_to=day
    ):
        for cell_pk in counted_incidents(plan.starts_at, plan.ends_at).values_list(
            "cell_id", flat=True
        ):
            groups[
                "mission"
                if cell_pk in mission_cells
                else "control"
                if cell_pk in control_cells
                else "other"
            ] += 1
    out["counted_incidents"] = {g: groups[g] for g in GROUPS}

    report = reports.outcomes(date_from=day, date_to=day)["groups"]
    out["mission report"] = {g: report[g]["incidents"] for g in GROUPS}
    client.force_login(supervisor)
    api = client.get(reverse("api-missions-outcomes"), {"date_from": day, "date_to": day})
    out["mission report API"] = {g: api.json()["groups"][g]["incidents"] for g in GROUPS}
    csv = client.get(
        reverse("missions-report-csv", args=["outcomes"]), {"date_from": day, "date_to": day}
    )
    rows = b"".join(csv.streaming_content).decode().splitlines()[1:]
    out["mission report CSV"] = {r.split(",")[0]: int(r.split(",")[2]) for r in rows}

    result = evaluation.mission_evaluation(date_from=day, date_to=day)
    during = result["types"][0]["during"]
    out["oversight evaluation"] = {
        "mission": during["mission_incidents"],
        "control": during["control_incidents"],
    }
    settings = PublicationSettings.current()
    settings.evaluation = settings.exposure = True
    settings.months = 2  # this month and the last: the shift's day is in, whatever today is
    settings.save()
    public = client.get(reverse("public-transparency-json")).json()
    out["public page evaluation"] = {
        "mission": public["evaluation"]["types"][0]["during"]["mission_incidents"],
        "control": public["evaluation"]["types"][0]["during"]["control_incidents"],
    }
    # The pages that report a total for a period (a day, the published months): the shift's
    # incidents are all the counted ones of the period.
    out["oversight concentration"] = {
        "all": oversight_selectors.concentration_report(date_from=day, date_to=day)["incidents"]
    }
    out["public page exposure"] = {"all": sum(r["incidents"] for r in public["exposure"])}
    out["map counts"] = {
        "all": sum(forecast_selectors.incident_counts_by_cell(days=1, now=day_end).values())
    }
    return out


def disagreements(numbers: dict[str, dict[str, int]]) -> list[str]:
    """Readers whose numbers differ from counted_incidents' ("all" = the three groups' sum)."""
    truth = dict(numbers["counted_incidents"], all=sum(numbers["counted_incidents"].values()))
    return [
        f"{reader}: {key} {value} != {truth[key]}"
        for reader, found in numbers.items()
        for key, value in found.items()
        if value != truth[key]
    ]


def tactic_fits(shift) -> dict[str, set[int]]:
    """Missions offered a 'recent crime in the box' tactic of each type (last day to shift end)."""
    missions = list(
        Mission.objects.filter(pk__in=[m.pk for m in shift["missions"]]).select_related("cell")
    )
    tactics = {
        code: TacticFactory(name=f"After a {code}", recent_crime_type=ct, recent_days=1)
        for code, ct in shift["crime_types"].items()
    }
    fits = tactics_that_fit(list(tactics.values()), missions)
    answer = {code: fits[t.pk] for code, t in tactics.items()}
    for tactic in tactics.values():
        tactic.delete()
    return answer


def forecast_input_ids(now_window) -> set[int]:
    """Incidents the forecast reads for the shift's day, each checked to sit in its Incident.cell
    on the engine's grid too."""
    agency = Agency.current()
    types = {ct.code: ct for ct in CrimeType.objects.filter(enabled=True)}
    events = inputs.load_events(
        types, start=now_window.date, end=now_window.date + dt.timedelta(days=1), tz=agency.timezone
    ).frame
    grid, cell_pks = inputs.load_grid()
    index = grid.lonlat_to_index(events["longitude"], events["latitude"])
    ids = events["id"].astype(int).to_numpy()
    stored = dict(Incident.objects.filter(pk__in=ids.tolist()).values_list("pk", "cell_id"))
    assert (index >= 0).all()
    assert [int(p) for p in cell_pks[index]] == [stored[int(i)] for i in ids]
    return set(ids.tolist())


# --- places ---------------------------------------------------------------------------------------


def _centre(cell: GridCell) -> Point:
    return Point(cell.center.x, cell.center.y, srid=4326)


def _west_edge(cell: GridCell) -> Point:
    """The middle of the cell's west edge, drawn from its metric square."""
    x, y = cell.col * cell.cell_size_m, (cell.row + 0.5) * cell.cell_size_m
    to_lonlat = pyproj.Transformer.from_crs(cell.epsg, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    return Point(float(lon), float(lat), srid=4326)
