from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: a report cell by course id."""
    return mapping.get(key) if mapping else None


class _CellWriter:
    """The HTML of overview cells. The translated texts are escaped once
    (their placeholders hold only numbers), and the plural of "overdue"
    looked up once per count: the city's matrix has some 6,000 cells, and
    an include with two blocktranslates per cell was three quarters of its
    rendering. The msgids are the ones the template had. Numbers as `str`:
    the project has no thousand separator (USE_THOUSAND_SEPARATOR is off),
    so this is what the template printed."""

    def __init__(self):
        self.done_of = escape(gettext("%(done)s of %(required)s"))
        self.overdue = {}

    def overdue_text(self, count):
        if count not in self.overdue:
            self.overdue[count] = escape(
                ngettext("%(counter)s overdue", "%(counter)s overdue", count)
                % {"counter": count}
            )
        return self.overdue[count]

    def html(self, cell):
        if cell is None or not cell.total:
            return "–"
        percent = "–" if cell.percent is None else f"{cell.percent} %"
        detail = self.done_of % {"done": cell.completed, "required": cell.required}
        if cell.overdue:
            detail += (
                ', <span class="report-cell__overdue">'
                f"{self.overdue_text(cell.overdue)}</span>"
            )
        return (
            f'<span class="report-cell"><strong>{percent}</strong> '
            f'<span class="report-cell__detail">{detail}</span></span>'
        )


@register.simple_tag
def report_cell(cell):
    """One cell of the overview: completion %, "n of m", the overdue count."""
    return mark_safe(_CellWriter().html(cell))  # noqa: S308 - escaped above


@register.simple_tag
def report_cells(cells, courses):
    """A matrix row's cells, one `<td>` per course, in one tag."""
    writer = _CellWriter()
    cells = cells or {}
    return mark_safe(  # noqa: S308 - numbers and escaped translations only
        "".join(f"<td>{writer.html(cells.get(c.pk))}</td>" for c in courses)
    )
