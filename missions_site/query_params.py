"""Query parameters validated in one way for every API view: a small serializer per endpoint, dates
within QUERY_DATE_YEARS of today and bounded integers, a 400 with {"field": ["message"]} otherwise.

A date such as 9999-12-31 or an hour count such as 99999999999 overflows Python's datetime further
down, so it is refused here, at the edge, with a message instead of a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

QUERY_DATE_YEARS_DEFAULT = 5
DAYS_PER_YEAR = 366


def date_in_range(value) -> None:
    """Validator (Django forms and DRF): a date within QUERY_DATE_YEARS of today."""
    years = int(getattr(settings, "QUERY_DATE_YEARS", QUERY_DATE_YEARS_DEFAULT))
    today = timezone.localdate()
    if abs((value - today).days) > years * DAYS_PER_YEAR:
        raise ValidationError(f"Give a date within {years} years of today.")


class QueryDateField(serializers.DateField):
    """A YYYY-MM-DD query parameter within QUERY_DATE_YEARS of today."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [date_in_range])
        kwargs.setdefault("error_messages", {"invalid": "Give a date like 2025-03-01."})
        super().__init__(**kwargs)


class DateRangeQuery(serializers.Serializer):
    date_from = QueryDateField()
    date_to = QueryDateField()

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError(
                {"date_to": "The period must end on or after its start."}
            )
        return attrs


def parse_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """The request's query parameters validated by `serializer_class`; a 400 when they are wrong."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data
