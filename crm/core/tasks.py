"""The Celery worker's sign of life for /healthz/ (crm.core.health)."""

from __future__ import annotations

import logging
import time

import redis
from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from .health import HEARTBEAT_KEY, redis_client

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Note the time in Redis: run by a worker every 30 s (beat), so that a fresh note
    tells that beat, the broker and at least one worker of the default queue all work."""
    if settings.REDIS_URL:
        # Kept a day: a stale value is what tells the health check that workers stopped.
        redis_client(settings.REDIS_URL).set(HEARTBEAT_KEY, time.time(), ex=24 * 3600)


@worker_ready.connect
def heartbeat_on_start(**kwargs) -> None:
    """A worker that just started counts at once, not only after beat's next turn."""
    try:
        heartbeat()
    except redis.RedisError:
        logger.warning("Could not write the Celery heartbeat to Redis.", exc_info=True)
