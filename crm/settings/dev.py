"""Trying Lejek out on a laptop: DEBUG on, SQLite unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# django-axes says hello at every start of a process and writes a line per login at INFO:
# noise on a developer's console. Its warnings (a lockout) still show; production keeps
# the INFO lines, an audit trail of logins.
LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "axes": {"level": "WARNING"}}  # noqa: F405
