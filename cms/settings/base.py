"""Settings shared by every environment.

Every value that differs between machines is read from the environment with a
safe default, so that a fresh clone runs the demo with no configuration at all:
SQLite, and Celery on kombu's filesystem transport (a real worker and beat that
need no server).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
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


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.middleware.SessionTimeoutMiddleware",
    "cms.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
# Django's own login for now; single sign-on will add a backend here, nothing else.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "learners:my_learning"
LOGOUT_REDIRECT_URL = "/"
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
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Invitation and set-password links expire after this many seconds (7 days).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 7 * 24 * 3600))

# Swedish first, English second.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "sv")
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
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
    # Catch-up for completion confirmations whose on-commit enqueue was lost
    # (broker down at that moment). The task is idempotent: the Notification
    # key makes a second send impossible.
    "completion-emails-catch-up": {
        "task": "learners.sweep_completion_emails",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Catch-up for certificate PDFs not rendered (lost enqueue, failed render).
    "certificate-pdfs-catch-up": {
        "task": "learners.sweep_certificate_pdfs",
        "schedule": crontab(minute="5-59/10"),
        "options": {"expires": 9 * 60},
    },
    # Invitations of the last week that never went out (lost enqueue).
    "invitations-catch-up": {
        "task": "organisation.sweep_invitations",
        "schedule": crontab(hour="7-17", minute=35),
        "options": {"expires": 50 * 60},
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
    # up, give up on builds whose worker died, resend lost tasks.
    "report-exports": {
        "task": "reports.sweep_report_exports",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
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

# --- Wagtail ---------------------------------------------------------------
WAGTAIL_SITE_NAME = "Kompetens"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django_tasks": {"level": "WARNING"}},
}
