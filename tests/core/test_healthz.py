"""A load balancer asks /healthz/ whether this web process can serve: 200 while the
database, Redis and a Celery worker (its heartbeat) are all alive, 503 naming the part
that is not. Redis here is a redis-server of the test's own, really started and stopped
(the shared one on 6379 is left alone); the worker is a real one in a thread."""

from __future__ import annotations

import time

import pytest
import redis
from django.db import connections
from django.urls import reverse

from crm.core.health import HEARTBEAT_KEY
from crm.core.tasks import heartbeat
from tests.ports import free_port
from tests.redis_server import RedisServer

# "channels": the intake's part (no channel connected here: ok).
ALL_UP = {"database": "ok", "redis": "ok", "celery": "ok", "channels": "ok"}


def redis_of(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url)


@pytest.fixture
def own_redis(redis_server, settings):
    """Lejek's Redis (REDIS_URL) is a server of this test's own."""
    settings.REDIS_URL = redis_server.url
    return redis_server


def wait_for_heartbeat(server: RedisServer, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not redis_of(server).exists(HEARTBEAT_KEY):
        assert time.monotonic() < deadline, "no worker wrote the heartbeat"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.django_db
def test_everything_up_is_200(client, own_redis, celery_worker, django_assert_num_queries):
    heartbeat.delay()  # as beat sends it every 30 s; the worker writes the time into Redis
    wait_for_heartbeat(own_redis)

    # SELECT 1, and the channels' accounts.
    with django_assert_num_queries(2):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == ALL_UP
    # No login, no session: a load balancer keeps no cookies.
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_redis_stopped_is_503_naming_redis(client, own_redis):
    redis_of(own_redis).set(HEARTBEAT_KEY, time.time())
    assert client.get(reverse("healthz")).status_code == 200

    own_redis.stop()
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "redis": "down",
        "celery": "unknown",
        "channels": "ok",
    }

    # Redis back (empty, as after a restart without persistence): the worker's next
    # heartbeat is what is missing now.
    own_redis.start()
    assert client.get(reverse("healthz")).json()["redis"] == "ok"


@pytest.mark.django_db
def test_no_heartbeat_is_503_naming_celery(client, own_redis):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "ok", "celery": "down", "channels": "ok"}


@pytest.mark.django_db
def test_a_stale_heartbeat_is_503_naming_celery(client, own_redis, settings):
    # Every worker stopped two minutes ago; the limit is LEJEK_HEARTBEAT_MAX_AGE.
    settings.LEJEK_HEARTBEAT_MAX_AGE = 90
    redis_of(own_redis).set(HEARTBEAT_KEY, time.time() - 120)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["celery"] == "down"


@pytest.mark.django_db(transaction=True)
def test_database_unreachable_is_503_naming_the_database(client, own_redis):
    redis_of(own_redis).set(HEARTBEAT_KEY, time.time())
    connection = connections["default"]
    saved_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved_port

    assert response.status_code == 503
    assert response.json() == {"database": "down", "redis": "ok", "celery": "ok"}


@pytest.mark.django_db
def test_without_redis_configured_only_the_database_counts(client, settings):
    # The try-out set-up: no REDIS_URL, tasks run in the web process.
    settings.REDIS_URL = ""

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "redis": "not used",
        "celery": "not used",
        "channels": "ok",
    }


def test_healthz_only_reads(client):
    assert client.post(reverse("healthz")).status_code == 405
