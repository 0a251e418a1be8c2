"""/readyz answered ahead of the middleware that reads the database (the session, the user, the
agency's time zone): with the database down the probe gets its 503 naming it, not a 500 from
whichever middleware touched the database first. Placed just after LivenessMiddleware."""

from django.urls import reverse

from .views import readyz


class ReadinessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path = reverse("readyz")

    def __call__(self, request):
        if request.path == self.path and request.method in ("GET", "HEAD"):
            request.get_host()  # an unknown Host is still refused (400), as on every page
            response = readyz(request)
            response["Cache-Control"] = "no-store"
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)
