"""The actors of every story: the owner advisor, a teammate, an outsider from another
branch, a manager of the branch, a manager of another branch, and an administrator."""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps

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
]


@pytest.fixture
def reference_data(transactional_db):
    """Seed data of the migrations again for a transactional test (browser, live server):
    such a test ends by emptying every table, and the next one needs the pipeline again.
    (serialized_rollback cannot do it here: Playwright's greenlet sees other connection
    objects than the ones pytest-django restored.)"""
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(apps, None)
