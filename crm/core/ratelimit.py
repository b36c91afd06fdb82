"""A fixed-window request counter in the cache (Redis in production, shared by every
web process)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .cache import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)


def rate_limit_hit(key: str, *, limit: int, window_seconds: int) -> int | None:
    """Count one request against `key`. Returns None while within `limit` requests per
    window, else the seconds until the window ends (for Retry-After). While the cache is
    unreachable nothing is counted and every request is let through: losing an inquiry
    costs more than a while without a limit."""
    now = int(time.time())
    cache_key = f"ratelimit:{key}:{now // window_seconds}"
    try:
        count = _count(cache_key, window_seconds)
    except CACHE_UNAVAILABLE:
        logger.warning("Rate limit %s not counted: the cache is unreachable.", key, exc_info=True)
        return None
    if count > limit:
        return window_seconds - now % window_seconds
    return None


def _count(cache_key: str, window_seconds: int) -> int:
    try:
        return cache.incr(cache_key)  # one round trip for all but a window's first request
    except ValueError:  # the window's first request
        # add() is a no-op when a concurrent first request created the key meanwhile.
        if cache.add(cache_key, 1, timeout=window_seconds + 1):
            return 1
        return cache.incr(cache_key)


def client_address(request: HttpRequest) -> str:
    """The visitor's IP address. Behind LEJEK_TRUSTED_PROXIES reverse proxies (the TLS
    proxy or load balancer in front of gunicorn) REMOTE_ADDR is the nearest proxy's, and
    the visitor's is the address the outermost of them appended to X-Forwarded-For:
    counted from the right, since the visitor can write anything on the left."""
    proxies = settings.LEJEK_TRUSTED_PROXIES
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [address.strip() for address in forwarded if address.strip()]
        if len(addresses) >= proxies:
            return addresses[-proxies]
    return request.META.get("REMOTE_ADDR", "")
