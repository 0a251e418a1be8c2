"""The agency's shared reads: naming a shift, the local date."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from agency.models import Shift
from agency.selectors import UnknownShift, local_today, shift_named

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def test_a_shift_is_named_by_its_name_in_any_case_or_by_its_id(small_agency):
    night = Shift.objects.get(name="Night")
    assert shift_named("night") == night
    assert shift_named(" NIGHT ") == night
    assert shift_named(str(night.pk)) == night
    assert shift_named(night.pk) == night


def test_a_name_wins_over_an_id(small_agency):
    day = Shift.objects.get(name="Day")
    named_like_an_id = Shift.objects.create(
        name=str(day.pk), start_time="10:00", duration_minutes=480
    )
    assert shift_named(str(day.pk)) == named_like_an_id


@pytest.mark.parametrize("value", ["Graveyard", "99999", "", "   "])
def test_an_unknown_shift_is_refused_with_the_names_there_are(small_agency, value):
    with pytest.raises(UnknownShift, match="shifts are: Day, Evening, Night"):
        shift_named(value)


def test_local_today_is_the_agency_date_not_the_utc_date(small_agency):
    three_am_utc = datetime(2021, 7, 2, 3, 0, tzinfo=UTC)  # 23:00 on July 1 in Toronto
    assert local_today(now=three_am_utc) == date(2021, 7, 1)
    assert local_today(now=datetime(2021, 7, 2, 5, 0, tzinfo=UTC)) == date(2021, 7, 2)
