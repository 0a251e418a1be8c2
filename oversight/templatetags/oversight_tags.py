"""`get_item`: a mapping's value by a key that is not a valid template name, e.g. "5%";
`month_name`: a "YYYY-MM" month (the published data's unit) as a reader says it, "Jul 2026"."""

import datetime as dt

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def month_name(month):
    try:
        return date_format(dt.date.fromisoformat(f"{month}-01"), "M Y")
    except (TypeError, ValueError):
        return month  # not a month (a blank, "—"): shown as it is
