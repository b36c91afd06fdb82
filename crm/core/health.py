"""/healthz/ for load balancers and container health checks: can this web process reach
its database and Redis, and has a Celery worker been alive lately?

Cheap and side-effect free: one `SELECT 1`, one Redis round trip, no session, no login,
no writes. 200 when every part is ok, 503 naming the part that is not.

Parts an upper app reports (LEJEK_HEALTH_CHECKS: the intake's channels) may be "degraded":
worth an alert, yet no reason to take the web process out of the load balancer, so they
never turn the answer into a 503."""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK, DOWN, UNKNOWN, NOT_USED, DEGRADED = "ok", "down", "unknown", "not used", "degraded"
# Written by crm.core.tasks.heartbeat, on a Celery worker, every 30 s.
HEARTBEAT_KEY = "lejek:celery:heartbeat"


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """One connection pool per URL and process; a dead Redis answers within a second."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.warning("Health check: the database does not answer.", exc_info=True)
        return DOWN
    return OK


def check_redis_and_celery() -> dict[str, str]:
    """Redis, and the Celery worker's heartbeat kept in it. Without REDIS_URL tasks run in
    the web process itself (the try-out set-up): neither is used then."""
    if not settings.REDIS_URL:
        return {"redis": NOT_USED, "celery": NOT_USED}
    try:
        heartbeat = redis_client(settings.REDIS_URL).get(HEARTBEAT_KEY)
    except redis.RedisError:
        logger.warning("Health check: Redis does not answer.", exc_info=True)
        return {"redis": DOWN, "celery": UNKNOWN}
    age = time.time() - float(heartbeat) if heartbeat else None
    if age is None or age > settings.LEJEK_HEARTBEAT_MAX_AGE:
        logger.warning(
            "Health check: no Celery heartbeat in the last %s s.", settings.LEJEK_HEARTBEAT_MAX_AGE
        )
        return {"redis": OK, "celery": DOWN}
    return {"redis": OK, "celery": OK}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": check_database(), **check_redis_and_celery()}
    healthy = all(state in (OK, NOT_USED) for state in parts.values())
    if parts["database"] == OK:
        for check in settings.LEJEK_HEALTH_CHECKS:
            parts.update(_degradable(import_string(check)()))
    return JsonResponse(parts, status=200 if healthy else 503)


def _degradable(parts: dict) -> dict:
    """An upper app's parts, as "ok" or "degraded" only (with their details)."""
    return {
        name: value if name.endswith("_details") or value in (OK, DEGRADED) else DEGRADED
        for name, value in parts.items()
    }
