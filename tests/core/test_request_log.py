"""An operator follows one request through the logs: each response names its request id
(X-Request-ID, the proxy's own or a new one) and production's JSON log lines carry it."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_logs():
    """The LOGGING of settings with production's LOG_FORMAT=json, its stdout handler
    writing into a buffer; yields a function that returns the JSON lines written since."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=buffer)
    logging.config.dictConfig(config)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    try:
        yield lines
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_a_request_gets_an_id_and_its_log_line_carries_it(client, json_logs):
    response = client.get("/no-such-page/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [line for line in json_logs() if line["logger"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"


def test_the_proxys_request_id_is_kept(client, json_logs):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert [line["request_id"] for line in json_logs() if line["logger"] == "django.request"] == [
        "lb-7f3a.42"
    ]


def test_a_forged_request_id_is_replaced(client):
    # A newline would let a visitor write a fake line into plain-text logs.
    response = client.get("/login/", HTTP_X_REQUEST_ID='x"\n{"level": "INFO"}')

    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32
    assert "\n" not in response["X-Request-ID"]


def test_two_requests_get_different_ids(client):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]

    assert first != second


def test_a_log_line_outside_a_request_and_its_extras_are_json_too(json_logs):
    logging.getLogger("lejek.test").info("Import finished", extra={"rows": 12})

    [line] = [line for line in json_logs() if line["logger"] == "lejek.test"]
    assert line["message"] == "Import finished"
    assert line["rows"] == 12
    assert "request_id" in line
