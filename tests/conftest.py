"""The actors of every story: the owner advisor, a teammate, an outsider from another
branch, a manager of the branch, a manager of another branch, and an administrator."""

from __future__ import annotations

import os

import pytest

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
