"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = False

_missing = [
    name
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")
    if not os.environ.get(name)
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )

# WhiteNoise serves the collected static files from the WSGI process.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
# Local passwords only for the superusers' break-glass accounts: everyone
# else signs in with the city's account.
LOCAL_LOGIN = local_login_mode("break-glass")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Plain HTTP is redirected to HTTPS, except the load balancer's liveness check.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^ping/$"]
# The security headers are set in base.py (README "Security"). Two of
# `check --deploy`'s warnings do not apply, for these reasons:
SILENCED_SYSTEM_CHECKS = [
    # X_FRAME_OPTIONS is SAMEORIGIN, not DENY: Wagtail's preview panel frames
    # our own pages, and the Content-Security-Policy's frame-ancestors is
    # what decides who may frame us (X-Frame-Options is for old browsers).
    "security.W019",
]
if not SECURE_HSTS_PRELOAD:
    # Submitting to the browsers' HSTS preload list binds the city's whole
    # domain, and is the city's decision: SECURE_HSTS_PRELOAD=1 when it is.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
# Superusers and HR administrators who sign in with a password give a second
# factor (accounts.middleware); SSO sign-ins are exempt.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", True)
