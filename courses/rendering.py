"""A lesson's (or information page's) content as HTML, kept in the cache per
published revision and language.

Rendering a StreamField is most of a lesson page's own work: every block's
template, the rich text's links and embeds expanded (a query per linked page
or document), an image's rendition looked up. What comes out depends only on

- the page's published revision (`live_revision_id`: a new publication is a
  new key),
- the language (the block templates translate a few words: "Transcript"…),
- what the content points at: the URLs of linked pages, documents, images'
  renditions and videos. Any change to a page, site, image, document or
  video bumps one content generation (`forget_rendered_content`, connected in
  `CoursesConfig.ready`), and a stored fragment of an older generation is
  rendered again.

So the key holds nothing personal, and nothing personal may be inside: the
block templates have no CSRF token, no CSP nonce and nothing of the learner
(the learner's progress, the "mark as done" form and the script are outside
the fragment, in the page's template). A preview or a draft (Wagtail's
`request.is_preview`, its dummy requests) is never read from or written to
the cache: its content is not the published revision's.
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from wagtail.models import PageViewRestriction

GENERATION_KEY = "kompetens:content-generation"
BODY_KEY = "kompetens:body:{page}:{revision}:{language}"
# A fragment no request asks for leaves the cache after a day.
BODY_SECONDS = 24 * 3600
TEMPLATE = "courses/includes/stream_body.html"


def render_stream(value, request=None):
    """The blocks as the page template used to write them: each block's own
    template, one after the other."""
    return render_to_string(TEMPLATE, {"value": value, "request": request})


def is_published_view(page, request):
    """Whether this request shows the page's published revision: not a
    preview, not a draft, not a page that was never published."""
    return bool(
        request is not None
        and not getattr(request, "is_preview", False)
        and not getattr(request, "is_dummy", False)
        and page.pk
        and page.live
        and page.live_revision_id
    )


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


# The generation read for the request being answered (set by
# `generation_for_request`), for code that has no request at hand.
_request_generation = ContextVar("kompetens_content_generation", default=None)


def content_generation(request=None):
    """The content's current generation (read once per request): anything
    kept that was made from the content is good while this has not changed."""
    if request is not None:
        generation = getattr(request, "_kompetens_generation", None)
        if generation is None:
            generation = request._kompetens_generation = _generation()
        return generation
    return _request_generation.get() or _generation()


@contextmanager
def generation_for_request(request):
    """Within it, the content generation is read once for the request (the
    site middleware, cms.middleware). A change made during the request
    moves it on for the rest of the request too (forget_rendered_content)."""
    token = _request_generation.set(content_generation(request))
    try:
        yield
    finally:
        _request_generation.reset(token)


_remembered = {"generation": None, "spaces": {}}


def remembered(space, generation):
    """A dict this process keeps for the content generation `generation`
    (emptied when the content changes): for what is read from the content
    and asked for on every page (which site, which page a path is, a
    course's lessons). Values are shared between requests: read them, never
    change them."""
    if _remembered["generation"] != generation:
        _remembered.update(generation=generation, spaces={})
    return _remembered["spaces"].setdefault(space, {})


def any_view_restrictions(request=None):
    """Whether any page has a view restriction (a password, groups, login):
    when none has, Wagtail's check of a page's restrictions needs no query."""
    known = remembered("view-restrictions", content_generation(request))
    if "any" not in known:
        known["any"] = PageViewRestriction.objects.exists()
    return known["any"]


def rendered_body(page, request, field="body"):
    """The page's StreamField `field` as safe HTML: from the cache for the
    published revision in the current language, rendered (and stored) when it
    is not there or older than the content it points at."""
    value = getattr(page, field)
    if not is_published_view(page, request):
        return render_stream(value, request)
    key = BODY_KEY.format(
        page=page.pk, revision=page.live_revision_id, language=get_language()
    )
    if field != "body":
        key += f":{field}"
    generation = content_generation(request)
    stored = cache.get(key)
    if stored is not None and stored[0] == generation:
        return mark_safe(stored[1])  # noqa: S308 - our own render, stored as it was
    html = render_stream(value, request)
    cache.set(key, (generation, str(html)), BODY_SECONDS)
    return html


def _bump():
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, None)
    if _request_generation.get() is not None:
        _request_generation.set(generation)


def forget_rendered_content(**kwargs):
    """Everything kept from the content is older than it from now on: at
    once (this process and this transaction see the change) and again when
    the transaction commits (another process that read the content between
    the two, and kept what it read under the new generation, reads it again).
    """
    _bump()
    transaction.on_commit(_bump)


def forget_rendered_content_now():
    """The same, outside any transaction (no database needed): what tests
    start from."""
    _bump()
