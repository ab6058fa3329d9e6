"""The catalogue's read: courses and information material under a catalogue
page, searched and filtered. A fixed number of queries whatever the number of
courses. The learner's own status on each course is added by the learning
record (the `learner_page_context` hook, `courses.hooks`).

The page hands in what it offers (its querysets), so this module needs none
of the page models.

Each card is rendered once per content generation and language and kept by
the process (`courses.rendering.remembered`), as is which cards a filter
shows: the catalogue's own work on a request is the learner's status, one
query. A card holds nothing personal: the learner's status is put between
its two halves on every request. A search reads its hits from the index on
every request (what was typed is not kept); an editor's preview keeps
nothing.
"""

import re
import uuid
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .languages import LANGUAGE_CHOICES
from .rendering import content_generation, remembered

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


COURSE_CARD = "courses/includes/course_card.html"
INFORMATION_CARD = "courses/includes/information_card.html"
# Where a course card's learner status goes. An HTML comment with a random
# name: the card's text is escaped, so nothing in it can look like this.
STATUS_MARK = f"<!--learner-status-{uuid.uuid4().hex}-->"
KINDS = ("", "kurs", "information")


@dataclass(frozen=True)
class Card:
    """A page's card as HTML: `head`, then the learner's status (a course),
    then `tail`. Shared between requests: never changed."""

    pk: int
    title: str
    head: SafeString
    tail: SafeString


class CatalogueItem:
    """A card on this request's catalogue, with the learner's status on it
    (the learning record's hook sets `learner_status`)."""

    __slots__ = ("card", "learner_status")

    def __init__(self, card):
        self.card = card
        self.learner_status = "not_started"

    @property
    def pk(self):
        return self.card.pk

    @property
    def title(self):
        return self.card.title


def _render_card(page, template, name, request):
    # `request` in the context (not as render_to_string's request): no
    # context processor runs, so nothing of the person reaches the card.
    html = render_to_string(
        template,
        # Our own comment, not text: unescaped, so it can be split on.
        {name: page, "request": request, "status_mark": mark_safe(STATUS_MARK)},  # noqa: S308
    )
    head, _mark, tail = html.partition(STATUS_MARK)
    return Card(
        pk=page.pk,
        title=page.title,
        head=mark_safe(head),  # noqa: S308 - our own template, escaped
        tail=mark_safe(tail),  # noqa: S308
    )


def _cards(queryset, template, name, request, keep):
    """The cards of `queryset` in title order: those this process has not
    rendered in this generation and language are read and rendered (2
    queries), the others are taken as they are (1 query for the ids)."""
    ids = list(queryset.order_by("title").values_list("pk", flat=True))
    known = (
        remembered(f"catalogue-cards:{template}", content_generation(request))
        if keep
        else {}
    )
    language = get_language()
    missing = [pk for pk in ids if (pk, language) not in known]
    if missing:
        pages = queryset.filter(pk__in=missing)
        if name == "course":
            pages = pages.select_related("cover_image")
        for page in pages.prefetch_related("categories"):
            known[(page.pk, language)] = _render_card(page, template, name, request)
    return [known[(pk, language)] for pk in ids if (pk, language) in known]


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
    # Nothing of an editor's preview is kept (its request is not a learner's).
    keep = not getattr(request, "is_preview", False)
    generation = content_generation(request)
    store = remembered("catalogue", generation) if keep else {}
    if "categories" not in store:
        store["categories"] = list(categories)
    categories = store["categories"]

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

    # Which cards a filter shows, kept per generation and language. The key
    # holds only known values (a category that exists, a language and a
    # type of the lists): a made-up parameter adds no entry.
    known_slugs = {category.slug for category in categories}
    listing_key = (
        catalogue.pk,
        get_language(),
        category_slug if category_slug in known_slugs else None,
        language if language in dict(LANGUAGE_CHOICES) else "",
        kind,
    )
    cacheable = (
        keep
        and not query
        and kind in KINDS
        and (not category_slug or category_slug in known_slugs)
    )
    listing = store.get(listing_key) if cacheable else None
    if listing is None:
        listing = (
            _cards(courses, COURSE_CARD, "course", request, keep)
            if kind in ("", "kurs")
            else [],
            _cards(information, INFORMATION_CARD, "item", request, keep)
            if kind in ("", "information")
            else [],
        )
        if cacheable:
            store[listing_key] = listing
    course_cards, information_cards = listing

    return {
        "courses": [CatalogueItem(card) for card in course_cards],
        "information_pages": [CatalogueItem(card) for card in information_cards],
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
