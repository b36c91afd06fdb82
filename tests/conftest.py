"""The actors of every story: the owner advisor, a teammate, an outsider from another
branch, a manager of the branch, a manager of another branch, and an administrator; and
the real services some stories need: a Celery worker and an SMTP server."""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.test import Client as HttpClient
from pytest_django.plugin import blocking_manager_key

from crm.core.models import Role
from intake.bench.dovecot import IMAPServer
from leads.intake_config import intake_config_forget

from .factories import BranchFactory, UserFactory
from .ports import free_port
from .redis_server import RedisServer

# Playwright's sync API runs an event loop in the main thread; Django would otherwise
# refuse database calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fresh_intake_config():
    """Each story's intake reads its configuration from that story's database: a snapshot
    kept from an earlier test would know sources and rules that were rolled back."""
    intake_config_forget()


@pytest.fixture
def web(advisor):
    """The advisor's browser, asking for English (so messages read as in the code)."""
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(advisor)
    return http


@pytest.fixture
def branch(db):
    return BranchFactory(name="Poznań Centrum")


@pytest.fixture
def other_branch(db):
    return BranchFactory(name="Warszawa Mokotów", city="Warszawa")


@pytest.fixture
def advisor(branch):
    return UserFactory(username="doradca", first_name="Anna", last_name="Wiśniewska", branch=branch)


@pytest.fixture
def teammate(branch):
    return UserFactory(username="kolega", first_name="Piotr", last_name="Zieliński", branch=branch)


@pytest.fixture
def outsider(other_branch):
    return UserFactory(username="obcy", first_name="Marek", last_name="Obcy", branch=other_branch)


@pytest.fixture
def manager(branch):
    return UserFactory(username="kierownik", role=Role.MANAGER, branch=branch)


@pytest.fixture
def other_manager(other_branch):
    return UserFactory(username="kierownik2", role=Role.MANAGER, branch=other_branch)


@pytest.fixture
def administrator(branch):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, branch=branch)


# The data migrations that seed reference data (statuses, reasons, sources, role groups).
REFERENCE_DATA_MIGRATIONS = [
    ("clients.migrations.0003_seed_sources", "seed_sources"),
    ("leads.migrations.0002_seed_pipeline", "seed_pipeline"),
    ("leads.migrations.0003_permission_groups", "create_groups"),
    ("leads.migrations.0006_advisors_may_export", "grant"),
    ("leads.migrations.0010_intake_permissions", "grant"),
    ("leads.migrations.0014_seed_purchase_survey_and_permissions", "seed"),
    ("crm.core.migrations.0005_administrators_unlock_logins_and_set_up_totp", "grant"),
    ("consents.migrations.0002_register_from_booleans", "seed_register"),
    ("privacy.migrations.0002_permissions_for_roles", "grant"),
    ("consents.migrations.0003_administrators_configure_consents", "grant"),
    ("intake.migrations.0002_administrators_run_the_channels", "grant"),
    ("intake.migrations.0003_portal_parsers", "seed_parsers"),
]


def seed_reference_data() -> None:
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(apps, None)


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying every table, seeded ones too. Seed them again
    right away, so that whatever test the worker runs next finds the pipeline, the sources
    and the role groups, as after migrate."""
    yield
    # After the last test the test database is already gone: nothing to seed.
    if nextitem is not None and _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            seed_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    """The migrations' seed data for a transactional test (browser, live server, Celery
    worker), made sure of explicitly. (serialized_rollback cannot do it for browser tests:
    Playwright's greenlet sees other connection objects than the ones pytest-django
    restored.)"""
    seed_reference_data()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker in a thread, on Redis, consuming queues of its own (a worker of
    another test run on the same Redis cannot take our tasks): the default one and the
    heavy one that imports and exports are routed to (CELERY_TASK_ROUTES)."""
    import celery.contrib.testing.tasks  # noqa: F401  (the ping task of the start check)
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from crm.celery import app

    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in (*keys, "task_routes")}
    default_queue, heavy_queue = f"lejek-test-{os.getpid()}", f"lejek-test-heavy-{os.getpid()}"
    app.conf.update(
        task_always_eager=False,
        broker_url="redis://127.0.0.1:6379/14",
        # The start check waits for the ping task's result; our tasks store none.
        result_backend="redis://127.0.0.1:6379/14",
        task_default_queue=default_queue,
        task_routes={name: {"queue": heavy_queue} for name in settings.LEJEK_HEAVY_TASKS},
    )
    forget_connections(app)
    try:
        with django_db_blocker.unblock():
            with start_worker(
                app,
                pool="solo",
                concurrency=1,
                perform_ping_check=True,
                queues=[default_queue, heavy_queue],
            ) as worker:
                yield worker
    finally:
        app.conf.update(saved)
        forget_connections(app)


