"""Production: DEBUG off, SECRET_KEY and DATABASE_URL required, HTTPS-only cookies."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ["DEBUG"] = "0"
# One JSON object per log line for the log collector, unless LOG_FORMAT=plain is asked for.
os.environ.setdefault("LOG_FORMAT", "json")

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Production needs PostgreSQL, "
        "e.g. DATABASE_URL=postgres://lejek:secret@db:5432/lejek"
    )

from .base import *  # noqa: E402,F403
from .base import SECRET_KEY, SILENCED_SYSTEM_CHECKS, env_bool, env_list  # noqa: E402

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")

DEBUG = False

# A web or Celery process keeps its database connection between requests (connecting
# costs more than an intake's queries), checked before reuse after an idle spell.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma-separated host names).")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind the TLS proxy that sets that header; one more (a load balancer in
# front of it) is LEJEK_TRUSTED_PROXIES=2.
LEJEK_TRUSTED_PROXIES = int(os.environ.get("LEJEK_TRUSTED_PROXIES", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A load balancer asks /healthz/ over plain HTTP inside the network: answer, not redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HSTS preload hard-codes a domain as HTTPS-only into browsers for months: a choice for the
# customer who owns the domain (SECURE_HSTS_PRELOAD=1), not for us. Until they make it, the
# deploy check's reminder is silenced on purpose.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]

# Celery workers log through the same handler (JSON lines) instead of replacing it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
