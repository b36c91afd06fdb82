"""Settings shared by every environment; everything environment-specific comes from env vars."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(a dev default exists only when DEBUG=1)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, its site asking administrators with a TOTP device for a code.
    "crm.core.apps.LejekAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "simple_history",
    "solo",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "crm.core",
    "consents",
    "clients",
    "investments",
    "settings_app",
    "leads",
    "intake",
    "reports",
    "notifications",
    "privacy",
]

MIDDLEWARE = [
    # First, so that every log line of the request carries its id.
    "crm.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known: nothing a logged-in user is sent stays in a cache.
    "crm.core.middleware.NoStoreForUsersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the user is known (the 400 page shows the menu), before any view reads a form.
    "crm.core.refusals.UnreadableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# The embedded default is a SQLite file so that Lejek can be tried out without services;
# production and CI point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE) are for PostgreSQL; SQLite builds them without the extra
    # columns, which is all the embedded try-out database needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before a password is checked.
    "crm.core.auth.LoginLockoutBackend",
    "crm.core.auth.UserWithBranchBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Warsaw")
USE_I18N = True
USE_TZ = True
# Dates as the seeds show them: 29.06.2022, 14:44.
FORMAT_MODULE_PATH = ["crm.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email: console in development unless EMAIL_HOST is given.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Lejek <lejek@localhost>")
# Where Lejek is reached from outside: links in emails are this plus the page's path.
LEJEK_BASE_URL = os.environ.get("LEJEK_BASE_URL", "http://127.0.0.1:8000")

# Celery: without a broker, tasks run eagerly in-process (the embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The key of the suppression list's salted hashes (consents/selectors.py). It must outlive
# SECRET_KEY rotations, or people who objected to marketing are no longer recognised: set it
# once in production; by default it is derived from SECRET_KEY.
LEJEK_SUPPRESSION_KEY = os.environ.get("LEJEK_SUPPRESSION_KEY", "") or SECRET_KEY
# The key channel secrets are encrypted with (intake/secrets.py); like the suppression key
# it must outlive SECRET_KEY rotations: set it once in production.
LEJEK_CHANNEL_KEY = os.environ.get("LEJEK_CHANNEL_KEY", "") or SECRET_KEY
# The outside APIs the channels talk to (the tests point them at local servers).
LEJEK_GRAPH_API_URL = os.environ.get("LEJEK_GRAPH_API_URL", "https://graph.facebook.com")
LEJEK_GRAPH_API_VERSION = os.environ.get("LEJEK_GRAPH_API_VERSION", "v21.0")
LEJEK_TELEGRAM_API_URL = os.environ.get("LEJEK_TELEGRAM_API_URL", "https://api.telegram.org")
# The largest email a mailbox poll reads, and the largest webhook body: bigger ones are
# logged as errors with the reason, never half read.
LEJEK_INTAKE_MAX_EMAIL_BYTES = 15 * 1024 * 1024
LEJEK_INTAKE_MAX_WEBHOOK_BYTES = 256 * 1024
# A mailbox's poll holds a lease this long, renewed after each batch: a killed worker's
# mailbox is polled again by the first poll after it runs out.
LEJEK_MAILBOX_LEASE_SECONDS = int(os.environ.get("LEJEK_MAILBOX_LEASE_SECONDS", "120"))
# /healthz/'s parts reported by upper apps: "ok" or "degraded", never a reason for 503.
LEJEK_HEALTH_CHECKS = ["intake.health.channels_health"]
# seed_demo's parts from apps above leads (each returns what it created, by name).
LEJEK_DEMO_SEEDERS = ["intake.demo.demo_channels_seed"]

CELERY_BEAT_SCHEDULE = {
    # The outbox drain: an email whose task was lost (the broker was down at commit) still
    # goes out, a minute or two late.
    "send-unsent-notifications": {
        "task": "notifications.tasks.send_unsent_notifications",
        "schedule": 60.0,
        # A drain that waited for a worker longer than this is superseded by the next one.
        "options": {"expires": 50},
    },
    # The reports' tallies: the months whose leads changed are counted again (meanwhile
    # the reports count those months lead by lead, so they are never out of date).
    "fold-report-tallies": {
        "task": "reports.tasks.run_report_tallies_fold",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Preliminary reservations past their last day: the unit is freed, the advisor emailed.
    "expire-reservations": {
        "task": "leads.tasks.expire_reservations",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Reminders before planned conversations (the settings' minutes ahead), exactly once each.
    "queue-conversation-reminders": {
        "task": "leads.tasks.queue_conversation_reminders",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # The morning digest of overdue conversations and leads without a next step.
    "queue-daily-digests": {
        "task": "leads.tasks.queue_daily_digests",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 3 * 3600},
    },
    # The retention policy (CRMSettings.retention_months): inactive people anonymised, and
    # the anonymisations whose legal hold has ended completed, on the 1st of each month.
    "run-retention": {
        "task": "privacy.tasks.run_retention",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
        "options": {"expires": 24 * 3600},
    },
    # The mailboxes, every minute: each active account's poll is a task of its own.
    "poll-mailboxes": {
        "task": "intake.tasks.poll_mailboxes",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Entries still waiting (their task was lost: the broker was down when they arrived)
    # and errors a retry can fix are processed again.
    "process-waiting-raw-messages": {
        "task": "intake.tasks.process_waiting",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # The ad forms' backfill: leads created since the last sync, which a missed webhook lost.
    "backfill-ad-forms": {
        "task": "intake.tasks.backfill_ad_forms",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}
# Two queues: imports and exports run for minutes and must not hold up the emails and
# sweeps behind them, so they go to "heavy" (docker-compose's worker-heavy serves it) and
# everything else to the default queue "celery" (the worker service). A worker started
# without -Q consumes only "celery": a single-worker set-up needs `-Q celery,heavy`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
LEJEK_HEAVY_QUEUE = "heavy"
LEJEK_HEAVY_TASKS = [
    "leads.tasks.run_lead_export",
    "leads.tasks.run_lead_import_check",
    "leads.tasks.run_lead_import",
    "clients.tasks.run_client_export",
    "privacy.tasks.run_retention",
    "leads.tasks.run_lead_figures_rebuild",
    # Seconds normally, but a pipeline reorder has it count every month again.
    "reports.tasks.run_report_tallies_fold",
]
CELERY_TASK_ROUTES = {name: {"queue": LEJEK_HEAVY_QUEUE} for name in LEJEK_HEAVY_TASKS}
# Exports up to this many rows are built in the request; larger ones become a Celery job.
LEJEK_SYNC_EXPORT_LIMIT = int(os.environ.get("LEJEK_SYNC_EXPORT_LIMIT", "5000"))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that went away answers within a second, not after the system's TCP
            # timeout: the intake and the rate limits carry on without it (crm/core/cache.py).
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 10)))
# A session ends with the working day (SESSION_COOKIE_AGE, counted from the login) and
# with the browser: a CRM full of clients' phone numbers is often opened on a shared or
# borrowed computer, and logging in again each morning costs a salesperson little.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Content Security Policy (django-csp), in every environment so that development and the
# tests see what production enforces. Our pages have no inline scripts or styles: scripts
# and styles come from /static/, behaviour is opted into with data-* attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "form-action": [csp_constants.SELF],
        "base-uri": [csp_constants.SELF],
        # Nobody frames Lejek, except the sites each source names for its inquiry form
        # (intake.views replaces this directive for that form).
        "frame-ancestors": [csp_constants.NONE],
    }
}

# Login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for AXES_COOLOFF_TIME, the right password too.
# Per pair: a colleague behind the same office NAT still logs in, and nobody can lock a
# user out from elsewhere. An administrator unlocks earlier in the admin (Access attempts)
# or with `manage.py axes_reset_username <username>`.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.core.lockout.lockout_response"
# The visitor's address as the intake form's rate limit sees it (LEJEK_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "crm.core.ratelimit.client_address"
# Failed attempts only: a row per successful login would grow without bound.
AXES_DISABLE_ACCESS_LOG = True

# TOTP (django-otp): the name shown in the authenticator app next to the username.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Lejek")

# /healthz/: the Celery worker counts as down once its last heartbeat (written every 30 s
# by crm.core.tasks.heartbeat) is older than this.
LEJEK_HEARTBEAT_MAX_AGE = int(os.environ.get("LEJEK_HEARTBEAT_MAX_AGE", "90"))
CELERY_BEAT_SCHEDULE["celery-heartbeat"] = {
    "task": "crm.core.tasks.heartbeat",
    "schedule": 30.0,
    "options": {"expires": 25},
}

# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted to tell
# a visitor's address (the public form's per-address limit). 0: none, REMOTE_ADDR is it.
LEJEK_TRUSTED_PROXIES = int(os.environ.get("LEJEK_TRUSTED_PROXIES", "0"))

# The region used when a phone number is written without a country code.
PHONE_DEFAULT_REGION = "PL"

# Logs carry their request's id (crm.core.middleware): one JSON object per line on stdout
# for production's log collector (LOG_FORMAT, "json" by default in production settings),
# plain lines on stderr for a developer, so that a command's own output (dumpdata,
# sqlmigrate, the benchmarks' tables) can be piped without log lines in it.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "crm.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request's URL at INFO: the Graph API's carry the page's access token
    # and the Bot API's the bot's token.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
