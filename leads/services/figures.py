"""The report figures kept on each lead: its first conversation (of any kind, and the
first call, email and meeting), when its client was created, the furthest status it
reached, whether it has an offer or a reservation, and whether it is a returning
customer's.

Why copies: a report counts and measures up to a million leads on each request. Searching
the events, the history, the offers and the client links for every one of them took 5 to
more than 30 s; read from the lead's own row the same numbers take a fraction of a second.

Who keeps them: the services that change what they copy, through the functions here
(`lead_event_record` for the moments, `save_lead` for the furthest status, the offer and
reservation services, the client links and the won status for the returning customer).
`save_lead` never writes them back from a stale object. `lead_figures_rebuild` recomputes
them all from their sources: after loading leads in bulk (the demo, the benchmark) or after
an administrator reorders the pipeline (`manage.py lead_figures_rebuild`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import (
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from leads.models import (
    EVENT_COLUMNS,
    FIRST_CONTACT_KINDS,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
    Offer,
    Reservation,
)
from leads.selectors.leads import of_returning_customer

# The lead's columns these functions own: `save_lead` leaves them alone.
FIGURE_FIELDS = frozenset(
    {
        "first_contact_at",
        *EVENT_COLUMNS.values(),
        "furthest_status_order",
        "has_offer",
        "has_reservation",
        "of_returning_customer",
    }
)


def lead_figures_event(*, lead_id: int, kind: LeadEventKind, at: datetime) -> None:
    """Copy a newly recorded (or moved back) event's time to the lead's columns: each
    keeps the earliest, and the earliest first conversation of any kind is the lead's
    first contact."""

    def earliest(column: str) -> Least:
        return Least(Coalesce(F(column), Value(at)), Value(at))

    changes = {}
    if column := EVENT_COLUMNS.get(kind):
        changes[column] = earliest(column)
    if kind in FIRST_CONTACT_KINDS:
        changes["first_contact_at"] = earliest("first_contact_at")
    if changes:
        Lead.objects.filter(pk=lead_id).update(**changes)


def lead_figures_status(lead: Lead) -> None:
    """Before saving a lead: its furthest status so far includes the one it is in now."""
    order = lead.status.order
    if order > lead.furthest_status_order:
        lead.furthest_status_order = order


def lead_figures_sales(*, lead_id: int, offer: bool = False, reservation: bool = False) -> None:
    """The lead now has an offer or a reservation (offers and reservations are never
    deleted, only ended, so the mark stays)."""
    changes = {}
    if offer:
        changes["has_offer"] = True
    if reservation:
        changes["has_reservation"] = True
    Lead.objects.filter(pk=lead_id).update(**changes)


def lead_figures_returning(*, lead_ids: Iterable[int] = (), client_ids: Iterable[int] = ()):
    """Recompute "of a returning customer" for these leads and every lead of these
    clients: after a lead's client links change, or after a lead is won or stops being
    won (which changes it for the other leads of its clients)."""
    lead_ids, client_ids = list(lead_ids), list(client_ids)
    if not lead_ids and not client_ids:
        return
    affected = Q(pk__in=lead_ids) | Q(
        pk__in=Lead.clients.through.objects.filter(client_id__in=client_ids).values("lead_id")
    )
    Lead.objects.filter(affected).update(of_returning_customer=of_returning_customer())


def lead_figures_won_changed(lead: Lead) -> None:
    """A lead became won or stopped being won: its clients' other leads may now be (or no
    longer be) a returning customer's."""
    client_ids = Lead.clients.through.objects.filter(lead_id=lead.pk).values_list(
        "client_id", flat=True
    )
    lead_figures_returning(client_ids=list(client_ids))


def lead_figures_rebuild() -> int:
    """Recompute every lead's figures from their sources, in slices of ids so that no
    statement holds a million rows; returns how many leads."""
    history = Lead.history.model
    status_order = LeadStatus.objects.filter(pk=OuterRef("status_id")).values("order")
    ever_order = Subquery(
        history.objects.filter(id=OuterRef("pk"))
        .order_by()
        .values("id")
        .annotate(top=Max("status__order"))
        .values("top")
    )
    events = LeadEvent.objects.filter(lead=OuterRef("pk")).order_by().values("lead")

    def moment(kinds) -> Subquery:
        return Subquery(events.filter(kind__in=kinds).annotate(at_=Min("at")).values("at_"))

    figures = {
        "first_contact_at": moment(FIRST_CONTACT_KINDS),
        **{column: moment([kind]) for kind, column in EVENT_COLUMNS.items()},
        "furthest_status_order": Greatest(
            Coalesce(ever_order, Subquery(status_order)), Subquery(status_order)
        ),
        "has_offer": Exists(Offer.objects.filter(lead=OuterRef("pk"))),
        "has_reservation": Exists(Reservation.objects.filter(lead=OuterRef("pk"))),
        "of_returning_customer": of_returning_customer(),
    }
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    done, step = 0, 20_000
    for low in range(bounds["low"], bounds["high"] + 1, step):
        done += Lead.objects.filter(pk__gte=low, pk__lt=low + step).update(**figures)
    return done


def lead_figures_rebuild_later() -> None:
    """After the pipeline's statuses were reordered: every lead's furthest status is an
    order, so all are recomputed, by a heavy worker once the change commits."""
    from leads.tasks import run_lead_figures_rebuild  # the tasks module imports the services

    transaction.on_commit(run_lead_figures_rebuild.delay)
