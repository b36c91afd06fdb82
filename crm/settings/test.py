"""Test settings: PostgreSQL when DATABASE_URL points at it (as in CI), fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LANGUAGE_CODE = "pl"
# Serve static files from the app folders without collectstatic (live-server browser tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if os.environ.get("LEJEK_TEST_REAL_CELERY"):
    # A worker that a test starts as a process of its own (see
    # tests/notifications/test_worker_killed.py): the broker, database and mail server come
    # from its environment, its queue is the test's own, and a message left unacknowledged
    # by a killed worker is handed out again after a second instead of an hour.
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_TASK_DEFAULT_QUEUE = os.environ["LEJEK_TEST_CELERY_QUEUE"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 1,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    LEJEK_IMPORT_CHUNK_SIZE = int(os.environ.get("LEJEK_IMPORT_CHUNK_SIZE", "1000"))
