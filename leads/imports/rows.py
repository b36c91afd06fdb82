"""One row of an import as an inquiry: its mapped cells checked by the intake's own form
(`leads.forms.inquiry.IntakePayloadForm`: the same lengths, email check, phone to E.164 and
"an email or a phone" rule as the intake API), plus the import's readings of dates and
consents.

A row's key (`row_key`) is a hash of its normalised contents: the same row twice in a
file, or in a file imported again, has the same key. The import stores it as the lead's
external id, `import:<key>`, so the intake's own unique (source, external id) receipts
make a second import of the row a duplicate, never a second lead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.normalization import fold_name, normalize_email
from leads.forms.inquiry import IntakePayloadForm
from leads.models import ImportBatch, ImportRowError

from .mapping import FIELDS
from .reading import Cell

EXTERNAL_ID_PREFIX = "import:"
_DATE_FORMATS = (
    "%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y", "%d-%m-%Y",
)  # fmt: skip
_YES = {"1", "tak", "t", "yes", "y", "true", "prawda", "x", "zgoda", "ok"}
_NO = {"", "0", "nie", "n", "no", "false", "falsz", "brak"}


@dataclass
class Row:
    """A row read: its number, the intake data when valid, its errors (column, message)."""

    number: int
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""
    # An import of clients: the row's normalised phone, email and PESEL ("phone:…",
    # "email:…", "pesel:…"; see clients.CONTACT_KEYS).
    contacts: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def seen_keys(self) -> tuple[str, ...]:
        """What makes a later row of the file a duplicate of this one."""
        return self.contacts or (self.key,)

    @property
    def external_id(self) -> str:
        return f"{EXTERNAL_ID_PREFIX}{self.key}"


def error_text(column: str, message: str) -> str:
    """One error of a row as the user reads it: the column's name first, when it has one."""
    return f"{column}: {message}" if column else message


def consent_refusals(batch: ImportBatch, row: int, reasons: list[str]) -> list[ImportRowError]:
    """A row imported without the consent the register refused (the person objected to
    marketing): said in the row's report, the row itself kept."""
    return [
        ImportRowError(
            batch=batch,
            row=row,
            column=str(FIELDS["consents_marketing"])[:200],
            message=(
                _("The row was imported; its marketing consent was not recorded: %(reason)s")
                % {"reason": reason}
            )[:500],
        )
        for reason in dict.fromkeys(reasons)
    ]


class RowReader:
    """Turns the cells of a row into a Row, for one mapping and its file's headers."""

    def __init__(self, *, mapping: dict[str, str], headers: list[str]):
        # field → column index; the column's header names it in error messages.
        self.columns = {name: int(index) for index, name in mapping.items() if name}
        # One form for every row, bound to each row's values in turn: building a form copies
        # its fields, which would cost more than checking the row.
        self._form = IntakePayloadForm(data={})
        self.header_of = {
            name: headers[index] if index < len(headers) and headers[index] else str(FIELDS[name])
            for name, index in self.columns.items()
        }

    def read(self, number: int, cells: list[Cell]) -> Row:
        row = Row(number=number)
        values: dict[str, Any] = {}
        for name, index in self.columns.items():
            cell = cells[index] if index < len(cells) else ""
            try:
                values[name] = self._value(name, cell)
            except ValueError as error:
                row.errors.append((self.header_of[name], str(error)))
        form = self._form
        form.data = {k: v for k, v in values.items() if v not in ("", None)}
        form._errors = None  # Django's own "not cleaned yet"
        if not form.is_valid():
            for name, messages in form.errors.items():
                if name == "__all__":
                    column = " / ".join(
                        self.header_of.get(n, str(FIELDS[n])) for n in ("email", "phone")
                    )
                else:
                    column = self.header_of.get(name, name)
                row.errors.extend((column, message) for message in messages)
        if row.errors:
            return row
        row.data = {key: value for key, value in form.cleaned_data.items() if key in FIELDS}
        row.key = row_key(row.data)
        return row

    def _value(self, name: str, cell: Cell) -> Any:
        if name == "submitted_at":
            return parse_date(cell)
        if name.startswith("consents_"):
            return parse_consent(cell)
        if isinstance(cell, datetime | date):
            return cell.isoformat()
        return cell


def parse_date(cell: Cell) -> datetime | None:
    """A moment from a date cell, or text such as 29.06.2022 or 2022-06-29 (with an
    optional time), in the project's time zone."""
    if isinstance(cell, datetime):
        moment = cell
    elif isinstance(cell, date):
        moment = datetime.combine(cell, time(0))
    else:
        text = " ".join(cell.split())
        if not text:
            return None
        moment = None
        for pattern in _DATE_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValueError(
                _("“%(value)s” is not a date; write it as 29.06.2022 or 2022-06-29.")
                % {"value": text[:50]}
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def parse_consent(cell: Cell) -> bool:
    """Yes/no as people write it in a sheet (tak, nie, x, 1, 0, yes, no; empty is no)."""
    text = re.sub(r"\s+", " ", fold_name(str(cell))).strip(" .")
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": str(cell)[:50]})


def row_key(data: dict[str, Any]) -> str:
    """The hash of a row's normalised contents (see the module's docstring)."""
    submitted = data.get("submitted_at")
    parts = [
        normalize_email(data.get("email", "")),
        data.get("phone", ""),
        fold_name(data.get("first_name", "")),
        fold_name(data.get("last_name", "")),
        " ".join(data.get("message", "").split()),
        fold_name(data.get("investment", "")),
        submitted.isoformat() if submitted else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
