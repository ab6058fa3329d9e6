"""Settings shared by every environment.

Every value that differs between machines is read from the environment with a
safe default, so that a fresh clone runs the demo with no configuration at all:
SQLite, and Celery on kombu's filesystem transport (a real worker and beat that
need no server).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_HASHES as CSP_UNSAFE_HASHES
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("KOMPETENS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def url_origin(url):
    """`https://idp.example.se/realms/x` -> `https://idp.example.se` ("" if none)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form that timed out or came without its cookie: a page that says what to do.
CSRF_FAILURE_VIEW = "cms.views.csrf_failure"

# Our apps, from the top of the layering down (see README, "The apps"):
# each may import those below it, never one above.
INSTALLED_APPS = [
    "cms",
    "reports",
    "reminders",
    "assignments",
    "learners",
    "accounts",
    "organisation",
    "xapi",
    "notifications",
    "courses",
    "wagtailmedia",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Throttling of wrong passwords, and the second factor (accounts).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (chosen by path) and Permissions-Policy.
    "cms.security_headers.ContentSecurityPolicyMiddleware",
    "cms.security_headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Wagtail's site for the request, remembered while the content holds.
    "cms.middleware.WagtailSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.middleware.SessionTimeoutMiddleware",
    "cms.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # request.user.is_verified(), then the second factor asked of those who
    # need it before any other page (accounts.middleware).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.site_links",
            ],
            # One vocabulary for states and due dates (core is not an app).
            "libraries": {"vocabulary": "core.vocabulary_tags"},
        },
    },
]

# SQLite only for the demo and development; tests and production use PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT for the app's queries: PostgreSQL compiled every city-sized
    # report query for 1.3-2.3 s before running it (bench/reports.py,
    # README "Reports (#6)"); our queries are short aggregates that never
    # win that back. Where a pooler rejects startup options, use
    # `ALTER DATABASE ... SET jit = off` instead.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    # ASVS V6.2: at least 12 characters, and not one of the 20,000 most common.
    {
        "NAME": f"{_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
# First the throttle (django-axes): a locked-out account or address gets no
# further (accounts.throttling); then the local passwords; then single
# sign-on with the city's account (its dotted path is kept in sessions).
AUTHENTICATION_BACKENDS = [
    "accounts.throttling.PasswordAttemptBackend",
    # Django's ModelBackend, its person read with their powers (accounts.backends).
    "accounts.backends.PasswordBackend",
    "accounts.oidc.CityOIDCBackend",
]
LOGIN_URL = "login"
# Restricted pages and documents send people to our sign-in, not Wagtail's.
WAGTAIL_FRONTEND_LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "learners:my_learning"
LOGOUT_REDIRECT_URL = "/"

# --- Single sign-on: the city's identity provider over OpenID Connect -------
# (accounts.oidc, docs/sign-in.md). Off while OIDC_ISSUER is empty (the demo).
# The endpoints come from the issuer's discovery document, fetched at first
# use and cached; an OIDC_OP_*_ENDPOINT setting would override one.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
# The claim that carries the employee number (the HR system's, as in the HR
# import). Entra ID sends none by default: map employeeId or an extension
# attribute to an optional claim and name it here.
OIDC_EMPLOYEE_NUMBER_CLAIM = os.environ.get(
    "OIDC_EMPLOYEE_NUMBER_CLAIM", "employee_number"
)
# Match by email when no staff profile has the employee number (off: a
# mistyped address in one system must not give someone another's record).
OIDC_MATCH_EMAIL_FALLBACK = env_bool("OIDC_MATCH_EMAIL_FALLBACK", False)
# Create an account for a person the HR import has not sent yet (off: an
# unknown person is refused).
OIDC_CREATE_UNKNOWN = env_bool("OIDC_CREATE_UNKNOWN", False)
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_CLOCK_SKEW_SECONDS = int(os.environ.get("OIDC_CLOCK_SKEW_SECONDS", "60"))
OIDC_DISCOVERY_CACHE_SECONDS = int(
    os.environ.get("OIDC_DISCOVERY_CACHE_SECONDS", "3600")
)
# What mozilla-django-oidc itself reads: the code flow with PKCE (S256) and a
# nonce; the ID token kept in the session as the hint for RP-initiated logout.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"


# Who may sign in with a local password: "all" (the demo, development,
# tests) or "break-glass" (production's default: superusers only; everyone
# else is sent to the city's account, with one answer for every refusal).
def local_login_mode(default):
    mode = os.environ.get("LOCAL_LOGIN", default).strip()
    if mode not in ("all", "break-glass"):
        raise ImproperlyConfigured('LOCAL_LOGIN must be "all" or "break-glass".')
    return mode


LOCAL_LOGIN = local_login_mode("all")
# The Wagtail admin's login form keeps to LOCAL_LOGIN too.
WAGTAILADMIN_USER_LOGIN_FORM = "accounts.sign_in_forms.AdminSignInForm"
# Sessions live in the database (revocable at once on the server): they end
# after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS
# after logging in, whatever the activity (cms.middleware).
# Reports through the public accessibility form, per address and minute.
ACCESSIBILITY_REPORTS_PER_MINUTE = int(
    os.environ.get("ACCESSIBILITY_REPORTS_PER_MINUTE", "5")
)
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "10"))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
# A running quiz (and a SCORM attempt) tells the server this often that the
# person is still at work, so that its session does not end while they think.
SESSION_KEEPALIVE_SECONDS = int(os.environ.get("SESSION_KEEPALIVE_SECONDS", "300"))
# Read through the cache (one Redis GET instead of a query and decoding on
# every request), written to both; the database stays what counts: ending a
# session (logout, the time limits, a session row deleted in the database by
# the ORM: cms.signals) removes it from the cache at once too.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Invitation and set-password links expire after this many seconds (7 days).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 7 * 24 * 3600))

