from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

import core.converters  # noqa: F401  (registers <id:...>)
from learners.my_learning import MY_LEARNING_PANELS

from . import admin_views
from .required import required_panel


@hooks.register("register_admin_urls")
def register_assignment_urls():
    return [
        path("assignment-rules/", admin_views.rule_index, name="assignment_rules"),
        path(
            "assignment-rules/new/", admin_views.rule_create, name="assignment_rule_add"
        ),
        path(
            "assignment-rules/<id:pk>/",
            admin_views.rule_edit,
            name="assignment_rule_edit",
        ),
        path(
            "assignment-rules/<id:pk>/preview/",
            admin_views.rule_preview,
            name="assignment_rule_preview",
        ),
        path(
            "assignment-rules/<id:pk>/activate/",
            admin_views.rule_activate,
            name="assignment_rule_activate",
        ),
        path(
            "assignment-rules/<id:pk>/deactivate/",
            admin_views.rule_deactivate,
            name="assignment_rule_deactivate",
        ),
        path(
            "assignment-rules/<id:pk>/delete/",
            admin_views.rule_delete,
            name="assignment_rule_delete",
        ),
        path("exemptions/", admin_views.exemption_index, name="exemptions"),
        path("exemptions/add/", admin_views.exemption_add, name="exemption_add"),
        path(
            "exemptions/<id:pk>/end/",
            admin_views.exemption_end,
            name="exemption_end",
        ),
        path("require-retake/", admin_views.require_retake, name="require_retake"),
    ]


class RulesMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_manage_rules(request.user)


class RetakeMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_require_retake(request.user)


@hooks.register("register_admin_menu_item")
def register_assignment_rules_menu_item():
    return RulesMenuItem(
        _("Assignment rules"),
        reverse("assignment_rules"),
        icon_name="list-ul",
        order=290,
    )


@hooks.register("register_admin_menu_item")
def register_exemptions_menu_item():
    return RulesMenuItem(
        _("Exemptions"), reverse("exemptions"), icon_name="pick", order=295
    )


@hooks.register("register_admin_menu_item")
def register_retake_menu_item():
    return RetakeMenuItem(
        _("Require a retake"), reverse("require_retake"), icon_name="rotate", order=296
    )


@hooks.register(MY_LEARNING_PANELS)
def required_training_panel(user, today):
    """Required training comes first on My learning."""
    return required_panel(user, today)
