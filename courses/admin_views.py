"""The page editor of what HR authors: creating a page is never autosaved.

Wagtail 8 autosaves the editor every `WAGTAIL_AUTOSAVE_INTERVAL` ms. On an
existing page that writes a revision of a page that exists (and the same one
again while the editor stays open), which is what autosave is for. On the
create form, though, the first autosave *creates the page* while HR is still
typing, and the browser switches the form over to that page's edit view only
when the server has answered. HR pressing "Save draft" before then (an
autosave is sent 0.5 s after the last keystroke and may take longer than that
on a busy server) posts the create form a second time: the second page gets
the first one's slug, and HR sees "the slug is already in use" (or, when both
requests pass validation together, an error page) and the page that exists
holds only what was typed before the autosave — no objectives, categories or
time. A form opened and left without saving also leaves a draft page behind.

So the create view of our page types has autosave off: the page is created
once, by HR's own "Save draft" or "Publish", and Wagtail's "unsaved changes"
warning guards the form until then. The edit view keeps autosave.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.viewsets.pages import PageViewSet

from .models import CourseIndexPage, CoursePage, InformationPage, LessonPage, QuizPage

# The create view's title and last breadcrumb, as the language says it:
# Wagtail's "New: <page type>" is "Ny: Kunskapstest" in Swedish, where the
# adjective agrees with the noun ("Nytt kunskapstest"; core.admin_labels).
NEW_PAGE_LABELS = {
    CourseIndexPage: _("New catalogue"),
    CoursePage: _("New course"),
    LessonPage: _("New lesson"),
    QuizPage: _("New quiz"),
    InformationPage: _("New information material"),
}


class CreateWithoutAutosaveView(CreateView):
    def get_context_data(self, **kwargs):
        self.autosave_enabled = False
        return super().get_context_data(**kwargs)

    def get_header_title(self):
        return NEW_PAGE_LABELS.get(self.page_class) or super().get_header_title()


class AuthoredPageViewSet(PageViewSet):
    """Wagtail's page views for one of our page types, with the create view
    above. No URLs of its own: Wagtail routes its shared page URLs by type."""

    add_view_class = CreateWithoutAutosaveView

    @property
    def parent_models(self):
        # The explorer's listings stay Wagtail's default ones.
        return []
