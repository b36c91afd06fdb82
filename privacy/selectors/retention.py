"""Who the retention policy anonymises (CRMSettings.retention_months; 0 turns it off):
clients and inquiries (leads without a client) with no contract and no activity for that
many months, and the people anonymised under a legal hold whose hold has ended.

Activity is anything done with the person since the cut-off: a change of the client, a
lead of theirs created or changed, a conversation logged or planned, a note, an offer, a
consent event. A person with an active lead (open: not failed, not won, not deleted) or a
contract is skipped, each with the reason, so the dry run says who is kept and why.
Ids only: the report is itself kept free of personal data.

Apart from the people, the raw log's entries that made no lead (junk, errors, test leads,
entries never processed) are kept `RAW_UNLINKED_DAYS` days, whatever the policy's months:
long enough to fix a parser and replay, and they belong to no one an erasure could find
but by the sender's address."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from consents.models import ConsentEvent
from intake.models import RawMessage
from leads.models import Activity, Lead, Note, Offer
from privacy.selectors.holds import (
    ANONYMISED_FIRST_NAME,
    client_keeps_held_data,
    hold_end,
    latest_contract_signed,
)
from privacy.selectors.intake import RAW_UNLINKED_DAYS
from settings_app.selectors import crm_settings

REASON_INACTIVE = "inactive"
REASON_HOLD_ENDED = "hold_ended"
SKIP_ACTIVE_LEAD = "active_lead"
SKIP_CONTRACT = "contract"
SKIP_HOLD = "legal_hold"

REASONS = {
    REASON_INACTIVE: _("No contract and no activity since %(since)s"),
    REASON_HOLD_ENDED: _("The legal hold of the contract data ended on %(until)s"),
    SKIP_ACTIVE_LEAD: _("Skipped: has an active lead"),
    SKIP_CONTRACT: _("Skipped: has a contract"),
    SKIP_HOLD: _("Skipped: under a legal hold until %(until)s"),
}


@dataclass(frozen=True)
class RetentionEntry:
    """One person the policy looked at: a client or an inquiry, by id, and why they are
    anonymised (`due`) or kept."""

    kind: str  # "client" or "inquiry"
    pk: int
    reason: str
    due: bool
    since: date | None = None
    until: date | None = None

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason] % {"since": self.since, "until": self.until})


def retention_cutoff(*, now: datetime | None = None) -> datetime | None:
    """The moment before which a person without activity is anonymised; None when off."""
    months = crm_settings().retention_months
    if not months:
        return None
    return months_before(now or timezone.now(), months)


def raw_messages_expired(*, now: datetime | None = None) -> QuerySet[RawMessage]:
    """The raw log's entries without a lead received more than RAW_UNLINKED_DAYS ago."""
    before = (now or timezone.now()) - timedelta(days=RAW_UNLINKED_DAYS)
    return RawMessage.objects.filter(lead__isnull=True, received_at__lt=before)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` months earlier (the month's last day when shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _activity_since(cutoff: datetime, lead_ref: str) -> Q:
    """Something done on the leads `lead_ref` names (an OuterRef filter) since the cut-off."""
    recent = Q(created_at__gte=cutoff)
    return (
        Exists(
            Lead.objects.filter(Q(updated_at__gte=cutoff) | recent, **{lead_ref: OuterRef("pk")})
        )
        | Exists(
            Activity.objects.filter(
                recent | Q(done_at__gte=cutoff) | Q(planned_at__gte=cutoff),
                **{f"lead__{lead_ref}": OuterRef("pk")},
            )
        )
        | Exists(Note.objects.filter(recent, **{f"lead__{lead_ref}": OuterRef("pk")}))
        | Exists(Offer.objects.filter(recent, **{f"lead__{lead_ref}": OuterRef("pk")}))
        | Exists(
            ConsentEvent.objects.filter(at__gte=cutoff, **{f"lead__{lead_ref}": OuterRef("pk")})
        )
    )


def inactive_clients(cutoff: datetime) -> QuerySet[Client]:
    """Clients not anonymised, with nothing done since the cut-off, annotated with whether
    they have a contract or an active lead."""
    return (
        Client.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff)
        .filter(updated_at__lt=cutoff)
        .exclude(_activity_since(cutoff, "clients"))
        .exclude(Exists(ConsentEvent.objects.filter(client=OuterRef("pk"), at__gte=cutoff)))
        .annotate(
            latest_signed=latest_contract_signed(
                Q(clients=OuterRef("pk")) | Q(lead__clients=OuterRef("pk"))
            ),
            has_active_lead=Exists(Lead.objects.open().filter(clients=OuterRef("pk"))),
        )
        .order_by("pk")
    )


def inactive_inquiries(cutoff: datetime) -> QuerySet[Lead]:
    """Leads without a client, not anonymised, with nothing done since the cut-off."""
    return (
        Lead.objects.filter(anonymised_at__isnull=True, clients__isnull=True)
        .filter(created_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(_activity_since(cutoff, "pk"))
        .annotate(
            latest_signed=latest_contract_signed(Q(lead=OuterRef("pk"))),
            has_active_lead=Exists(Lead.objects.open().filter(pk=OuterRef("pk"))),
        )
        .order_by("pk")
    )


def held_clients() -> list[Client]:
    """Clients anonymised under a legal hold who still keep the held data."""
    anonymised = (
        Client.objects.filter(anonymised_at__isnull=False)
        .exclude(first_name=ANONYMISED_FIRST_NAME, last_name="", pesel="", accounting_id="")
        .annotate(
            latest_signed=latest_contract_signed(
                Q(clients=OuterRef("pk")) | Q(lead__clients=OuterRef("pk"))
            )
        )
    )
    return [client for client in anonymised.order_by("pk") if client_keeps_held_data(client)]


def retention_entries(*, now: datetime | None = None) -> list[RetentionEntry]:
    """The dry run: everyone the policy looked at, those it anonymises first."""
    cutoff = retention_cutoff(now=now)
    entries: list[RetentionEntry] = []
    for client in held_clients():
        until = hold_end(client.latest_signed)
        if until is None:
            entries.append(RetentionEntry("client", client.pk, REASON_HOLD_ENDED, True))
        else:
            entries.append(RetentionEntry("client", client.pk, SKIP_HOLD, False, until=until))
    if cutoff is None:
        return entries
    since = timezone.localtime(cutoff).date()
    for kind, people in (
        ("client", inactive_clients(cutoff)),
        ("inquiry", inactive_inquiries(cutoff)),
    ):
        for person in people.only("pk"):
            if person.has_active_lead:
                entries.append(RetentionEntry(kind, person.pk, SKIP_ACTIVE_LEAD, False))
            elif person.latest_signed is not None:
                until = hold_end(person.latest_signed)
                reason = SKIP_HOLD if until else SKIP_CONTRACT
                entries.append(RetentionEntry(kind, person.pk, reason, False, until=until))
            else:
                entries.append(RetentionEntry(kind, person.pk, REASON_INACTIVE, True, since=since))
    return sorted(entries, key=lambda entry: (not entry.due, entry.kind, entry.pk))
