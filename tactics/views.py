"""The tactics page: what is configured per crime type, and what officers reported using."""

from datetime import timedelta

from django.shortcuts import render

from agency.selectors import local_today
from missions_site import access

from .models import Tactic
from .selectors import tactic_counts

REPORT_DAYS = 28


@access.page
def tactics_page(request):
    today = local_today()
    date_from = today - timedelta(days=REPORT_DAYS - 1)
    return render(
        request,
        "tactics/index.html",
        {
            "tactics": Tactic.objects.select_related(
                "near_layer", "recent_crime_type"
            ).prefetch_related("crime_types"),
            "counts": tactic_counts(date_from=date_from, date_to=today),
            "date_from": date_from,
            "date_to": today,
        },
    )
