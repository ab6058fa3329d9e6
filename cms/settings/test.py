"""Tests: PostgreSQL and Redis, always (the suite fails loudly without them)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kompetens")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *

SECRET_KEY = "test-secret-key"  # noqa: S105
DEBUG = False
SERVE_MEDIA = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
# Unit tests run task bodies in-process; the integration tests start a real
# worker with KOMPETENS_CELERY_EAGER=0 against the real Redis.
CELERY_TASK_ALWAYS_EAGER = env_bool("KOMPETENS_CELERY_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "test-media"))
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "test-private")
)
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# The integration tests' worker and beat processes: the cache in the
# broker's Redis, as in production (the delivery log notes there what the
# relay accepted), and beat's schedule in seconds instead of minutes.
if env_bool("KOMPETENS_REDIS_CACHE", False):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
if os.environ.get("KOMPETENS_BEAT_EVERY_SECONDS"):
    from datetime import timedelta

    _every = timedelta(seconds=float(os.environ["KOMPETENS_BEAT_EVERY_SECONDS"]))
    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": _every, "options": {}}
        for name, entry in CELERY_BEAT_SCHEDULE.items()
    }
