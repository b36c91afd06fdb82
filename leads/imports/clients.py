"""An import of clients (rather than of leads): each row a client, checked by the client's
own model validation (email, phone to E.164, PESEL, lengths; an email or a phone), made by
`clients.services.client_create` (with its history) in the batch's chunks.

A client is known by its normalised phone, email or PESEL, the keys of the duplicate check
every new client passes (`clients.candidates`, `client_create`): a row sharing one with an
existing client is a duplicate in the database, one sharing one with an earlier row a
duplicate in the file.
So a file imported twice makes no second client, and a resumed run (see run.py) finds the
clients of its committed chunks and skips them.

The consent columns become the client's events in the consent register (source import,
the batch and row as evidence, not explicit), for the default controller: "processing" as
the basis of handling the client's inquiries, "marketing" as the intake API's marketing
boolean (email and phone call). A marketing consent refused (the person objected) is the
row's report; the client is imported all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clients.models import Client, ClientKind
from clients.selectors import clients_with_contacts
from clients.services import DuplicateClients, client_create
from consents.models import Kind, Source
from consents.selectors import Person
from consents.services import Given, ToRecord, consents_record_many
from leads.intake_config import intake_config
from leads.models import ImportBatch, ImportRowError
from leads.services.inquiry_consents import legacy_marketing
from leads.services.intake import one_line

from .mapping import CLIENT_FIELDS
from .reading import Cell
from .rows import Row, consent_refusals, error_text, parse_consent
from .status import batch_checked

TEXT_FIELDS = (
    "first_name", "last_name", "company_name", "email", "phone", "pesel", "accounting_id",
    "description",
)  # fmt: skip
# What a client is known by: the kind of a row's contact key, and the client's column
# (normalised) it is read from.
CONTACT_KEYS = (("phone", "phone_e164"), ("email", "email_normalized"), ("pesel", "pesel"))


class ClientRowReader:
    """Turns the cells of a row into a Row whose data are a client's fields."""

    def __init__(self, *, mapping: dict[str, str], headers: list[str]):
        self.columns = {name: int(index) for index, name in mapping.items() if name}
        self.header_of = {
            name: headers[index]
            if index < len(headers) and headers[index]
            else str(CLIENT_FIELDS[name])
            for name, index in self.columns.items()
        }

    def column(self, name: str) -> str:
        return self.header_of.get(name, str(CLIENT_FIELDS.get(name, name)))

    def read(self, number: int, cells: list[Cell]) -> Row:
        row = Row(number=number)
        data: dict[str, Any] = {}
        for name, index in self.columns.items():
            cell = cells[index] if index < len(cells) else ""
            if name.startswith("consents_"):
                try:
                    data[name] = parse_consent(cell)
                except ValueError as error:
                    row.errors.append((self.header_of[name], str(error)))
            else:
                text = cell.isoformat() if hasattr(cell, "isoformat") else str(cell)
                data[name] = text.strip() if name == "description" else one_line(text)
        data["kind"] = ClientKind.COMPANY if data.get("company_name") else ClientKind.PERSON
        client = Client(**{name: data.get(name, "") for name in TEXT_FIELDS}, kind=data["kind"])
        if not client.email and not client.phone:
            row.errors.append(
                (
                    " / ".join(self.column(name) for name in ("email", "phone")),
                    _("Give the client an email address or a phone number."),
                )
            )
        try:
            client.clean_fields(exclude=["branch", "caretaker", "source", "created_by"])
            client.clean()  # the phone in E.164, the normalised email
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.errors.extend((self.column(name), message) for message in messages)
        if row.errors:
            return row
        row.data = data
        row.contacts = _keys(getattr(client, column) for _kind, column in CONTACT_KEYS)
        row.key = "|".join(row.contacts)
        return row


def _keys(values: Iterable[str]) -> tuple[str, ...]:
    """A client's contact keys from the values of its CONTACT_KEYS columns, in that order;
    an empty value gives none."""
    pairs = zip(CONTACT_KEYS, values, strict=True)
    return tuple(f"{kind}:{value}" for (kind, _column), value in pairs if value)


