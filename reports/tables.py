"""A report's tables as plain data: the page renders them, the .xlsx export writes them,
so the export is exactly what is on screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from crm.core.excel import Column


@dataclass(frozen=True)
class Cell:
    """One value of a table (a number, a text, a date or None for "—"), with the link to
    the leads behind it when there is one."""

    value: Any
    url: str = ""
    # A span in minutes: a number in the export, read as "1h 30min" or "2d 0h" on the page.
    minutes: bool = False


@dataclass
class Table:
    title: str | Promise
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    # The rows of a final "total" line, styled apart on the page; exported as a row too.
    total: list[Cell] | None = None
    empty: str | Promise = ""

    def all_rows(self) -> list[list[Cell]]:
        """The rows as exported: the body, then the total line."""
        return self.rows + ([self.total] if self.total else [])

    def values(self) -> list[list[Any]]:
        """The bare values, row by row (what the export writes and tests compare)."""
        return [[cell.value for cell in row] for row in self.all_rows()]
