"""Show every time in the agency's zone: data is stored in UTC and converted at the edges."""

from django.utils import timezone

from .models import Agency


class AgencyTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(Agency.current().tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
