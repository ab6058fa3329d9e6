from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: a report cell by course id."""
    return mapping.get(key) if mapping else None
