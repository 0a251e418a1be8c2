"""Issue 21, finding 5: every text a page takes is bounded as the API bounds it. The probe: the
analyst's page accepted a 1,000,000-character suppression reason that the API refuses."""

import re
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

from accounts import forms as account_forms
from ingest import forms as ingest_forms
from missions import forms as mission_forms
from missions import serializers
from missions.models import Suppression

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_million_character_reason_is_refused_on_the_page_as_by_the_api(
    client, analyst, now_window, grid
):
    client.force_login(analyst)
    post = {
        "date": now_window.date.isoformat(),
        "shift": now_window.shift.pk,
        "sup-cell_ids": grid[0].cell_id,
        "sup-date_from": now_window.date.isoformat(),
        "sup-reason_code": "event",
    }
    refused = client.post(
        reverse("missions-suppress"), {**post, "sup-reason": "x" * 1_000_000}, follow=True
    )
    assert "Ensure this value has at most 2000 characters" in refused.content.decode()
    assert not Suppression.objects.exists()
    accepted = client.post(
        reverse("missions-suppress"),
        {**post, "sup-reason": "x" * 2000, "confirm": "1"},  # confirmed after the preview
        follow=True,
    )
    assert "Boxes suppressed: " in accepted.content.decode()
    assert Suppression.objects.get().reason == "x" * 2000


def test_the_page_forms_bound_their_text_as_the_api_does():
    api_reason = serializers.ReasonFields._declared_fields["reason"].max_length
    assert mission_forms.ReasonForm.base_fields["reason"].max_length == api_reason == 2000
    assert serializers.LiftIn._declared_fields["reason"].max_length == api_reason
    unbounded = [
        f"{form.__name__}.{name}"
        for module in (mission_forms, ingest_forms, account_forms)
        for form in vars(module).values()
        if isinstance(form, type)
        and issubclass(form, forms.Form)
        and form.__module__ == module.__name__
        for name, field in form.base_fields.items()
        if type(field) is forms.CharField
        and field.max_length is None
        and not isinstance(field.widget, forms.HiddenInput)
    ]
    # cell_ids is a list of ids, each bounded in clean_cell_ids as the API's list is; the sign-in
    # password is unbounded on the page and in the API alike (Django's form and the token API).
    assert sorted(unbounded) == [
        "AddMissionsForm.cell_ids",
        "BannerAuthenticationForm.password",
        "BoxesForm.cell_ids",
        "SuppressForm.cell_ids",
    ]


def test_a_box_id_longer_than_the_api_takes_is_refused_by_the_page_form(db):
    too_long = mission_forms.BoxesForm(
        {"sup-cell_ids": "1_2, " + "9" * 41, "sup-date_from": "2026-01-05"}, prefix="sup"
    )
    assert not too_long.is_valid() and "at most 40 characters" in str(too_long.errors)
    fine = mission_forms.BoxesForm(
        {"sup-cell_ids": "1_2, " + "9" * 40, "sup-date_from": "2026-01-05"}, prefix="sup"
    )
    assert fine.is_valid(), fine.errors


def test_the_officer_page_bounds_notes_and_reasons_as_the_api_does():
    html = (ROOT / "templates/missions/_officer_missions.html").read_text()
    notes = re.search(r'class="m-notes"[^>]*maxlength="(\d+)"', html)
    words = re.search(r'class="m-end-words"[^>]*maxlength="(\d+)"', html)
    assert int(notes.group(1)) == serializers.TacticsIn._declared_fields["notes"].max_length
    assert int(notes.group(1)) == serializers.CompleteIn._declared_fields["notes"].max_length
    assert int(words.group(1)) == serializers.EndEarlyIn._declared_fields["reason"].max_length
