"""Signing in and out (mounted under /konto/ by cms.urls)."""

from django.urls import path

from . import sign_in_views, two_factor_views

app_name = "accounts"

urlpatterns = [
    # Single sign-on with the city's account (OpenID Connect): to the
    # provider, and back (the redirect URI registered at the provider).
    path("oidc/start/", sign_in_views.SSOStartView.as_view(), name="oidc_start"),
    path(
        "oidc/callback/", sign_in_views.SSOCallbackView.as_view(), name="oidc_callback"
    ),
    # The second factor after a password (accounts.middleware sends there).
    path("tvafaktor/ny/", two_factor_views.two_factor_enrol, name="two_factor_enrol"),
    path("tvafaktor/", two_factor_views.two_factor_verify, name="two_factor_verify"),
]
