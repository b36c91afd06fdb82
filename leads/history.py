"""The lead's history as people read it: who changed what, when, from what to what.

django-simple-history stores a full snapshot of the lead (and of its many-to-many sets) at
every save and every M2M change. A page of history is the difference between each snapshot
and the one before it, with ids turned into names: related objects are joined into the
snapshot query, and each M2M snapshot set is read with its targets in one query per field.
A page costs the same queries whatever the number of records: a count, the records, and one
query per many-to-many field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Lead

HISTORY_PAGE_SIZE = 20

# The M2M fields recorded by HistoricalRecords(m2m_fields=...), in the order rows show them.
M2M_FIELDS = ("clients", "contractors", "investments", "employees")

# Fields whose change is the row itself (who and when) or not for people to read.
HIDDEN_FIELDS = frozenset(
    {"id", "created_at", "created_by", "updated_at", "updated_by", "raw_payload"}
)

HistoryRecord = Lead.history.model


@dataclass(frozen=True)
class FieldChange:
    """One field changed: its label and the old and new values, as text."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RelationChange:
    """One many-to-many field changed: the names added and removed."""

    label: str
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class HistoryEntry:
    """One row of the History tab."""

    when: datetime
    who: str
    kind: str  # "created", "changed" or "deleted"
    changes: list[FieldChange] = field(default_factory=list)
    relations: list[RelationChange] = field(default_factory=list)


def _tracked_fields() -> list[models.Field]:
    return [f for f in Lead._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _missing(pk: Any) -> str:
    return _("#%(id)s (removed)") % {"id": pk}


def _display(record: Any, model_field: models.Field) -> str:
    """The value of one field of a snapshot as a person reads it."""
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        # Joined by the snapshot query; None when the object was deleted since.
        related = getattr(record, model_field.name)
        return str(related) if related is not None else _missing(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(model_field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return str(value)


def _field_changes(record: Any, previous: Any | None) -> list[FieldChange]:
    changes = []
    for model_field in _tracked_fields():
        new_value = getattr(record, model_field.attname)
        if previous is None:
            # The first snapshot: show what the lead started with, not every empty field.
            if new_value in (None, "") or new_value == model_field.get_default():
                continue
            old = ""
        else:
            if getattr(previous, model_field.attname) == new_value:
                continue
            old = _display(previous, model_field)
        label = capfirst(str(model_field.verbose_name))
        changes.append(FieldChange(label=label, old=old, new=_display(record, model_field)))
    return changes


def _m2m_snapshots(history_ids: list[int]) -> dict[str, dict[int, dict[int, str]]]:
    """For each M2M field: snapshot history id -> {target id: target name}."""
    snapshots: dict[str, dict[int, dict[int, str]]] = {}
    for name in M2M_FIELDS:
        target = Lead._meta.get_field(name).m2m_reverse_field_name()
        rows = (
            getattr(HistoryRecord, name)
            .model.objects.filter(history_id__in=history_ids)
            .select_related(target)
        )
        by_record: dict[int, dict[int, str]] = defaultdict(dict)
        for row in rows:
            target_id = getattr(row, f"{target}_id")
            obj = getattr(row, target)
            by_record[row.history_id][target_id] = (
                str(obj) if obj is not None else _missing(target_id)
            )
        snapshots[name] = by_record
    return snapshots


def _relation_changes(
    record: Any, previous: Any | None, snapshots: dict[str, dict[int, dict[int, str]]]
) -> list[RelationChange]:
    changes = []
    for name, by_record in snapshots.items():
        new = by_record.get(record.history_id, {})
        old = by_record.get(previous.history_id, {}) if previous is not None else {}
        added = sorted(new[pk] for pk in new.keys() - old.keys())
        removed = sorted(old[pk] for pk in old.keys() - new.keys())
        if added or removed:
            label = capfirst(str(Lead._meta.get_field(name).verbose_name))
            changes.append(RelationChange(label=label, added=added, removed=removed))
    return changes


KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def lead_history_page(*, lead: Lead, page_number: Any = None) -> Page:
    """One page of a lead's history, newest first: a Page of HistoryEntry rows.

    The caller has already checked that the user may see the lead. Each entry compares a
    snapshot with the one before it, so the page reads one record past its last row.
    """
    ordered = lead.history.order_by("-history_date", "-history_id")
    paginator = Paginator(ordered, HISTORY_PAGE_SIZE)
    page = paginator.get_page(page_number)
    offset = (page.number - 1) * HISTORY_PAGE_SIZE
    window = list(
        ordered.select_related(
            "history_user",
            *(f.name for f in _tracked_fields() if f.is_relation),
        ).defer("raw_payload")[offset : offset + HISTORY_PAGE_SIZE + 1]
    )
    if not window:
        return Page([], page.number, paginator)
    snapshots = _m2m_snapshots([record.history_id for record in window])
    entries = []
    for index, record in enumerate(window[:HISTORY_PAGE_SIZE]):
        previous = window[index + 1] if index + 1 < len(window) else None
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "",
                kind=KINDS.get(record.history_type, "changed"),
                changes=_field_changes(record, previous),
                relations=_relation_changes(record, previous, snapshots),
            )
        )
    return Page(entries, page.number, paginator)
