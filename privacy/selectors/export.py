"""Everything Lejek holds about a person, read for an export (RODO art. 15 and 20).

A person is a client (its record and everything on its leads) or the contact of an inquiry
that has no client yet (that lead alone; once the inquiry has a client, the client's export
covers it). Read here, for each lead: its contact fields, message, UTM and the inquiry's raw
payload, the conversations, offers with their units, preliminary reservations, contracts,
notes, documents (their rows: the files are read by the export service) and filled surveys
with their answers; what the intake channels hold (`privacy.selectors.intake`: the raw
log's entries and the Telegram chats); the person's consent events with the clause texts
and their evidence; whether their phone or email is on the suppression list (an objection
to marketing); and the history (django-simple-history snapshots) of the client, its leads
and of what was done on them.

The read is complete whatever the exporting user may see of the leads: the person's right of
access covers everything the controller holds. That is why the export takes its own
permission (privacy.export_person) and is logged; the view checks first that the user may
open the person (the client or the lead).

A fixed number of queries whatever the number of leads: the leads in one query with their
related rows prefetched, one query per kind of history, one for the consent events, one
for the suppression list, and a few for the intake's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet

from clients.models import Client
from consents.models import ConsentEvent, Suppression
from consents.selectors import Person, suppression_digest
from investments.models import Unit
from leads.models import (
    Activity,
    Contract,
    Document,
    Lead,
    LeadEvent,
    Note,
    Offer,
    OfferItem,
    Reservation,
    SurveyAnswer,
    SurveyResponse,
)
from privacy.selectors.imports import person_import_row_errors, person_import_rows
from privacy.selectors.intake import addresses, person_raw_messages, person_telegram_chats

# The kinds of history exported: the model and the snapshot column holding the lead's id
# (the client's and the lead's own snapshots are found by their id).
HISTORY = {
    "client": (Client, "id"),
    "lead": (Lead, "id"),
    "conversation": (Activity, "lead_id"),
    "offer": (Offer, "lead_id"),
    "reservation": (Reservation, "lead_id"),
    "contract": (Contract, "lead_id"),
    "note": (Note, "lead_id"),
    "document": (Document, "lead_id"),
}


@dataclass(frozen=True)
class PersonData:
    """A person's data as read: the client (or None for an inquiry's contact), the leads
    (oldest first, with their related rows prefetched: `activities`, `offers` with `items`,
    `reservations`, `contracts` with `clients` and `units`, `notes`, `documents`,
    `survey_responses` with `answers`), the consent events (oldest first), when their
    phone or email objected to marketing, and the history snapshots per kind (oldest
    first)."""

    client: Client | None
    leads: list[Lead]
    consent_events: list[ConsentEvent]
    suppressed_at: datetime | None
    history: dict[str, list[Any]] = field(default_factory=dict)
    # The import reports' lines about the person's rows, and the moments of the leads'
    # life (created, first contact, …) the reports count.
    import_row_errors: list[Any] = field(default_factory=list)
    lead_events: list[Any] = field(default_factory=list)
    # The intake's raw log entries (oldest first, with their account) and Telegram chats.
    raw_messages: list[Any] = field(default_factory=list)
    telegram_chats: list[Any] = field(default_factory=list)

    @property
    def contact_lead(self) -> Lead | None:
        """The inquiry whose contact is the person, when the person has no client."""
        return self.leads[0] if self.client is None and self.leads else None


def person_data(*, client: Client | None = None, lead: Lead | None = None) -> PersonData:
    """Everything held about a client, or about the contact of an inquiry without a
    client. The caller has checked that the user may open this client or lead."""
    if (client is None) == (lead is None):
        raise ValueError("Export a client or an inquiry's contact.")
    if client is not None:
        leads = list(_leads_with_everything(Lead.objects.filter(clients=client)))
    else:
        leads = list(_leads_with_everything(Lead.objects.filter(pk=lead.pk)))
    lead_ids = [each.pk for each in leads]
    history = _history(client=client, lead_ids=lead_ids)
    return PersonData(
        client=client,
        leads=leads,
        consent_events=list(_consent_events(client=client, lead_ids=lead_ids)),
        suppressed_at=_suppressed_at(client=client, leads=leads),
        history=history,
        import_row_errors=person_import_row_errors(
            person_import_rows(lead_ids), mentions=_mentions(client=client, leads=leads)
        ),
        lead_events=list(LeadEvent.objects.filter(lead_id__in=lead_ids).order_by("at", "id")),
        raw_messages=list(
            person_raw_messages(lead_ids=lead_ids, emails=_emails(client, leads, history))
        ),
        telegram_chats=list(person_telegram_chats(lead_ids=lead_ids)),
    )


def _mentions(*, client: Client | None, leads: list[Lead]) -> list[str]:
    """The person's strings an import's report may name them by."""
    found = [client.email, client.phone, client.pesel, client.last_name] if client else []
    for lead in leads:
        found += [lead.contact_email, lead.contact_phone, lead.contact_last_name]
    return [value for value in found if value]


def _emails(client: Client | None, leads: list[Lead], history: dict) -> set[str]:
    """Every address the person had, from what is read already (as
    `privacy.selectors.intake.person_emails` reads it for an anonymisation)."""
    found = [client.email] if client is not None else []
    found += [record.email for record in history.get("client", [])]
    found += [lead.contact_email for lead in leads]
    found += [record.contact_email for record in history.get("lead", [])]
    return addresses(found)


def _leads_with_everything(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The leads with every row done on them, in one query per kind of row."""
    units = Unit.objects.select_related("investment")
    return (
        leads.select_related(
            "status",
            "source",
            "branch",
            "created_by",
            "updated_by",
            "failure_reason",
            "deletion_reason",
            "import_batch",
        )
        .prefetch_related(
            "clients",
            "contractors",
            "investments",
            "employees",
            Prefetch(
                "activities",
                Activity.objects.select_related("employee", "client", "created_by").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "offers",
                Offer.objects.select_related("client", "created_by")
                .prefetch_related(
                    Prefetch("items", OfferItem.objects.select_related("unit__investment"))
                )
                .order_by("created_at", "id"),
            ),
            Prefetch(
                "reservations",
                Reservation.objects.select_related(
                    "client", "unit__investment", "created_by"
                ).order_by("created_at", "id"),
            ),
            Prefetch(
                "contracts",
                Contract.objects.select_related("created_by", "cancelled_by")
                .prefetch_related("clients", Prefetch("units", units))
                .order_by("signed_at", "id"),
            ),
            Prefetch(
                "notes", Note.objects.select_related("created_by").order_by("created_at", "id")
            ),
            Prefetch(
                "documents",
                Document.objects.select_related("uploaded_by").order_by("uploaded_at", "id"),
            ),
            Prefetch(
                "survey_responses",
                SurveyResponse.objects.select_related("template", "filled_by")
                .prefetch_related(
                    Prefetch(
                        "answers",
                        SurveyAnswer.objects.select_related("question").order_by(
                            "question__order", "question__id"
                        ),
                    )
                )
                .order_by("filled_at", "id"),
            ),
        )
        .order_by("created_at", "id")
    )