@pytest.fixture
def celery_beat(celery_worker, tmp_path):
    """Celery beat in a thread, firing the reminder sweep every second onto the worker's
    broker and queue (the celery_worker fixture points the app at them)."""
    from celery.beat import Service

    from crm.celery import app

    saved = app.conf.beat_schedule
    app.conf.beat_schedule = {
        "reminders-every-second": {
            "task": "leads.tasks.queue_conversation_reminders",
            "schedule": 1.0,
        }
    }
    service = Service(app=app, max_interval=0.5, schedule_filename=str(tmp_path / "beat"))
    thread = threading.Thread(target=service.start, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stop()
        thread.join(10)
        app.conf.beat_schedule = saved


def forget_connections(app) -> None:
    # Celery caches on first use what the broker and backend settings give: the producer
    # pool, the queues and routes (app.amqp) and the result backend (per thread). Eager
    # tests that ran before made them for "no broker"; drop them so that they are made
    # again from the conf in force (as Celery does after a fork).
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._local.__dict__.pop("backend", None)


@dataclass
class Delivery:
    """One email as the SMTP server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class SMTPSink:
    """An SMTP server on 127.0.0.1 that keeps every email it takes, in `deliveries`. It can
    be stopped (nothing listens on its port) and started again on the same port, and made
    to hold the next email's DATA until the test releases it."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()  # Controller(port=0) cannot tell its port
        self.deliveries: list[Delivery] = []
        self.holding = threading.Event()  # set once a held DATA waits
        self._hold: threading.Event | None = None
        self._gates: list[threading.Event] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        for gate in self._gates:
            gate.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hold_next(self) -> threading.Event:
        """Make the next email wait, before the server's answer to DATA, until the returned
        event is set. It is kept then, or as soon as its client goes away: the server has
        the whole email, and real ones deliver it although nobody heard them say so."""
        self._hold = gate = threading.Event()
        self._gates.append(gate)
        return gate

    def wait_for(self, count: int, timeout: float = 15) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(self.deliveries)} email(s) arrived in {timeout} s, expected {count}"
                )
            time.sleep(0.05)
        return self.deliveries

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        delivery = Delivery(envelope.mail_from, list(envelope.rcpt_tos), message)
        gate, self._hold = self._hold, None
        if gate is not None:
            self.holding.set()
            try:
                await asyncio.get_running_loop().run_in_executor(None, gate.wait)
            finally:  # released, or cancelled by aiosmtpd when the client went away
                self.deliveries.append(delivery)
        else:
            self.deliveries.append(delivery)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings):
    """A running SMTP sink that Django's smtp backend sends to, in this process's threads
    (the in-thread Celery worker too: it reads the same settings)."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def redis_server():
    """A redis-server of the test's own on a free port, for the stories in which Redis
    goes away (the shared one on 6379 is never stopped); stopped at the end."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_server():
    """A Dovecot of the test's own on a free loopback port (about 40 ms to start), with
    one mailbox: user "sales", password "secret", plain login without TLS. Put mail in
    with `imap_server.append(raw_bytes, folder="INBOX")`; stopped and removed at the end."""
    with IMAPServer("sales", "secret") as server:
        yield server
