"""The API's pagination: ?limit=&offset= on every list, `API_PAGE_SIZE` rows by default and never
more than `API_PAGE_SIZE_MAX`, however large the limit asked for."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    @property
    def max_limit(self) -> int:
        return settings.API_PAGE_SIZE_MAX
