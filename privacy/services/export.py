"""The export of a person's data (RODO art. 15, access, and art. 20, portability): one ZIP
file, logged in the privacy log.

What the ZIP holds, and why a ZIP:
- `person.json`: everything read by `privacy.selectors.export.person_data`, every stored
  field of every row under its field name (a related row as its id, and also as its name
  when it was read with it), dates in ISO 8601: the structured, machine-readable copy that
  art. 20 asks for. What arrived through an intake channel (an email, a webhook's body)
  is given as text, up to `RAW_BODY_LIMIT` characters (the rest of a long email is mostly
  its attachments' base64, and the attachments are the lead's documents).
- `podsumowanie.html`: the same data for a person to read (art. 15), in the user's
  language (Polish by default), one section per kind of data, dates formatted; one file
  with its own styles, which opens in any browser without Lejek or the internet.
- `dokumenty/…` and `zgody/…`: the files themselves (the leads' documents and notes'
  attachments, the scanned consent documents). They are the person's data as much as the
  rows describing them, so the copy of art. 15(3) includes them; in one archive the
  person gets everything in one download and the log records one export. A file missing
  from the storage is named as missing in the JSON and the summary, not left out silently.

The archive is built in a temporary file and streamed to the user: it is never stored, so
an anonymisation finds no copy of the person's data left behind by an export. The log row
names the person by id only and counts what was exported: the log itself keeps
no personal data (see privacy/models.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from consents.models import ConsentEvent
from crm.core.models import User
from intake.models import RawMessage
from leads.models import Document, Lead
from privacy.models import PrivacyAction, PrivacyLog
from privacy.selectors.export import PersonData, person_data
from privacy.selectors.intake import raw_body_text
from privacy.services.export_summary import summary_context

EXPORT_PERMISSION = "privacy.export_person"
JSON_NAME = "person.json"
HTML_NAME = "podsumowanie.html"
FORMAT = "lejek.person-export/1"


@dataclass
class PersonExport:
    """The built archive (a temporary file, read from its start) and its download name."""

    file: IO[bytes]
    file_name: str
    log: PrivacyLog


@transaction.atomic
def person_export(
    *, user: User, client: Client | None = None, lead: Lead | None = None
) -> PersonExport:
    """Export everything held about a client, or about the contact of an inquiry without a
    client, as a ZIP (`person.json`, `podsumowanie.html` and the files), and log it.

    The caller has checked that the user may open the client or lead; the user needs the
    privacy.export_person permission. The log is written once the archive is built: an
    export that failed is not logged."""
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(_("You may not export a person's data."))
    data = person_data(client=client, lead=lead)
    now = timezone.now()
    archive, counts = _archive(data, user=user, at=now)
    log = PrivacyLog(
        action=PrivacyAction.EXPORT,
        client_id=client.pk if client is not None else None,
        lead_id=lead.pk if lead is not None else None,
        user=user,
        at=now,
        details={"format": "zip", **counts},
    )
    log.full_clean()
    log.save()
    who = f"klient-{client.pk}" if client is not None else f"zapytanie-{lead.pk}"
    file_name = f"dane-osobowe-{who}-{timezone.localdate(now):%Y-%m-%d}.zip"
    return PersonExport(file=archive, file_name=file_name, log=log)


# -- The archive ---------------------------------------------------------------------------


def _archive(data: PersonData, *, user: User, at: datetime) -> tuple[IO[bytes], dict]:
    """The ZIP in a temporary file (documents may be large), and what it counts."""
    files, missing = _files(data)
    document = person_json(data, user=user, at=at, files=files, missing=missing)
    html = render_to_string(
        "privacy/export/summary.html",
        summary_context(data, user=user, at=at, files=files, missing=missing),
    )
    archive = tempfile.TemporaryFile()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(JSON_NAME, json.dumps(document, cls=DjangoJSONEncoder, indent=2))
        zipped.writestr(HTML_NAME, html)
        for stored, name in files.values():
            with stored.open("rb") as source, zipped.open(name, "w") as target:
                shutil.copyfileobj(source, target)
    archive.seek(0)
    counts = {
        "leads": len(data.leads),
        "consent_events": len(data.consent_events),
        "files": len(files),
        "files_missing": len(missing),
        "raw_messages": len(data.raw_messages),
        "telegram_chats": len(data.telegram_chats),
    }
    return archive, counts


def _files(data: PersonData) -> tuple[dict[tuple[str, int], tuple[Any, str]], set]:
    """The files to put in the archive, by (kind, row id): the stored file and its name in
    the archive; and the (kind, row id) of the files the storage no longer has."""
    files, missing = {}, set()
    wanted = [("document", d.pk, d.file, d.original_name) for d in _documents(data)]
    wanted += [
        ("consent", e.pk, e.document, e.document.name.rsplit("/", 1)[-1])
        for e in data.consent_events
        if e.document
    ]
    folders = {"document": "dokumenty", "consent": "zgody"}
    for kind, pk, stored, name in wanted:
        if not stored.storage.exists(stored.name):
            missing.add((kind, pk))
            continue
        safe = name.replace("/", "_").replace("\\", "_")
        files[(kind, pk)] = (stored, f"{folders[kind]}/{pk}-{safe}")
    return files, missing


def _documents(data: PersonData) -> list[Document]:
    return [document for lead in data.leads for document in lead.documents.all()]


# -- person.json -----------------------------------------------------------------------------


def person_json(
    data: PersonData, *, user: User, at: datetime, files: dict, missing: set
) -> dict[str, Any]:
    """The export's machine-readable document: every field of every row."""
    client = data.client
    if client is not None:
        person = {"kind": "client", "client_id": client.pk}
    else:
        person = {"kind": "inquiry_contact", "lead_id": data.contact_lead.pk}
    return {
        "format": FORMAT,
        "exported_at": at,
        "exported_by": str(user),
        "person": person,
        "client": _row(client) if client is not None else None,
        "objection_to_marketing": (
            {"objected_at": data.suppressed_at} if data.suppressed_at is not None else None
        ),
        "consent_events": [
            _consent_event_json(event, files, missing) for event in data.consent_events
        ],
        "leads": [_lead_json(lead, files, missing) for lead in data.leads],
        "history": {
            kind: [_row(record) for record in records] for kind, records in data.history.items()
        },
        "lead_events": [_row(event) for event in data.lead_events],
        "raw_messages": [_raw_message_json(raw) for raw in data.raw_messages],
        "telegram_chats": [_row(chat) for chat in data.telegram_chats],
        "import_reports": [
            {**_row(error), "file_name": error.batch.file_name} for error in data.import_row_errors
        ],
    }


