"""What an anonymisation would remove and what a legal hold would keep, for its
confirmation page: counts and dates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from clients.models import Client
from consents.models import ConsentEvent
from leads.models import Activity, Contract, Document, Lead, Note, Offer
from privacy.selectors.holds import legal_hold_until
from privacy.selectors.intake import person_emails, person_raw_messages, person_telegram_chats


@dataclass(frozen=True)
class ErasurePreview:
    leads: int
    conversations: int
    notes: int
    documents: int
    offers: int
    contracts: int
    consent_events: int
    raw_messages: int
    telegram_chats: int
    held_until: date | None


def erasure_preview(*, client: Client | None = None, lead: Lead | None = None) -> ErasurePreview:
    """The counts of what anonymising the client (with their leads) or the inquiry
    touches (the raw log's entries and Telegram chats as privacy.selectors.intake finds
    them), and the end of the legal hold if one applies."""
    if client is not None:
        lead_ids = list(client.leads.values_list("pk", flat=True))
        events = Q(client=client) | Q(lead_id__in=lead_ids)
    else:
        lead_ids = [lead.pk]
        events = Q(lead_id__in=lead_ids)
    on_leads = {"lead_id__in": lead_ids}
    return ErasurePreview(
        leads=len(lead_ids),
        conversations=Activity.objects.filter(**on_leads).count(),
        notes=Note.objects.filter(**on_leads).count(),
        documents=Document.objects.filter(**on_leads).count(),
        offers=Offer.objects.filter(**on_leads).count(),
        contracts=Contract.objects.filter(**on_leads).count(),
        consent_events=ConsentEvent.objects.filter(events).count(),
        raw_messages=person_raw_messages(
            lead_ids=lead_ids, emails=person_emails(client=client, lead_ids=lead_ids)
        ).count(),
        telegram_chats=person_telegram_chats(lead_ids=lead_ids).count(),
        held_until=legal_hold_until(client=client, lead_ids=lead_ids),
    )
