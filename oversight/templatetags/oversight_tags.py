"""`get_item`: a mapping's value by a key that is not a valid template name, e.g. "5%"."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
