"""The local sign-in form: for everyone (LOCAL_LOGIN "all", the demo) or for
break-glass administrator accounts only (LOCAL_LOGIN "break-glass",
production), with one answer for every refusal so that nobody learns whether
a username exists."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

BREAK_GLASS_MESSAGE = _(
    "Signing in with a password is only for the administrators' "
    "emergency accounts. Sign in with the city's account instead."
)


class BreakGlassMixin:
    """With LOCAL_LOGIN "break-glass" only superusers get in with a password;
    a wrong password, an unknown username and the right password of anyone
    else all get BREAK_GLASS_MESSAGE."""

    def clean(self):
        if settings.LOCAL_LOGIN != "break-glass":
            return super().clean()
        try:
            cleaned_data = super().clean()
        except ValidationError:
            raise self._break_glass_error() from None
        if not self.user_cache.is_superuser:
            # The right password of someone who must use the city's account:
            # refused like a wrong one, and counted like one (throttling,
            # audit), so the answer says nothing about the account.
            user_login_failed.send(
                sender=__name__,
                credentials={
                    "username": self.cleaned_data.get("username"),
                    # Masked, as Django masks it; its key marks a password
                    # attempt for the throttle (accounts.throttling).
                    "password": "********************",
                },
                request=self.request,
            )
            self.user_cache = None
            raise self._break_glass_error()
        return cleaned_data

    def _break_glass_error(self):
        return ValidationError(BREAK_GLASS_MESSAGE, code="break_glass")


class SignInForm(BreakGlassMixin, AuthenticationForm):
    """Our login page's form."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Your username and password did not match. Please try again."
        ),
    }


class AdminSignInForm(BreakGlassMixin, WagtailLoginForm):
    """The Wagtail admin's login form (WAGTAILADMIN_USER_LOGIN_FORM): the
    same rule, so /admin/login/ is no way round it."""