def _row(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every stored field of a row: a related row as its id (`<name>_id`) and, when it was
    read with the row, by its name too; a file as its stored name."""
    row: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.name in exclude:
            continue
        if model_field.is_relation:
            row[model_field.attname] = getattr(obj, model_field.attname)
            if model_field.is_cached(obj):
                related = getattr(obj, model_field.name)
                row[model_field.name] = str(related) if related is not None else None
        elif isinstance(model_field, models.FileField):
            row[model_field.name] = getattr(obj, model_field.attname).name or ""
        else:
            row[model_field.name] = model_field.value_from_object(obj)
    return row


def _names(objects: Iterable[models.Model]) -> list[dict[str, Any]]:
    return [{"id": obj.pk, "name": str(obj)} for obj in objects]


def _file_entry(kind: str, pk: int, files: dict, missing: set) -> dict[str, Any]:
    if (kind, pk) in files:
        return {"file_in_archive": files[(kind, pk)][1]}
    if (kind, pk) in missing:
        return {"file_in_archive": None, "file_missing": True}
    return {}


def _consent_event_json(event: ConsentEvent, files: dict, missing: set) -> dict[str, Any]:
    row = _row(event, exclude=["document"])
    clause = event.clause
    row["clause"] = None
    if clause is not None:
        row["clause"] = _row(clause, exclude=["controller"])
        row["clause"]["controller"] = _row(clause.controller)
    row.update(_file_entry("consent", event.pk, files, missing))
    return row


def _raw_message_json(raw: RawMessage) -> dict[str, Any]:
    """A raw log entry with its content as text (see the module's docstring)."""
    text, cut = raw_body_text(raw)
    return {
        **_row(raw, exclude=["body"]),
        "body": text,
        "body_bytes": len(raw.body),
        "body_truncated": cut,
    }


def _lead_json(lead: Lead, files: dict, missing: set) -> dict[str, Any]:
    row = _row(lead)
    row["clients"] = _names(lead.clients.all())
    row["contractors"] = _names(lead.contractors.all())
    row["investments"] = _names(lead.investments.all())
    row["employees"] = _names(lead.employees.all())
    row["conversations"] = [_row(activity) for activity in lead.activities.all()]
    row["offers"] = [
        {**_row(offer), "items": [_row(item) for item in offer.items.all()]}
        for offer in lead.offers.all()
    ]
    row["reservations"] = [_row(reservation) for reservation in lead.reservations.all()]
    row["contracts"] = [
        {
            **_row(contract),
            "clients": _names(contract.clients.all()),
            "units": _names(contract.units.all()),
        }
        for contract in lead.contracts.all()
    ]
    row["notes"] = [_row(note) for note in lead.notes.all()]
    row["documents"] = [
        {**_row(document, exclude=["file"]), **_file_entry("document", document.pk, files, missing)}
        for document in lead.documents.all()
    ]
    row["surveys"] = [
        {
            **_row(response),
            "answers": [
                {"question": answer.question.text, "answer": answer.value}
                for answer in response.answers.all()
            ],
        }
        for response in lead.survey_responses.all()
    ]
    return row
