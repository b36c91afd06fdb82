"""The export of a person's data (RODO art. 15, access, and art. 20, portability): one ZIP
file, logged in the privacy log.

What the ZIP holds, and why a ZIP:
- `person.json`: everything read by `privacy.selectors.export.person_data`, every stored
  field of every row under its field name (a related row as its id, and also as its name
  when it was read with it), dates in ISO 8601: the structured, machine-readable copy that
  art. 20 asks for.
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
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from clients.models import Client
from consents.models import ConsentEvent
from crm.core.models import User
from leads.models import Document, Lead
from privacy.models import PrivacyAction, PrivacyLog
from privacy.selectors.export import HISTORY, PersonData, person_data

EXPORT_PERMISSION = "privacy.export_person"
JSON_NAME = "person.json"
HTML_NAME = "podsumowanie.html"
FORMAT = "lejek.person-export/1"

# Lookup columns derived from the fields shown (the JSON keeps them: they are held too).
DERIVED = frozenset(
    {
        "email_normalized",
        "phone_e164",
        "first_name_folded",
        "last_name_folded",
        "company_name_folded",
    }
)


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


# -- podsumowanie.html ---------------------------------------------------------------------


@dataclass
class Block:
    """One row of data in the summary: a title, where it belongs (the lead), its facts as
    (label, text) and longer texts (a message, a clause, a payload) as (label, text)."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    lead: str = ""


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    what: str
    change: str
    fields: str


def summary_context(
    data: PersonData, *, user: User, at: datetime, files: dict, missing: set
) -> dict[str, Any]:
    """What the HTML summary shows: the person's name, and the sections in order."""
    client = data.client
    if client is not None:
        name = str(client)
        person = Block(str(client), facts=_facts(client, exclude=DERIVED))
    else:
        lead = data.contact_lead
        name = " ".join(filter(None, [lead.contact_first_name, lead.contact_last_name]))
        name = name or lead.contact_email or lead.contact_phone
        person = Block(
            name,
            facts=_facts(
                lead,
                only=["contact_first_name", "contact_last_name", "contact_email", "contact_phone"],
            ),
        )
    if data.suppressed_at is not None:
        person.facts.append((_("Objected to marketing"), _when(data.suppressed_at)))
    leads = data.leads
    names = {lead.pk: lead.name for lead in leads}

    def on(lead: Lead) -> str:
        return names.get(lead.pk, "")

    sections = [
        Section("person", _("The person"), [person]),
        Section(
            "consents",
            _("Consents"),
            [_consent_block(event, names, files, missing) for event in data.consent_events],
        ),
        Section("leads", _("Inquiries and leads"), [_lead_block(lead) for lead in leads]),
        Section(
            "conversations",
            _("Conversations"),
            [
                Block(
                    " · ".join(
                        filter(None, [a.get_kind_display(), _when(a.done_at or a.planned_at)])
                    ),
                    facts=_facts(a, exclude=["notes", "lead"]),
                    texts=_texts((_("Notes"), a.notes)),
                    lead=on(lead),
                )
                for lead in leads
                for a in lead.activities.all()
            ],
        ),
        Section(
            "offers",
            _("Offers"),
            [
                Block(
                    str(offer),
                    facts=_facts(offer, exclude=["notes", "lead"])
                    + [
                        (str(item.unit), _offered(item.price, item.list_price))
                        for item in offer.items.all()
                    ],
                    texts=_texts((_("Notes"), offer.notes)),
                    lead=on(lead),
                )
                for lead in leads
                for offer in lead.offers.all()
            ],
        ),
        Section(
            "reservations",
            _("Preliminary reservations"),
            [
                Block(str(r.unit), facts=_facts(r, exclude=["lead"]), lead=on(lead))
                for lead in leads
                for r in lead.reservations.all()
            ],
        ),
        Section(
            "contracts",
            _("Contracts"),
            [
                Block(
                    str(contract),
                    facts=_facts(contract, exclude=["lead", "cancellation_reason"])
                    + [
                        (_("Clients"), ", ".join(str(c) for c in contract.clients.all())),
                        (_("Units"), ", ".join(str(u) for u in contract.units.all())),
                    ],
                    texts=_texts((_("Cancellation reason"), contract.cancellation_reason)),
                    lead=on(lead),
                )
                for lead in leads
                for contract in lead.contracts.all()
            ],
        ),
        Section(
            "notes",
            _("Notes"),
            [
                Block(
                    _when(note.created_at),
                    facts=_facts(note, exclude=["text", "lead", "created_at"]),
                    texts=_texts((_("Note"), note.text)),
                    lead=on(lead),
                )
                for lead in leads
                for note in lead.notes.all()
            ],
        ),
        Section(
            "documents",
            _("Documents"),
            [
                Block(
                    document.original_name,
                    facts=_facts(document, exclude=["file", "lead", "note"])
                    + [_archive_fact("document", document.pk, files, missing)],
                    lead=on(lead),
                )
                for lead in leads
                for document in lead.documents.all()
            ],
        ),
        Section(
            "surveys",
            _("Surveys"),
            [
                Block(
                    f"{response.template} · {_when(response.filled_at)}",
                    facts=[(a.question.text, a.value or "—") for a in response.answers.all()],
                    lead=on(lead),
                )
                for lead in leads
                for response in lead.survey_responses.all()
            ],
        ),
    ]
    return {
        "name": name,
        "exported_at": _when(at),
        "exported_by": str(user),
        "sections": sections,
        "history": _history_rows(data.history),
    }


