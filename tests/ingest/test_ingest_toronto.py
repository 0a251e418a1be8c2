"""The real Toronto MCI file (../shared/data/toronto): a slice in the suite, the whole in bench/."""

import gzip
import io
import itertools

import pandas as pd
import pytest
from django.core.management import call_command
from django.db.models import Count
from ingest_factories import CrimeTypeFactory
from ingest_testdata import TORONTO_DIR

from agency.services import DISTRICT, import_boundaries
from ingest.models import ImportRun, Incident

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (TORONTO_DIR / "incidents.csv.gz").exists(), reason="../shared/data/toronto absent"
    ),
]
SLICE_ROWS = 20_000
CATEGORIES = {
    "Assault": "assault",
    "Break and Enter": "break-and-enter",
    "Auto Theft": "auto-theft",
    "Robbery": "robbery",
    "Theft Over": "theft-over",
}


@pytest.fixture
def toronto_slice(tmp_path):
    """Every 12th row of the file (spread over all years), gzipped like the original."""
    path = tmp_path / "toronto-slice.csv.gz"
    with gzip.open(TORONTO_DIR / "incidents.csv.gz", "rt") as src, gzip.open(path, "wt") as dst:
        dst.write(src.readline())
        dst.writelines(itertools.islice(src, 0, SLICE_ROWS * 12, 12))
    return path


def test_toronto_slice_maps_every_category_and_reimports_unchanged(agency, toronto_slice):
    for name, code in CATEGORIES.items():
        CrimeTypeFactory(code=code, name=name)
    import_boundaries(path=TORONTO_DIR / "divisions.geojson", level=DISTRICT, name_field="DIV")
    frame = pd.read_csv(toronto_slice)
    expected, rows = frame["category"].value_counts().to_dict(), len(frame)

    out = io.StringIO()
    call_command(
        "import_incidents",
        str(toronto_slice),
        "--source",
        "toronto",
        "--mapping",
        "toronto-mci",
        stdout=out,
    )
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.total_rows == rows and run.unmapped == 0
    assert run.created + run.rejected == rows
    # Points snapped to intersections on the city limit can fall just outside the divisions.
    assert set(run.details["rejected_by_reason"]) <= {"outside_jurisdiction"}
    assert run.rejected < rows * 0.01
    stored = dict(
        Incident.objects.values("crime_type__name")
        .annotate(n=Count("id"))
        .values_list("crime_type__name", "n")
    )
    for name, count in expected.items():
        assert count - run.rejected <= stored[name] <= count
    first = Incident.objects.order_by("occurred_from").first()
    assert first.occurred_from.isoformat() == "2014-01-01T05:00:00+00:00"  # midnight EST

    call_command("import_incidents", str(toronto_slice), "--source", "toronto", stdout=out)
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert (again.created, again.updated, again.unchanged) == (0, 0, run.created)
    assert "created 0\nupdated 0\nunchanged" in out.getvalue()