def _consent_events(*, client: Client | None, lead_ids: list[int]) -> QuerySet[ConsentEvent]:
    """The person's consent events with their clauses: a client's, and those given through
    its inquiries before it existed (when they were not carried to it)."""
    mine = Q(lead_id__in=lead_ids, client__isnull=True)
    if client is not None:
        mine |= Q(client=client)
    return (
        ConsentEvent.objects.filter(mine)
        .select_related("clause__controller", "recorded_by")
        .order_by("at", "id")
    )


def _suppressed_at(*, client: Client | None, leads: list[Lead]) -> datetime | None:
    """When the person objected to marketing (art. 21): the suppression list read once for
    the client's phone and email and every contact their inquiries gave."""
    people = [Person(client=client)] if client is not None else []
    people += [Person(lead=lead) for lead in leads]
    digests = {
        suppression_digest(kind, value) for person in people for kind, value in person.contacts()
    }
    if not digests:
        return None
    found = Suppression.objects.filter(digest__in=digests).order_by("-objected_at").first()
    return found.objected_at if found is not None else None


def _history(*, client: Client | None, lead_ids: list[int]) -> dict[str, list[Model]]:
    """The snapshots of the client, its leads and what was done on them, oldest first,
    each with the user who made the change."""
    history = {}
    for kind, (model, column) in HISTORY.items():
        if kind == "client":
            if client is None:
                continue
            wanted = Q(id=client.pk)
        else:
            wanted = Q(**{f"{column}__in": lead_ids})
        records = model.history.model.objects.filter(wanted).select_related("history_user")
        history[kind] = list(records.order_by("history_date", "history_id"))
    return history
