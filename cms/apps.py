from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")

    def ready(self):
        from wagtail.admin.widgets import BaseChooser

        from . import security_headers, signals

        signals.connect()
        # The admin's chooser widgets' inline scripts carry the request's
        # nonce, so the admin's policy needs no 'unsafe-inline' for scripts.
        if not hasattr(BaseChooser.render, "__wrapped__"):
            BaseChooser.render = security_headers.wagtail_chooser_render(
                BaseChooser.render
            )
