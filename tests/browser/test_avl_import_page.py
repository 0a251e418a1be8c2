"""The AVL import page in real Chromium on a phone: an upload's refused rows and the latest uploads
are one block per row, each value on the screen (they were columns past its right edge, the row as
sent cut off), while a desktop keeps the table."""

import pytest

from jobs.models import JobRun
from patrol.job_kinds import AVL_IMPORT_KIND
from patrol.models import RejectedPosition
from tests.browser.conftest import watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SENT = {"unit": "1A01", "at": "2026-12-06T21:00:00-05:00", "latitude": "NOT_A_NUMBER",
        "longitude": "-79.90", "speed_kmh": "10"}  # fmt: skip

# Per refused row and per upload row: the right edge of each cell, in screen pixels.
CELL_RIGHTS = """() => [...document.querySelectorAll('#avl-rejected-rows td, #avl-jobs td')]
  .map((td) => td.getBoundingClientRect().right)"""


@pytest.fixture
def upload(analyst):
    """An upload whose rows were all refused, as the import job leaves it (test data)."""
    job = JobRun.objects.create(
        kind=AVL_IMPORT_KIND,
        status=JobRun.Status.SUCCEEDED,
        params={"file": "cad-avl-export-night-shift.csv"},
        result={"rows": 2, "stored": 0, "duplicates": 0, "rejected": 2},
        message="cad-avl-export-night-shift.csv: 2 rows, 0 stored, 2 refused (2 latitude).",
        created_by=analyst,
    )
    for row in (1, 2):
        RejectedPosition.objects.create(
            job=job,
            file_name=job.params["file"],
            row_number=row,
            field="latitude",
            reason="latitude is not a number: 'NOT_A_NUMBER'.",
            raw=SENT,
        )
    return job


def test_refused_rows_read_on_a_phone_and_stay_a_table_on_a_desktop(
    upload, analyst, login, browser, live_server
):
    desktop = login("analyst")
    url = f"{live_server.url}/patrol/avl/import/?job={upload.pk}"
    desktop.goto(url)
    assert desktop.locator("#avl-rejected-rows thead").is_visible()  # control: a table here
    assert desktop.locator("#avl-rejected-rows tr.rejected").count() == 2

    context = browser.new_context(viewport=PHONE, storage_state=desktop.context.storage_state())
    phone = watched_page(context)
    phone.goto(url)
    rights = phone.evaluate(CELL_RIGHTS)
    assert len(rights) == 2 * 4 + 5 and max(rights) <= PHONE["width"], rights  # was 595 px
    first = phone.locator("#avl-rejected-rows tr.rejected").first
    assert "latitude=NOT_A_NUMBER" in first.inner_text()  # the row as sent, whole
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.js_errors == [] and phone.csp_violations == []
    context.close()
