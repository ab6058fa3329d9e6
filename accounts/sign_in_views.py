"""Signing in and out: the login page (the city's account first, then the
local form), the two ends of single sign-on, and logging out (of the
provider too, when the person came from it)."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .oidc import (
    PERSON_REASONS,
    REASONS,
    SignInRefused,
    provider_config,
    provider_logout_url,
    record_refusal,
    sso_enabled,
)
from .sign_in_forms import SignInForm


class SignInView(auth_views.LoginView):
    """/login/: "Sign in with the city's account" first when SSO is on, then
    the local form (for everyone, or for break-glass administrators only:
    LOCAL_LOGIN)."""

    template_name = "cms/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sso_url = ""
        if sso_enabled():
            sso_url = reverse("accounts:oidc_start")
            next_url = self.get_redirect_url()
            if next_url:
                sso_url += "?" + urlencode({"next": next_url})
        context.update(
            sso_url=sso_url,
            break_glass=settings.LOCAL_LOGIN == "break-glass",
        )
        return context


@require_POST
def sign_out(request, home=None):
    """Ends our session; a person who came through the city's account then
    goes to the provider's end-session endpoint (RP-initiated logout), which
    sends them back to the home page (the one post-logout address registered
    at the provider). Otherwise to `home` (the admin's: its login page)."""
    site_home = resolve_url(settings.LOGOUT_REDIRECT_URL)
    provider_url = provider_logout_url(request, request.build_absolute_uri(site_home))
    auth.logout(request)
    return HttpResponseRedirect(provider_url or resolve_url(home or site_home))


def refusal_response(request, refusal):
    """The translated page for a refused sign-in, with its audit event's
    number for the service desk; the person is not signed in afterwards."""
    event = record_refusal(request, refusal)
    if request.user.is_authenticated:
        auth.logout(request)
    if refusal.reason == "ended":
        kind = "ended"
    elif refusal.reason in PERSON_REASONS:
        kind = "unknown"
    else:
        kind = "failed"
    return render(
        request,
        "accounts/sso_refused.html",
        {"kind": kind, "reference": event.pk},
        status=REASONS.get(refusal.reason, 400),
    )


class SSOStartView(OIDCAuthenticationRequestView):
    """/konto/oidc/start/: to the provider's authorization endpoint with a
    fresh state, nonce and PKCE challenge (kept in the session)."""

    def __init__(self, **kwargs):
        # Not the library's __init__: it reads the endpoint from a setting.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self):
        return provider_config().authorization_endpoint

    @property
    def OIDC_RP_CLIENT_ID(self):
        return settings.OIDC_RP_CLIENT_ID

    @method_decorator(never_cache)
    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return refusal_response(request, refusal)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """/konto/oidc/callback/: where the provider sends the person back. Every
    failure (an error from the provider, a wrong or used `state`, a code the
    provider refuses, a token that does not verify, a leaver, an unknown
    person) is a translated refusal page and an SSO_REFUSED audit event,
    never a 500 or a bare 400."""

    @method_decorator(never_cache)
    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            return self._callback(request)
        except SignInRefused as refusal:
            return refusal_response(request, refusal)

    def _callback(self, request):
        state = request.GET.get("state", "")
        if request.GET.get("error"):
            # The state is spent all the same (no replay of it).
            if state in request.session.get("oidc_states", {}):
                del request.session["oidc_states"][state]
                request.session.modified = True
            raise SignInRefused("provider_error", detail=str(request.GET["error"]))
        if not request.GET.get("code") or state not in request.session.get(
            "oidc_states", {}
        ):
            # Checked here: the library would raise SuspiciousOperation (a
            # bare 400) or quietly redirect.
            raise SignInRefused("state")
        return super().get(request)

    def login_failure(self):
        # authenticate() gave no one (another backend refused) or an inactive
        # user.
        user = getattr(self, "user", None)
        raise SignInRefused("ended" if user else "not_allowed", user=user)
