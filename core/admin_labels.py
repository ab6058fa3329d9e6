"""The name of a new item in the admin, as the language says it.

Wagtail titles a create view "New: <verbose name>", which Swedish renders
"Ny: Mål": the adjective agrees with the noun ("nytt mål", "ny delegering"),
so no one sentence fits every model. A viewset with this mixin names its new
item itself (`new_item_label = _("New goal")`, Swedish "Nytt mål"): the
create view's title, heading and last breadcrumb say it instead.

A snippet's viewset also takes `SnippetBreadcrumbsMixin`: Wagtail fixes its
breadcrumbs in one language for every reader.
"""

from django.conf import settings
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

# Wagtail's msgids, translated by its catalogue: passed through names, so that
# makemessages does not copy them into ours.
_HOME, _SNIPPETS = "Home", "Snippets"


class NewItemLabelMixin:
    """For a create view: `new_item_label` instead of "New: <model>"."""

    new_item_label = None

    def get_page_subtitle(self):
        return self.new_item_label or super().get_page_subtitle()

    def get_header_title(self):
        return self.new_item_label or super().get_header_title()

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        if self.new_item_label and items:
            items = [*items[:-1], {**items[-1], "label": self.new_item_label}]
        return items


class NewItemLabelViewSetMixin:
    """For a ModelViewSet or SnippetViewSet: set `new_item_label`, and its
    create view (whatever `add_view_class` it has) says it."""

    new_item_label = None

    @cached_property
    def add_view(self):
        view_class = self.add_view_class
        if self.new_item_label:
            view_class = type(
                view_class.__name__,
                (NewItemLabelMixin, view_class),
                {"new_item_label": self.new_item_label},
            )
        return self.construct_view(view_class, **self.get_add_view_kwargs())


class SnippetBreadcrumbsMixin:
    """For a SnippetViewSet: its breadcrumbs ("Home", "Snippets") in the
    reader's language. Wagtail 8.0 translates them once, when the admin's URLs
    are built, in the language of whoever asked first: after a Swedish
    request, English administrators read "Hem > Snuttar" on every view of
    the snippet."""

    @property
    def breadcrumbs_items(self):
        items = [
            {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy(_HOME)}
        ]
        if (
            getattr(settings, "WAGTAILSNIPPETS_MENU_SHOW_ALL", False)
            or not self.get_menu_item_is_registered()
        ):
            items.append(
                {
                    "url": reverse_lazy("wagtailsnippets:index"),
                    "label": gettext_lazy(_SNIPPETS),
                }
            )
        return items
