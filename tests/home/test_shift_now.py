"""The analyst's and the officer's home pages name the shift under way with its local hours."""

import pytest
from django.urls import reverse

from agency.models import Agency, Shift
from agency.selectors import current_shift_window

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "page"), [("analyst", "analyst-home"), ("officer", "officer-home")]
)
def test_the_home_page_names_the_shift_under_way(small_agency, client, request, role, page):
    client.force_login(request.getfixturevalue(role))
    window = current_shift_window()  # the small agency's shifts cover the day
    tz = Agency.current().tz
    hours = f"{window.starts_at.astimezone(tz):%H:%M}–{window.ends_at.astimezone(tz):%H:%M}"
    html = client.get(reverse(page)).content.decode()
    assert f"Shift now: <strong>{window.shift.name}</strong>, {hours}" in html
    Shift.objects.all().delete()
    html = client.get(reverse(page)).content.decode()
    assert "No shift is under way." in html and "Shift now:" not in html