# --- Local passwords: throttling and the second factor (accounts) ----------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username (known or not),
# the next attempt is refused, even with the right password, until
# LOGIN_COOLOFF_MINUTES after the last counted failure (or until HR lifts it).
# One address gets LOGIN_FAILURE_LIMIT_PER_ADDRESS: the city's staff come
# from a few NAT addresses, and 5 would lock out a whole office.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(
    os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "100")
)
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
# How many proxies of ours put the client's address in X-Forwarded-For; 0:
# the header is ignored (anyone can send it) and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_HANDLER = "accounts.throttling.CityAxesHandler"
AXES_FAILURE_LIMIT = "accounts.throttling.failure_limit"
AXES_COOLOFF_TIME = "accounts.throttling.cool_off"
AXES_USERNAME_CALLABLE = "accounts.throttling.username_of"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout_views.locked_out"
# Attempts during a lockout do not prolong it: it ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A right password clears that account's failures (accounts.throttling).
AXES_RESET_ON_SUCCESS = False
# Sign-ins are in our audit log (AuditEvent); no second log, no Django admin.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Superusers and HR administrators (and anyone with an HR role on their staff
# profile) who sign in with a password give a TOTP code too; those who signed
# in with the city's account are exempt. Off for the demo; on in production.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", False)
TWO_FACTOR_GROUPS = ["HR-administratörer"]
OTP_TOTP_ISSUER = "Kompetens"
# After wrong codes in a row the next try waits 1, 2, 4, 8 ... seconds
# (django-otp); a right code starts again from nothing.
OTP_TOTP_THROTTLE_FACTOR = 1

