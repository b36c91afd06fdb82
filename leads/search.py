"""The lead list's one search box: lead name, client names, email, phone in any format,
PESEL, accounting id, contractor name, NIP, KRS and REGON.

The client and contractor matching is the clients app's own search (one definition for
every search box); here it becomes "leads of those clients or contractors". Each part is a
subquery on indexed columns, so a search stays fast on a million leads.
"""

from __future__ import annotations

from django.db.models import QuerySet

from clients.filters import client_search_condition, contractor_search_condition, is_number_like
from clients.models import Client, Contractor
from leads.models import Lead


def search_leads(leads: QuerySet[Lead], term: str) -> QuerySet[Lead]:
    """Narrow leads to those matching the search box text."""
    term = " ".join(term.split())
    if not term:
        return leads
    clients = Client.objects.filter(client_search_condition(term)).values("pk")
    contractors = Contractor.objects.filter(contractor_search_condition(term)).values("pk")
    matching = (
        Lead.clients.through.objects.filter(client__in=clients)
        .values("lead_id")
        .union(
            Lead.contractors.through.objects.filter(contractor__in=contractors).values("lead_id")
        )
    )
    if not is_number_like(term):
        matching = matching.union(Lead.objects.filter(name__icontains=term).order_by().values("pk"))
    # One IN over a UNION: each part uses its own index, where OR-ed subqueries would make
    # PostgreSQL read the whole branch.
    return leads.filter(pk__in=matching)
