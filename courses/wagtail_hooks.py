"""Registration only: the page views of what HR authors (`admin_views`), and
the catalogue's categories (a snippet)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin_labels import NewItemLabelViewSetMixin, SnippetBreadcrumbsMixin

from .admin_views import AuthoredPageViewSet
from .models import (
    Category,
    CourseIndexPage,
    CoursePage,
    InformationPage,
    LessonPage,
    QuizPage,
)


@hooks.register("register_admin_viewset")
def register_authored_page_viewsets():
    return [
        AuthoredPageViewSet(f"courses_{model._meta.model_name}", model=model)
        for model in (
            CourseIndexPage,
            CoursePage,
            LessonPage,
            QuizPage,
            InformationPage,
        )
    ]


class CategoryViewSet(
    SnippetBreadcrumbsMixin, NewItemLabelViewSetMixin, SnippetViewSet
):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = Category
    # "Ny kategori", not Wagtail's "Ny: Kategori" (core.admin_labels).
    new_item_label = _("New category")


register_snippet(CategoryViewSet)
