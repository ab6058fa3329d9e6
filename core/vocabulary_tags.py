"""Template tags of the vocabulary (`core.vocabulary`), loaded as
`{% load vocabulary %}` (registered in the TEMPLATES settings: `core` is not
an installed app). A state is a badge with a symbol and words; a due date its
phrase, its symbol and the date, so urgency never rests on colour alone."""

from django import template
from django.utils.formats import localize
from django.utils.html import format_html

from . import vocabulary

register = template.Library()


@register.filter
def state_label(key):
    """`{{ row.status|state_label }}`: the words for a state."""
    return vocabulary.state_label(key)


@register.filter
def long_date(day):
    """`{{ certificate.valid_from|long_date }}`: "12 mars 2027" (what
    `|date:"j F Y"` says, kept per language and day)."""
    if day in (None, ""):
        return ""
    return vocabulary.day_text(day)


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


PROGRESS_BAR = (
    '<div class="progress">\n'
    '    <p class="progress__label" id="{id}-label">{label}</p>\n'
    '    <div class="progress__track" role="progressbar"'
    ' aria-labelledby="{id}-label" aria-valuemin="0" aria-valuemax="100"'
    ' aria-valuenow="{percent}" data-testid="progress">\n'
    '        <svg class="progress__fill" viewBox="0 0 100 1"'
    ' preserveAspectRatio="none" aria-hidden="true" focusable="false">'
    '<rect width="{percent}" height="1"></rect></svg>\n'
    "    </div>\n"
    "</div>"
)


@register.simple_tag
def progress_bar(element_id, percent, number=None):
    """`{% progress_bar "course-progress" progress.percent %}` (or
    `{% progress_bar "progress" item.percent course.pk %}`, an id per item:
    "progress-12"): how much is done, in words and as a bar. An SVG bar: its
    width is an attribute, not an inline style, which the
    Content-Security-Policy refuses. A tag, not an included template: My
    learning draws one per course."""
    percent = percent or 0
    # SVG and ARIA read numbers with a point, whatever the language.
    plain = str(int(percent)) if float(percent).is_integer() else str(float(percent))
    if number is not None:
        element_id = f"{element_id}-{int(number)}"
    return format_html(
        PROGRESS_BAR,
        id=element_id,
        percent=plain,
        label=vocabulary.percent_done(localize(percent)),
    )
