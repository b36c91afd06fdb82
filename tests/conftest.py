"""The actors of every story: the owner advisor, a teammate, an outsider from another
branch, a manager of the branch, a manager of another branch, and an administrator."""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps
from pytest_django.plugin import blocking_manager_key

from crm.core.models import Role

from .factories import BranchFactory, UserFactory

# Playwright's sync API runs an event loop in the main thread; Django would otherwise
# refuse database calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
