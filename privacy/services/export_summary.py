"""The export's summary for a person to read (podsumowanie.html): what the template shows,
one section per kind of data, every row as labelled facts in the user's language with the
dates formatted, longer texts (a message, a clause, a payload) apart, and the history of
changes as a table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from consents.models import ConsentEvent
from crm.core.models import User
from intake.models import RawMessage
from leads.models import Lead
from privacy.selectors.export import HISTORY, PersonData
from privacy.selectors.intake import RAW_BODY_LIMIT, raw_body_text

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
            "raw_messages",
            _("Messages as received"),
            [_raw_message_block(raw, names) for raw in data.raw_messages],
        ),
        Section(
            "telegram_chats",
            _("Telegram chats"),
            [
                Block(
                    _("Chat %(id)s") % {"id": chat.chat_id},
                    facts=[(_("Bot"), str(chat.account)), (_("Since"), _when(chat.created_at))],
                    lead=names.get(chat.lead_id, ""),
                )
                for chat in data.telegram_chats
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
        Section(
            "imports",
            _("Import reports"),
            [
                Block(
                    _("%(file)s, row %(row)s") % {"file": error.batch.file_name, "row": error.row},
                    facts=[(_("Imported on"), _when(error.batch.created_at))],
                    texts=[(_("Report"), error.message)],
                )
                for error in data.import_row_errors
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


def _raw_message_block(raw: RawMessage, names: dict) -> Block:
    """What arrived through an intake channel: who sent it, what became of it and the
    content as text (cut as in person.json)."""
    facts = _facts(raw, only=["account", "sender", "subject", "outcome", "reason"])
    text, cut = raw_body_text(raw)
    if cut:
        facts.append(
            (
                _("Content"),
                _("The first %(limit)s characters of %(size)s bytes")
                % {"limit": RAW_BODY_LIMIT, "size": len(raw.body)},
            )
        )
    texts = _texts(
        (_("Attribution"), _pretty(raw.attribution) if raw.attribution else ""),
        (_("Content as received"), text),
    )
    title = f"{raw.get_channel_display()} · {_when(raw.received_at)}"
    return Block(title, facts=facts, texts=texts, lead=names.get(raw.lead_id, ""))


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
