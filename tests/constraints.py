"""Helpers to tell which database rule refused a row, without depending on message text
(the Polish catalogue may not be compiled when the tests run)."""

from __future__ import annotations

from django.db import IntegrityError, connection
from django.db.models import Model


def constraint_message(model: type[Model], name: str) -> str:
    """The message a constraint of `model` gives when full_clean() refuses a row, in the
    active language: comparing with it proves which rule spoke, whatever the translation."""
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.get_violation_error_message())
    raise AssertionError(f"{model.__name__} has no constraint named {name!r}")


def assert_violates(error: IntegrityError, name: str) -> None:
    """Assert that the database refused the row because of the constraint `name`."""
    if connection.vendor == "postgresql":
        assert error.__cause__.diag.constraint_name == name, str(error)
    elif "CHECK" in str(error):
        # SQLite names check constraints in its message, but not unique indexes.
        assert name in str(error), str(error)
