"""Template helpers for metric dicts whose keys are not identifiers ("5%")."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@register.filter
def percent(value, digits=1):
    if value is None:
        return "–"
    return f"{100 * float(value):.{int(digits)}f} %"
