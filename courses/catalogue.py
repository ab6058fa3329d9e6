"""The catalogue's read: courses and information material under a catalogue
page, searched and filtered. A fixed number of queries whatever the number of
courses. The learner's own status on each course is added by the learning
record (the `learner_page_context` hook, `courses.hooks`).

The page hands in what it offers (its querysets), so this module needs none
of the page models."""

import re

from django.utils.translation import gettext_lazy as _

from .languages import LANGUAGE_CHOICES

MAX_QUERY_LENGTH = 200
# A word of the search: letters and digits (any script). Everything else in
# what was typed is a separator, as it is to the search index itself.
SEARCH_WORD = re.compile(r"[^\W_]+")


def search_words(query):
    """What was typed, as plain words joined by spaces.

    The search backends read some characters as query syntax: on SQLite
    (FTS5, the demo's database) a `"` ends the quoted term the backend builds
    and the query fails with a syntax error, and `*`, `:`, `(`, `^` and the
    words AND/OR/NOT/NEAR are operators in FTS5 and `&`, `|`, `!`, `:*` in
    PostgreSQL's tsquery. Only letters and digits are passed on, so whatever
    is typed is searched for as words, never parsed."""
    return " ".join(SEARCH_WORD.findall(query))


def catalogue_context(catalogue, request, *, courses, information, categories):
    """`courses` and `information` are the live pages the catalogue offers,
    `categories` the categories to filter by."""

    def param(name, limit=100):
        # NUL cannot be stored or searched in PostgreSQL: drop it, never a 500.
        return request.GET.get(name, "").replace("\x00", "").strip()[:limit]

    query = param("q", MAX_QUERY_LENGTH)
    category_slug = param("kategori")
    language = param("sprak")
    kind = param("typ")

    if category_slug:
        courses = courses.filter(categories__slug=category_slug)
        information = information.filter(categories__slug=category_slug)
    if language in dict(LANGUAGE_CHOICES):
        courses = courses.filter(language=language)
        information = information.filter(language=language)
    if query:
        words = search_words(query)
        # Search the whole catalogue once; filter the typed querysets by the
        # hits. Nothing but signs (`*`, `"`): nothing matches.
        if words:
            hits = catalogue.get_descendants().live().search(words, operator="and")
            hit_ids = [page.pk for page in hits[:500]]
        else:
            hit_ids = []
        courses = courses.filter(pk__in=hit_ids)
        information = information.filter(pk__in=hit_ids)

    courses = (
        list(
            courses.select_related("cover_image")
            .prefetch_related("categories")
            .order_by("title")
        )
        if kind in ("", "kurs")
        else []
    )
    information = (
        list(information.prefetch_related("categories").order_by("title"))
        if kind in ("", "information")
        else []
    )

    for course in courses:
        course.learner_status = "not_started"

    return {
        "courses": courses,
        "information_pages": information,
        "categories": categories,
        "language_choices": LANGUAGE_CHOICES,
        "kind_choices": [
            ("kurs", _("Courses")),
            ("information", _("Information material")),
        ],
        "filters": {
            "q": query,
            "kategori": category_slug,
            "sprak": language,
            "typ": kind,
        },
        "filtered": bool(query or category_slug or language or kind),
    }
