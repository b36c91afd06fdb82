"""Reads of clients and contractors, scoped to what a user may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.core.models import User

from .models import Client, Contractor, LeadSource


def clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients a user may see: administrators all; managers their branch; advisors the
    clients they care for or that are on their leads."""
    clients = Client.objects.all()
    if not user.is_authenticated or not user.is_active:
        return clients.none()
    if user.is_administrator:
        return clients
    if user.is_manager:
        return clients.filter(branch_id=user.branch_id) if user.branch_id else clients.none()
    # Client.leads is the reverse side of Lead.clients; a subquery keeps rows unique.
    on_my_leads = Client.objects.filter(leads__employees=user).values("pk")
    return clients.filter(Q(caretaker=user) | Q(pk__in=on_my_leads))


def client_get_for_user(*, user: User, pk: int) -> Client:
    """One client the user may see, with what its page shows; 404 otherwise."""
    queryset = (
        clients_visible_to(user)
        .select_related("caretaker", "branch", "source", "created_by", "preferred_investment")
        .annotate(is_returning=is_returning_customer())
    )
    return get_object_or_404(queryset, pk=pk)


def client_is_visible_to(*, user: User, client: Client) -> bool:
    """Whether the user may open this client (e.g. after adding one for a teammate)."""
    return clients_visible_to(user).filter(pk=client.pk).exists()


def is_returning_customer() -> Exists:
    """A returning customer (powracający klient): a client with a won lead. Read through
    the lead-client link table (Client.leads is Lead.clients' reverse side), so that this
    lower layer does not import the leads app."""
    links = Client.leads.through.objects.filter(client_id=OuterRef("pk"), lead__status__is_won=True)
    return Exists(links)


def clients_with_list_columns(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The client list's rows with what its columns show, without a query per row."""
    return clients.select_related("caretaker", "branch", "source").annotate(
        is_returning=is_returning_customer()
    )


def contractors_visible_to(user: User) -> QuerySet[Contractor]:
    """Contractors of the user's branch (every branch for administrators)."""
    contractors = Contractor.objects.all()
    if not user.is_authenticated or not user.is_active:
        return contractors.none()
    if user.is_administrator:
        return contractors
    return contractors.filter(branch_id=user.branch_id) if user.branch_id else contractors.none()


def contractor_get_for_user(*, user: User, pk: int) -> Contractor:
    """One contractor the user may see; 404 otherwise."""
    return get_object_or_404(contractors_visible_to(user).select_related("branch"), pk=pk)


def active_sources() -> QuerySet[LeadSource]:
    """Sources a user can pick in a form."""
    return LeadSource.objects.filter(active=True)


def clients_with_contacts(
    *, phones: set[str], emails: set[str], pesels: set[str] = frozenset()
) -> QuerySet[Client]:
    """Every client (of any branch: deduplication sees them all) with one of these phones
    (E.164), emails (normalised) or PESELs, in one indexed query: the many-people form of
    `clients.candidates.client_candidates`' same-person keys, for an import's chunk."""
    same = Q(phone_e164__in=phones) | Q(email_normalized__in=emails)
    if pesels:
        same |= Q(pesel__in=pesels)
    return Client.objects.filter(same)
