"""The second factor before anything else: a person who must give one (see
accounts.two_factor) and has not yet is sent to give it, or to enrol, from
every page but those needed to do so (and to log out)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .two_factor import confirmed_device, must_give_second_factor

# The pages a person between the password and the code may still open.
ALLOWED_URL_NAMES = [
    "accounts:two_factor_enrol",
    "accounts:two_factor_verify",
    "logout",
    "signed_out",
    "wagtailadmin_logout",
    "javascript-catalog",
    "set_language",
    "ping",
]


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed_paths = None

    def allowed(self, path):
        if self._allowed_paths is None:
            self._allowed_paths = frozenset(reverse(name) for name in ALLOWED_URL_NAMES)
        return path in self._allowed_paths or path.startswith(settings.STATIC_URL)

    def __call__(self, request):
        if (
            settings.REQUIRE_TWO_FACTOR
            and not self.allowed(request.path)
            and must_give_second_factor(request)
        ):
            name = (
                "accounts:two_factor_verify"
                if confirmed_device(request.user) is not None
                else "accounts:two_factor_enrol"
            )
            target = reverse(name)
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)