def _consent_block(event: ConsentEvent, names: dict, files: dict, missing: set) -> Block:
    facts = _facts(event, exclude=["client", "lead", "clause", "evidence", "document"])
    if event.lead_id in names:
        facts.append((_("Inquiry"), names[event.lead_id]))
    texts = []
    clause = event.clause
    if clause is not None:
        controller = clause.controller
        facts.append((_("Clause version"), str(clause.version)))
        facts.append((_("Controller"), _controller_text(controller)))
        texts.append((_("Clause text"), clause.text))
    if event.evidence:
        texts.append((_("Evidence"), _pretty(event.evidence)))
    if event.document:
        facts.append(_archive_fact("consent", event.pk, files, missing))
    title = f"{event.get_kind_display()}: {event.get_action_display()} · {_when(event.at)}"
    return Block(title, facts=facts, texts=texts)


def _controller_text(controller) -> str:
    parts = [controller.name]
    parts += [f"NIP {controller.nip}"] if controller.nip else []
    parts += [f"KRS {controller.krs}"] if controller.krs else []
    parts += [controller.address, controller.dpo_contact]
    return ", ".join(filter(None, parts))


def _lead_block(lead: Lead) -> Block:
    facts = _facts(lead, exclude=["message", "raw_payload", "failure_comment"])
    for label, related in (
        (_("Clients"), lead.clients.all()),
        (_("Contractors"), lead.contractors.all()),
        (_("Investments"), lead.investments.all()),
        (_("Employees"), lead.employees.all()),
    ):
        if related:
            facts.append((label, ", ".join(str(obj) for obj in related)))
    payload = _pretty(lead.raw_payload) if lead.raw_payload else ""
    texts = _texts(
        (_("Message"), lead.message),
        (_("Failure comment"), lead.failure_comment),
        (_("Inquiry as received (raw payload)"), payload),
    )
    return Block(f"{lead.name} · {_when(lead.created_at)}", facts=facts, texts=texts)


def _archive_fact(kind: str, pk: int, files: dict, missing: set) -> tuple[str, str]:
    if (kind, pk) in files:
        return (_("File in this archive"), files[(kind, pk)][1])
    return (_("File in this archive"), _("missing from the storage"))


def _offered(price, list_price) -> str:
    return _("%(price)s PLN (list price %(list_price)s PLN)") % {
        "price": formats.number_format(price, 2, use_l10n=True, force_grouping=True),
        "list_price": formats.number_format(list_price, 2, use_l10n=True, force_grouping=True),
    }


def _texts(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, text) for label, text in pairs if text]


def _pretty(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _facts(
    obj: models.Model, *, exclude: Iterable[str] = (), only: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """A row's filled fields as a person reads them: labelled, choices by their names,
    dates formatted, a related row by its name when it was read with the row."""
    facts = []
    exclude = set(exclude)
    for model_field in obj._meta.concrete_fields:
        name = model_field.name
        if name == "id" or name in exclude or (only is not None and name not in only):
            continue
        text = _display(obj, model_field)
        if text:
            facts.append((capfirst(str(model_field.verbose_name)), text))
    return facts


def _display(obj: models.Model, model_field: models.Field) -> str:
    value = getattr(obj, model_field.attname)
    if value is None or value == "" or value == {} or value is False:
        return ""
    if model_field.is_relation:
        if model_field.is_cached(obj):
            return str(getattr(obj, model_field.name))
        return f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes")
    if isinstance(model_field, (models.DateTimeField, models.DateField)):
        return _when(value)
    if isinstance(model_field, models.DecimalField):
        return formats.number_format(value, model_field.decimal_places, use_l10n=True)
    if isinstance(model_field, models.JSONField):
        return _pretty(value)
    if isinstance(model_field, models.FileField):
        return ""
    return str(value)


CHANGES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_rows(history: dict[str, list[Any]]) -> list[HistoryRow]:
    """Every snapshot as a row, oldest first: when, who, what (the kind and the row), the
    kind of change and, for a change, the fields it changed."""
    change_names = {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}
    rows = []
    for kind, records in history.items():
        model = HISTORY[kind][0]
        shown = [
            f
            for f in model._meta.concrete_fields
            if f.name not in DERIVED and f.name in _tracked(model) and f.name != "id"
        ]
        previous: dict[int, Any] = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            changed = ""
            if before is not None and record.history_type == "~":
                changed = ", ".join(
                    capfirst(str(f.verbose_name))
                    for f in shown
                    if getattr(before, f.attname) != getattr(record, f.attname)
                )
            rows.append(
                (
                    record.history_date,
                    record.history_id,
                    HistoryRow(
                        when=_when(record.history_date),
                        who=str(record.history_user) if record.history_user else "",
                        what=f"{capfirst(str(model._meta.verbose_name))} #{record.id}",
                        change=change_names[CHANGES.get(record.history_type, "changed")],
                        fields=changed,
                    ),
                )
            )
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row for _date, _id, row in rows]


@cache
def _tracked(model: type[models.Model]) -> frozenset[str]:
    """The fields the model's history keeps."""
    return frozenset(f.name for f in model.history.model.tracked_fields)
