"""Trying Lejek out on a laptop: DEBUG on, SQLite unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
