"""Template tags of the vocabulary (`core.vocabulary`), loaded as
`{% load vocabulary %}` (registered in the TEMPLATES settings: `core` is not
an installed app). A state is a badge with a symbol and words; a due date its
phrase, its symbol and the date, so urgency never rests on colour alone."""

from django import template
from django.utils.html import format_html

from . import vocabulary

register = template.Library()


@register.filter
def state_label(key):
    """`{{ row.status|state_label }}`: the words for a state."""
    return vocabulary.state_label(key)


@register.simple_tag
def state_badge(key):
    """`{% state_badge item.status %}`: the state as a badge."""
    term = vocabulary.state_term(key)
    icon = (
        format_html(
            '<span class="badge__icon" aria-hidden="true">{}</span> ', term.icon
        )
        if term.icon
        else ""
    )
    return format_html(
        '<span class="badge badge--{}" data-state="{}" data-level="{}">{}{}</span>',
        term.key,
        term.key,
        term.level,
        icon,
        term.label,
    )


@register.simple_tag
def due_text(due_date, today):
    """`{% due_text assignment.due_date today %}`: the due date as a phrase
    with its urgency, and the date itself ("–" without one)."""
    said = vocabulary.due(due_date, today)
    if said is None:
        return "–"
    iso = said.date.isoformat()
    if said.level == vocabulary.LEVEL_LATER:
        # Not urgent: the date alone (beside its label "Due date").
        return format_html(
            '<span class="due due--{}" data-urgency="{}"><time datetime="{}">{}'
            "</time></span>",
            said.level,
            said.level,
            iso,
            said.date_text,
        )
    return format_html(
        '<span class="due due--{}" data-urgency="{}"><span class="due__icon" '
        'aria-hidden="true">{}</span> {}</span> <time class="due__date" '
        'datetime="{}">{}</time>',
        said.level,
        said.level,
        said.icon,
        said.text,
        iso,
        said.date_text,
    )
