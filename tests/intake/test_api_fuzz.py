"""The intake API against its own OpenAPI document: schemathesis reads the document the app
serves and posts what it describes (and bodies that break it) with a valid token. Whatever
a partner sends, the answer is never a server error, it is one the document promises, and
a body the document refuses is refused.

Deterministic for CI: the examples are derived from the test, not from a random seed, and
no example database is kept between runs."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clients.services import source_rotate_intake_token
from crm.wsgi import application
from leads.models import AssignmentRule
from tests.factories import source

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_token(advisor, empty_rate_limits) -> str:
    """A source's token with a limit the fuzzer never reaches, and an advisor who gets every
    inquiry."""
    portal = source("rynekpierwotny")
    portal.intake_rate_per_minute = 1_000_000
    portal.save(update_fields=["intake_rate_per_minute"])
    AssignmentRule.objects.create(name="Wszystko").pool.set([advisor])
    return source_rotate_intake_token(source=portal)


@pytest.fixture
def app_in_test_transaction(db):
    """The project's WSGI application, called inside the test's transaction. As Django's
    own test client does, the end of a request must not close the database connection:
    closing it would end the transaction every test runs and rolls back in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The document exactly as the app serves it at /api/schema/ (read when the tests are
# collected: serving it needs no database). Schemathesis would also mine literals from
# whichever of the app's modules happen to be imported, which differs with the tests run
# before: switched off, so every run sends the same bodies. (schemathesis.pytest.
# from_fixture would load it per test, but 4.32 sets Node._nodeid, which pytest 9 removed.)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=schemathesis.Config.from_dict({"analysis": {"constants": {"enabled": False}}}),
)


@schema.parametrize()
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_intake_api_answers_every_body_as_documented_and_never_with_a_server_error(
    case, portal_token, app_in_test_transaction
):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {portal_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            # A body the document refuses is refused (never taken, nor answered as the
            # retry of an earlier inquiry).
            negative_data_rejection,
        ],
    )
