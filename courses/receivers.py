"""Keep the cached lesson content (courses.rendering) true: a change to
anything a lesson's content can point at — a page (its URL), a site (every
URL), an image, a document, a video or a category — or a page's view restriction bumps
the content generation, and every fragment is rendered again at its next
request (and every process reads its remembered lookups again)."""

from django.db.models.signals import post_delete, post_save
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtailmedia.models import AbstractMedia

from .models import Category
from .rendering import forget_rendered_content

# What the cached content and the remembered lookups are made from (a view
# restriction too: courses.rendering.any_view_restrictions; a category: the
# catalogue's cards and filters, courses.catalogue).
POINTED_AT = (
    Category,
    Page,
    Site,
    PageViewRestriction,
    AbstractImage,
    AbstractDocument,
    AbstractMedia,
)


def _content_changed(sender, instance, **kwargs):
    # Sent for every model; a rendition saved while rendering is not a
    # change (it is not among these).
    if isinstance(instance, POINTED_AT):
        forget_rendered_content()


def connect():
    post_save.connect(_content_changed, dispatch_uid="rendered-content-save")
    post_delete.connect(_content_changed, dispatch_uid="rendered-content-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(
            forget_rendered_content, dispatch_uid=f"rendered-content-{id(signal)}"
        )
