"""Helpers shared by the lead services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Lead, LeadEventKind, LeadStatus

from .board import board_entries_create, board_entries_update
from .events import lead_event_record
from .figures import FIGURE_FIELDS, lead_figures_returning, lead_figures_status

HistoricalLead = Lead.history.model
# The history's copy of each many-to-many relation ("clients" → its snapshot model).
M2M_SNAPSHOTS = {
    field.name: getattr(HistoricalLead, field.name).model
    for field in HistoricalLead._history_m2m_fields
}


def first_active_status() -> LeadStatus | None:
    """The first active status of the pipeline, where new leads start, if any."""
    return LeadStatus.objects.filter(active=True).order_by("order", "id").first()


def first_status() -> LeadStatus:
    """The first active status of the pipeline, where new leads start."""
    status = first_active_status()
    if status is None:
        raise ValidationError(_("No active lead status is configured."))
    return status


# What `save_lead` writes: every column but the report figures other than the furthest
# status, which it keeps itself.
SAVED_FIELDS = [
    field.name
    for field in Lead._meta.concrete_fields
    if not field.primary_key and field.name not in FIGURE_FIELDS - {"furthest_status_order"}
]


def save_lead(lead: Lead, *, user: User | None) -> Lead:
    """Validate and save a changed lead, recording who changed it (also in its history)."""
    lead.updated_by = user
    lead.updated_at = timezone.now()
    lead._history_user = user  # django-simple-history records who made the change
    lead.full_clean()
    lead_figures_status(lead)
    # The other report figures are kept by their own statements (leads/services/figures.py):
    # this object's copies of them may be stale, so they are never written back from it.
    lead.save(update_fields=SAVED_FIELDS)
    board_entries_update(lead=lead)
    return lead


def lead_insert(
    lead: Lead,
    *,
    user: User | None,
    employees: Iterable[User],
    clients: Iterable = (),
    contractors: Iterable = (),
    investments: Iterable = (),
) -> Lead:
    """Store a new, already validated lead with its relations, its board entries and its
    "created" event, and record it in its history as ONE snapshot that already holds the
    relations (made by `user`, None for an inquiry from outside).

    Why not save() and .add(): django-simple-history writes a snapshot on the save and
    another on each relation added, each re-reading all four relations: five snapshots
    and some 40 queries for one new lead, most of an intake's time. Here: one insert per
    table touched."""
    relations = {
        "clients": [obj.pk for obj in clients],
        "contractors": [obj.pk for obj in contractors],
        "investments": [obj.pk for obj in investments],
        "employees": list(dict.fromkeys(user.pk for user in employees)),
    }
    lead_figures_status(lead)
    lead.skip_history_when_saving = True
    try:
        lead.save()
    finally:
        del lead.skip_history_when_saving
    links = {
        name: leads_link(name, [(lead, pk) for pk in ids]) for name, ids in relations.items() if ids
    }
    if relations["clients"]:
        lead_figures_returning(lead_ids=[lead.pk])
    leads_history_record_created([lead], user=user, links=links)
    board_entries_create(lead=lead, employee_ids=relations["employees"])
    lead_event_record(lead=lead, kind=LeadEventKind.CREATED, at=lead.created_at)
    return lead


def leads_link(name: str, pairs: list[tuple[Lead, int]]) -> list[tuple[Lead, Any]]:
    """Insert the rows of the many-to-many `name` of new leads, (lead, target id) each,
    in one statement; returns them (with their ids) next to their lead."""
    field = Lead._meta.get_field(name)
    through = field.remote_field.through
    target = f"{field.m2m_reverse_field_name()}_id"
    rows = through.objects.bulk_create(through(lead=lead, **{target: pk}) for lead, pk in pairs)
    return [(lead, row) for (lead, _pk), row in zip(pairs, rows, strict=True)]


def leads_history_record_created(
    leads: list[Lead], *, user: User | None, links: dict[str, list[tuple[Lead, Any]]]
) -> None:
    """Each new lead's "+" snapshot, with its many-to-many rows (`leads_link`'s), as
    django-simple-history would write it after the last relation was added (see
    `lead_insert`): one insert per table."""
    records = HistoricalLead.objects.bulk_create(
        HistoricalLead(
            history_date=lead.created_at,
            history_type="+",
            history_user=user,
            history_change_reason=None,
            **{f.attname: getattr(lead, f.attname) for f in HistoricalLead.tracked_fields},
        )
        for lead in leads
    )
    record_of = {lead.pk: record for lead, record in zip(leads, records, strict=True)}
    for name, pairs in links.items():
        snapshot = M2M_SNAPSHOTS[name]
        target = f"{Lead._meta.get_field(name).m2m_reverse_field_name()}_id"
        snapshot.objects.bulk_create(
            snapshot(
                history=record_of[lead.pk],
                id=row.pk,
                lead_id=lead.pk,
                **{target: getattr(row, target)},
            )  # fmt: skip
            for lead, row in pairs
        )
