from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in and out: the city's identity provider (OpenID Connect),
    local passwords with throttling, the second factor, and the audit of it
    all."""

    name = "accounts"
    verbose_name = _("Sign-in")

    def ready(self):
        from . import receivers

        receivers.connect()