# Swedish first, English second.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "sv")
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
# locale_overrides first: where Wagtail's Swedish is missing or does not fit
# our nouns, it wins (only Wagtail's and wagtailmedia's msgids: see its
# header). Our own strings are in locale/, the one makemessages writes.
LOCALE_PATHS = [BASE_DIR / "locale_overrides", BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("sv", "Svenska"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Serve uploaded media from Django (demo and tests); production puts a web
# server or object storage in front instead.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
# Personal records (certificate PDFs): outside MEDIA_ROOT, so no web server
# serves them; they are only ever sent by a view that checks who asks.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "core.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

CACHES = {
    "default": {
        # Django's Redis cache, without a new client object for every call.
        "BACKEND": "core.redis_cache.ReusedClientRedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Email -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A hung mail relay must never hold a worker for ever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# A message the relay does not take (it is down, it answers 4xx) is tried
# again for this long, as a mail server would, before it is given up and the
# HR administrators are told (notifications.sender).
EMAIL_RETRY_HOURS = float(os.environ.get("EMAIL_RETRY_HOURS", "72"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Kompetens <kompetens@example.se>"
)
# The public address of the site, used in links inside emails.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# --- Celery ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        # Broadcasts (the control exchange) under var/ too, not in the
        # working directory.
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # A task that is not acknowledged within an hour is handed to another
    # worker; no countdown or ETA may be longer than this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Every email goes through the delivery log: hand out what may be sent
    # now, retry what failed (backoff over EMAIL_RETRY_HOURS), hand out again
    # what was lost with its task (a broker restarted empty), give up and
    # alert. Idempotent: the claim lets one sender send each message.
    "mail": {
        "task": "notifications.hand_out",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Certificate PDFs not rendered a minute after issue (a lost enqueue, a
    # failed render, a killed worker).
    "certificate-pdfs-catch-up": {
        "task": "learners.sweep_certificate_pdfs",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Reminders: plan the day (idempotent, keyed) and hand out what may be
    # sent now, within the sending window and the rate limit.
    "reminders": {
        "task": "reminders.sweep_reminders",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # xAPI: catch up on the outbox (a lost on-commit flush, the end of a
    # destination's backoff) and prune the LRS request log.
    "xapi-outbox": {
        "task": "xapi.sweep_outbox",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Assignment rules re-evaluated nightly (catch-up, withdrawal, renewals,
    # leave, ended exemptions), in the city's night.
    "assignments-nightly": {
        "task": "assignments.sweep_assignments",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": 3 * 60 * 60},
    },
    # The precomputed report counts (the big overviews read them while they
    # are under 15 minutes old; older, they count live). Also refreshed
    # after HR imports and assignment sweeps.
    "report-counts": {
        "task": "reports.refresh_report_counts",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Report exports built in the background: delete them when their time is
    # up, build again those whose worker died, resend lost tasks.
    "report-exports": {
        "task": "reports.sweep_report_exports",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
}

# How long one flush of the xAPI outbox may send before it hands over to a
# fresh task (keeps a worker from being held by one destination's backlog).
XAPI_FLUSH_SECONDS = float(os.environ.get("XAPI_FLUSH_SECONDS", "50"))

# A people-list export with more rows than this is built by a worker and
# mailed as a link instead of within the request (an XLSX of 10,000 rows
# takes about a second to write; of the whole city, a minute); kept this many
# hours.
REPORT_EXPORT_DIRECT_MAX_ROWS = {
    "csv": int(os.environ.get("REPORT_EXPORT_DIRECT_MAX_ROWS_CSV", "100000")),
    "xlsx": int(os.environ.get("REPORT_EXPORT_DIRECT_MAX_ROWS_XLSX", "10000")),
}
REPORT_EXPORT_KEEP_HOURS = int(os.environ.get("REPORT_EXPORT_KEEP_HOURS", "24"))

# Spreadsheet files from outside (the HR import, past completions) are read
# within these bounds (core.spreadsheet_files): an XLSX's members unpacked
# together (40,000 staff are 22 MB), and the rows and columns of any file.
IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024))
)
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "60"))
# An HR file larger than this (unpacked) is checked by a worker, not in the
# request: about 15,000 staff rows of CSV, 3,500 of XLSX.
HR_IMPORT_WORKER_ABOVE_BYTES = int(
    os.environ.get("HR_IMPORT_WORKER_ABOVE_BYTES", str(2 * 1024 * 1024))
)

# The organisation that issues the certificates (the city), named on each
# certificate, its verification page and the email when one is revoked.
ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Exempelstaden")

# --- Wagtail ---------------------------------------------------------------
WAGTAIL_SITE_NAME = "Kompetens"
# No Gravatar: the admin would send a hash of every editor's email address
# to a third party (and the policy would block the image anyway).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No call from editors' browsers to releases.wagtail.org on the dashboard:
# upgrades come through the lock file (and the policy would block it).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "vtt", "xlsx"]
# Through Wagtail's view (which asks for a sign-in), never a direct file URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILMEDIA = {
    "MEDIA_MODEL": "wagtailmedia.Media",
    "AUDIO_EXTENSIONS": [],
    "VIDEO_EXTENSIONS": ["mp4", "webm"],
}
WAGTAIL_I18N_ENABLED = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True

# --- Security headers (cms.security_headers; README "Security") -------------
# On every response, in every environment (the browser tests check the policy
# the learners get). The policy for /admin/ is below it.
# SCORM packages are served from an origin of their own (with their own
# policy); it may frame our player pages. Empty: only our own origin may.
SCORM_CONTENT_ORIGIN = url_origin(os.environ.get("SCORM_CONTENT_ORIGIN", ""))
# Signing out of single sign-on is a form post (the header's button) that
# redirects to the provider's end-session endpoint, and browsers apply
# form-action to that redirect: the provider's origin must be allowed.
_OIDC_ORIGIN = url_origin(OIDC_ISSUER)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        # Our scripts are files; an inline script must carry the request's
        # nonce (`{{ request.csp_nonce }}`): no 'unsafe-inline'.
        "script-src": [CSP_SELF, CSP_NONCE],
        # No inline styles either: our templates use classes only (the emails
        # keep their style attributes, which no browser policy governs).
        "style-src": [CSP_SELF],
        # Images are ours (the certificate's QR code is drawn inside the PDF,
        # never as an image of a page).
        "img-src": [CSP_SELF],
        # Lesson video is self-hosted.
        "media-src": [CSP_SELF],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "frame-src": [CSP_SELF],
        "frame-ancestors": [CSP_SELF, *filter(None, [SCORM_CONTENT_ORIGIN])],
        "form-action": [CSP_SELF, *filter(None, [_OIDC_ORIGIN])],
        # No page of ours sets a <base> (ASVS 5.0 V3.4.3 asks for 'none').
        "base-uri": [CSP_NONE],
        "object-src": [CSP_NONE],
    },
}
# The Wagtail admin (everything under /admin/, its previews too) replaces
# these directives of the policy above; what each is for, found in Chromium
# (tests/browser/test_content_security_policy.py):
CONTENT_SECURITY_POLICY_ADMIN = {
    # The jQuery UI menus of Wagtail's stylesheet draw their bullet as a
    # data: image.
    "img-src": [CSP_SELF, "data:"],
    # Draftail, the rich-text editor, adds <style> elements of its own (the
    # placeholder of each empty block, keyed by the block's random key, and
    # the counters of nested lists): they cannot be hashed, so style elements
    # need 'unsafe-inline' here. Style attributes stay refused.
    "style-src-elem": [CSP_SELF, CSP_UNSAFE_INLINE],
    # The image editor's cropping library (Jcrop) tests for touch events by
    # compiling the handler `return;` on a detached element: that one body,
    # by its hash, and no other inline handler.
    "script-src-attr": [
        CSP_UNSAFE_HASHES,
        "'sha256-i+qr4lq34KgNHiW62lWi9aInEBwiEOrfCzaNPCvkqD8='",
    ],
}
# Features no page of ours uses are off for every frame; full screen is for
# our own video player.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "bluetooth": [],
    "camera": [],
    "display-capture": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    # WebAuthn (a second factor), on our own pages only.
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS: sent on HTTPS responses only (so never in the demo over HTTP), for a
# year, subdomains included. Preloading is for the city's whole domain to
# decide (hstspreload.org), so it is off unless SECURE_HSTS_PRELOAD is set.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# frame-ancestors is what browsers obey; X-Frame-Options for the old ones.
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        # Failed sign-ins are in the audit log; axes says only what is wrong.
        "axes": {"level": "WARNING"},
    },
}
