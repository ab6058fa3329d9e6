"""Development and the demo: SQLite and the filesystem broker unless told otherwise."""

from .base import *

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-secret-key-not-for-production"
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
