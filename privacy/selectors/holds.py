"""The legal hold of contract data (CRMSettings.legal_hold_years): until when a person's
contracts keep what accounting and warranty need. Read by the anonymisation, its
confirmation page and the retention policy alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import models
from django.db.models import Q, Subquery
from django.utils import timezone

from clients.models import Client
from leads.models import Contract
from settings_app.selectors import crm_settings

# What an anonymised client's names read (privacy.services.anonymisation writes them).
ANONYMISED_FIRST_NAME = "Anonimizowany"
ANONYMISED_COMPANY = "Anonimizowany klient"


def hold_end(latest_signed: date | None) -> date | None:
    """The day the hold of contracts signed last on `latest_signed` ends, if still ahead."""
    if latest_signed is None:
        return None
    years = crm_settings().legal_hold_years
    try:
        until = latest_signed.replace(year=latest_signed.year + years)
    except ValueError:  # 29 February
        until = latest_signed.replace(year=latest_signed.year + years, day=28)
    return until if until > timezone.localdate() else None


def legal_hold_until(*, client: Client | None, lead_ids: Iterable[int]) -> date | None:
    """The day the legal hold of this person's contract data ends, if it is still ahead:
    the latest signature of a contract of theirs plus CRMSettings.legal_hold_years."""
    query = Q(lead_id__in=list(lead_ids))
    if client is not None:
        query |= Q(clients=client)
    latest = Contract.objects.filter(query).aggregate(latest=models.Max("signed_at"))["latest"]
    return hold_end(latest)


def latest_contract_signed(contracts_of_person: Q) -> Subquery:
    """The latest signature among the contracts `contracts_of_person` (a filter with
    OuterRef("pk")) picks, as an annotation: the hold of many people in one query."""
    contracts = Contract.objects.filter(contracts_of_person).order_by("-signed_at")
    return Subquery(contracts.values("signed_at")[:1])


def client_keeps_held_data(client: Client) -> bool:
    """Whether an anonymised client still has what a legal hold keeps (names, PESEL)."""
    return bool(
        client.last_name
        or client.pesel
        or client.accounting_id
        or client.first_name not in ("", ANONYMISED_FIRST_NAME)
        or client.company_name not in ("", ANONYMISED_COMPANY)
    )
