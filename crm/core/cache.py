"""What the shared cache raises when it cannot be reached.

The cache (Redis in production) only speeds things up and counts requests; an inquiry must
still be stored while Redis is down. Code that can do without the cache catches these,
logs a line, and carries on ("fails open")."""

from __future__ import annotations

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

# django-redis wraps redis-py's connection errors in ConnectionInterrupted; Django's own
# RedisCache lets redis-py's errors through.
CACHE_UNAVAILABLE: tuple[type[Exception], ...] = (ConnectionInterrupted, RedisError)