def known_client_contacts(rows: Iterable[Row]) -> set[str]:
    """The keys of these rows (phone, email, PESEL: the same person as for
    `client_create`'s duplicate check) that an existing client already has (one query)."""
    keys = {key for row in rows for key in row.contacts}
    if not keys:
        return set()
    values: dict[str, set[str]] = {kind: set() for kind, _column in CONTACT_KEYS}
    for key in keys:
        kind, value = key.split(":", 1)
        values[kind].add(value)
    found = clients_with_contacts(
        phones=values["phone"], emails=values["email"], pesels=values["pesel"]
    ).values_list(*(column for _kind, column in CONTACT_KEYS))
    known = {key for columns in found for key in _keys(columns)}
    return known & keys


def classify(rows: list[Row], seen: set[str]) -> tuple[dict[str, int], list[Row]]:
    """Count the chunk's rows (errors, duplicates in the file or in Lejek) and return the
    new ones; `seen` gathers the contacts of the file's rows so far."""
    counts = dict.fromkeys(("rows_total", "rows_error", "rows_duplicate_file"), 0)
    fresh = []
    for row in rows:
        counts["rows_total"] += 1
        if not row.is_valid:
            counts["rows_error"] += 1
        elif seen.intersection(row.contacts):
            counts["rows_duplicate_file"] += 1
        else:
            seen.update(row.contacts)
            fresh.append(row)
    known = known_client_contacts(fresh)
    new = [row for row in fresh if not known.intersection(row.contacts)]
    counts["rows_duplicate_db"] = len(fresh) - len(new)
    counts["rows_new"] = len(new)
    return counts, new


def clients_check(
    batch: ImportBatch, rows: Iterable[list[Row]], *, progress: Callable[[int], None] | None
) -> None:
    """The dry run of an import of clients (see check.import_check)."""
    totals: dict[str, int] = {"rows_linked": 0}
    seen: set[str] = set()
    ImportRowError.objects.filter(batch=batch).delete()
    for chunk in rows:
        counts, _new = classify(chunk, seen)
        for name, value in counts.items():
            totals[name] = totals.get(name, 0) + value
        ImportRowError.objects.bulk_create(
            ImportRowError(batch=batch, row=row.number, column=column[:200], message=text[:500])
            for row in chunk
            for column, text in row.errors
        )
        if progress is not None:
            progress(totals["rows_total"])
    batch_checked(batch, totals)


def clients_import_part(
    batch: ImportBatch, chunk: list[Row], seen: set[str], *, refuse: Callable[[int, str], None]
) -> dict[str, int]:
    """Create the chunk's new clients through `client_create` (each with its history);
    `refuse(row, message)` is called for a row that fails (all or nothing raises there)."""
    for row in chunk:
        if not row.is_valid:
            column, message = row.errors[0]
            refuse(row.number, error_text(column, message))
    counts, new = classify(chunk, seen)
    errors = []
    made = []
    for row in new:
        try:
            client = client_create(user=batch.created_by, data={**row.data, "source": batch.source})
            made.append((row, client))
        except DuplicateClients:
            # Added since the chunk was classified (by a user, or another import).
            counts["rows_new"] -= 1
            counts["rows_duplicate_db"] += 1
        except ValidationError as error:
            message = "; ".join(error.messages)
            refuse(row.number, message)
            counts["rows_new"] -= 1
            counts["rows_error"] += 1
            errors.append(ImportRowError(batch=batch, row=row.number, message=message[:500]))
    errors.extend(_consents_record(batch, made))
    ImportRowError.objects.bulk_create(errors)
    counts["rows_imported"] = counts["rows_new"]
    return counts


def _consents_record(batch: ImportBatch, made: list[tuple[Row, Client]]) -> list[ImportRowError]:
    """The new clients' consent columns as events (see the module's docstring); the
    refusals as the rows' report."""
    config = intake_config()
    clauses = config.clauses_of(config.default_controller)
    marketing = legacy_marketing(clauses)
    basis = clauses.get(Kind.INQUIRY)
    items, rows = [], []
    for row, client in made:
        given = []
        if row.data.get("consents_processing") and basis is not None:
            given.append(Given(Kind.INQUIRY, basis))
        if row.data.get("consents_marketing"):
            given.extend(marketing)
        for item in given:
            evidence = {"batch": batch.pk, "row": row.number}
            items.append(ToRecord(Person(client=client), item, client.created_at, evidence))
            rows.append(row.number)
    refused: dict[int, list[str]] = {}
    for index, reason in consents_record_many(items=items, source=Source.IMPORT):
        refused.setdefault(rows[index], []).append(reason)
    return [
        error for row, reasons in refused.items() for error in consent_refusals(batch, row, reasons)
    ]
