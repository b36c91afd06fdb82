"""The lead list's one search box: lead name, client names, email, phone in any format,
PESEL, accounting id, contractor name and NIP.

A term that reads as a number is looked up exactly in the indexed normalised columns (phone
in E.164, PESEL, NIP, accounting id); any other term searches names and emails. Each branch
is a subquery on indexed columns, so a search stays fast on a million leads.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from clients.models import Client, Contractor
from crm.core.normalization import fold_name, normalize_email, phone_search_key
from leads.models import Lead

_NUMBER_LIKE = re.compile(r"^[\d\s()+\-./]+$")


def _leads_of_clients(clients: QuerySet[Client]) -> Q:
    return Q(pk__in=Lead.clients.through.objects.filter(client__in=clients).values("lead_id"))


def _leads_of_contractors(contractors: QuerySet[Contractor]) -> Q:
    return Q(
        pk__in=Lead.contractors.through.objects.filter(contractor__in=contractors).values("lead_id")
    )


def number_term_condition(term: str) -> Q:
    """Leads whose client has this phone, PESEL or accounting id, or whose contractor has
    this NIP."""
    digits = re.sub(r"\D", "", term)
    client_match = Q(accounting_id=term.strip())
    phone = phone_search_key(term)
    if phone:
        client_match |= Q(phone_e164=phone)
    if len(digits) == 11:
        client_match |= Q(pesel=digits)
    condition = _leads_of_clients(Client.objects.filter(client_match).values("pk"))
    if len(digits) == 10:
        condition |= _leads_of_contractors(Contractor.objects.filter(nip=digits).values("pk"))
    return condition


def text_term_condition(term: str) -> Q:
    """Leads whose name contains the term, or whose client or contractor matches it by
    name (diacritics folded: "Elzbieta" finds "Elżbieta") or email."""
    folded = fold_name(term)
    client_match = (
        Q(last_name_folded__startswith=folded)
        | Q(first_name_folded__startswith=folded)
        | Q(company_name_folded__startswith=folded)
        | Q(accounting_id=term)
    )
    if "@" in term:
        client_match = Q(email_normalized=normalize_email(term))
    words = folded.split()
    if len(words) == 2:
        # "Elzbieta Turza" or "Turza Elzbieta".
        first, second = words
        client_match |= Q(first_name_folded=first, last_name_folded__startswith=second)
        client_match |= Q(last_name_folded=first, first_name_folded__startswith=second)
    contractor_match = Q(name_folded__contains=folded)
    if "@" in term:
        contractor_match = Q(email_normalized=normalize_email(term))
    return (
        Q(name__icontains=term)
        | _leads_of_clients(Client.objects.filter(client_match).values("pk"))
        | _leads_of_contractors(Contractor.objects.filter(contractor_match).values("pk"))
    )


def search_leads(leads: QuerySet[Lead], term: str) -> QuerySet[Lead]:
    """Narrow leads to those matching the search box text."""
    term = " ".join(term.split())
    if not term:
        return leads
    if _NUMBER_LIKE.match(term) and sum(ch.isdigit() for ch in term) >= 5:
        return leads.filter(number_term_condition(term))
    return leads.filter(text_term_condition(term))
