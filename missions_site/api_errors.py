"""Error answers of the API that happen before a view runs, in the API's own JSON shape: a NUL
character in the query string (PostgreSQL text cannot hold one, so it would reach the database as
a 500) is a 400 everywhere, and an /api/ URL that matches no route is a JSON 404, not the HTML page.
"""

from django.http import HttpResponseBadRequest, JsonResponse
from django.views.defaults import page_not_found

API_PREFIX = "/api/"
NUL = "\x00"
NUL_MESSAGE = "The query string contains a NUL character (%00), which no parameter may hold."


class RefuseNulInQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def not_found(request, exception=None):
    """handler404: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
