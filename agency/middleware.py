"""Read the agency once per request and show every time in its zone: data is stored in UTC and
converted at the edges. `request.agency` is that row; `Agency.current()` returns it too."""

from django.utils import timezone

from .models import Agency, configuration_read_once


class AgencyTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with configuration_read_once():
            request.agency = Agency.current()
            timezone.activate(request.agency.tz)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
