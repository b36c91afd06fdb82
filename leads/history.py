"""The lead's history as people read it: who changed what, when, from what to what, and
what was done on the lead (conversations, offers, reservations, contracts, notes,
documents and filled surveys), interleaved newest first.

django-simple-history stores a full snapshot of the lead (and of its many-to-many sets) at
every save and every M2M change, and of each conversation, offer, reservation, contract,
note and document on it. Not every snapshot shows a change: a save that touched only what
the tab does not show (the "updated" stamp, the report figures) or changed nothing is left
out, so the timeline is read first as plain values (one query per kind and one per M2M
field, with its names) and compared in Python; then, for the kinds on the page, one query
per kind reads its snapshots with related names joined. So a page costs the same queries
whatever the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.core.formatting import format_amount, format_file_size, format_phone
from investments.models import Unit

from .models import Activity, Contract, Document, Lead, Note, Offer, Reservation, SurveyResponse

HISTORY_PAGE_SIZE = 20

# The M2M fields recorded by HistoricalRecords(m2m_fields=...), in the order rows show them.
M2M_FIELDS = ("clients", "contractors", "investments", "employees")


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
    """One row of the History tab. `subject_kind` and `subject` name what the row is about
    when it is not the lead itself (e.g. "Conversation", "Phone call · 03.12.2026, 10:00")."""

    when: datetime
    who: str
    kind: str  # "created", "changed", "reactivated", "archived", "unarchived" or "deleted"
    changes: list[FieldChange] = field(default_factory=list)
    relations: list[RelationChange] = field(default_factory=list)
    subject_kind: str = ""
    subject: str = ""


@dataclass(frozen=True)
class Tracked:
    """A model whose snapshots the History tab shows: how to find a lead's rows, which
    fields not to show and how to name one of its snapshots."""

    model: type[models.Model]
    lead_field: str  # the snapshot column holding the lead's id
    m2m: tuple[str, ...] = ()
    hidden: frozenset[str] = frozenset()
    subject: Callable[[Any], str] = str


def _when(value: datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _activity_subject(record: Any) -> str:
    return " · ".join(
        filter(None, [record.get_kind_display(), _when(record.done_at or record.planned_at)])
    )


TRACKED = {
    "lead": Tracked(Lead, "id", m2m=M2M_FIELDS),
    "activity": Tracked(Activity, "lead_id", subject=_activity_subject),
    "offer": Tracked(
        Offer, "lead_id", subject=lambda r: _("Offer no. %(number)s") % {"number": r.id}
    ),
    "reservation": Tracked(Reservation, "lead_id", subject=lambda r: str(r.unit or "")),
    "contract": Tracked(
        Contract,
        "lead_id",
        m2m=("clients", "units"),
        subject=lambda r: r.number or _("Contract no. %(number)s") % {"number": r.id},
    ),
    "note": Tracked(Note, "lead_id", subject=lambda r: r.text[:80]),
    "document": Tracked(
        Document, "lead_id", hidden=frozenset({"file"}), subject=lambda r: r.original_name
    ),
}
# Shown with every snapshot row (who and when), or not for people to read.
HIDDEN_FIELDS = frozenset(
    {"id", "lead", "created_at", "created_by", "updated_at", "updated_by", "raw_payload"}
)


def _tracked_fields(tracked: Tracked) -> list[models.Field]:
    """The model's fields its history keeps (not those it excludes), less the hidden."""
    hidden = HIDDEN_FIELDS | tracked.hidden
    kept = {field.name for field in tracked.model.history.model.tracked_fields}
    return [
        f for f in tracked.model._meta.concrete_fields if f.name in kept and f.name not in hidden
    ]


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
        return _when(value)
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(model_field, models.DecimalField):
        # Every decimal the tab shows is an amount: prices and reservation fees.
        return format_amount(value)
    if model_field.name.endswith("phone"):
        return format_phone(value)
    if model_field.name == "size":
        return format_file_size(value)
    return str(value)


def _field_changes(tracked: Tracked, record: Any, previous: Any | None) -> list[FieldChange]:
    changes = []
    for model_field in _tracked_fields(tracked):
        new_value = getattr(record, model_field.attname)
        if previous is None:
            # The first snapshot: show what it started with, not every empty field.
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


def _m2m_snapshots(tracked: Tracked, lead: Lead) -> dict[str, dict[int, dict[int, str]]]:
    """For each M2M field, every snapshot of the lead's objects of this kind: snapshot
    history id -> {target id: target name}."""
    snapshots: dict[str, dict[int, dict[int, str]]] = {}
    for name in tracked.m2m:
        target = tracked.model._meta.get_field(name).m2m_reverse_field_name()
        through = getattr(tracked.model.history.model, name).model
        rows = through.objects.filter(**{f"history__{tracked.lead_field}": lead.pk})
        rows = rows.select_related(_joined(through._meta.get_field(target)))
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
    tracked: Tracked,
    record: Any,
    previous: Any | None,
    snapshots: dict[str, dict[int, dict[int, str]]],
) -> list[RelationChange]:
    changes = []
    for name, by_record in snapshots.items():
        new = by_record.get(record.history_id, {})
        old = by_record.get(previous.history_id, {}) if previous is not None else {}
        added = sorted(new[pk] for pk in new.keys() - old.keys())
        removed = sorted(old[pk] for pk in old.keys() - new.keys())
        if added or removed:
            label = capfirst(str(tracked.model._meta.get_field(name).verbose_name))
            changes.append(RelationChange(label=label, added=added, removed=removed))
    return changes


KINDS = {"+": "created", "~": "changed", "-": "deleted"}


# The filled surveys: rows of their own table (a survey is filled once, never changed).
SURVEY = "survey"

TimelineRow = tuple[str, int, datetime, int | None]


def _timeline(
    lead: Lead, m2m: dict[str, dict[str, dict[int, dict[int, str]]]]
) -> list[TimelineRow]:
    """Every snapshot of the lead and of what was done on it that shows something, as
    (kind, history id, date, the history id of the same object's snapshot before it),
    newest first; and every filled survey, as (SURVEY, its id, when, None)."""
    rows: list[TimelineRow] = []
    for kind, tracked in TRACKED.items():
        shown = [f.attname for f in _tracked_fields(tracked)]
        snapshots = (
            tracked.model.history.model.objects.filter(**{tracked.lead_field: lead.pk})
            .order_by("id", "history_date", "history_id")
            .values_list("id", "history_id", "history_date", "history_type", *shown)
        )
        sets = m2m.get(kind, {})
        before = None
        for snapshot in snapshots:
            object_id, history_id, date, history_type, *values = snapshot
            previous = before if before is not None and before[0] == object_id else None
            before = snapshot
            previous_id = previous[1] if previous is not None else None
            unchanged = (
                history_type == "~"
                and previous is not None
                and list(previous[4:]) == values
                and all(
                    by_record.get(history_id, {}).keys() == by_record.get(previous_id, {}).keys()
                    for by_record in sets.values()
                )
            )
            if not unchanged:
                rows.append((kind, history_id, date, previous_id))
    rows += [
        (SURVEY, pk, filled_at, None)
        for pk, filled_at in SurveyResponse.objects.filter(lead=lead).values_list("pk", "filled_at")
    ]
    rows.sort(key=lambda row: (row[2], row[1]), reverse=True)
    return rows


def _joined(model_field: models.Field) -> str:
    """What to join to name a related object: a unit reads with its investment."""
    if model_field.related_model is Unit:
        return f"{model_field.name}__investment"
    return model_field.name


def _records(tracked: Tracked, history_ids: set[int]) -> dict[int, Any]:
    """The snapshots with these history ids, related names joined."""
    related = [_joined(f) for f in _tracked_fields(tracked) if f.is_relation]
    records = tracked.model.history.model.objects.filter(history_id__in=history_ids)
    if tracked.model is Lead:
        records = records.defer("raw_payload")
    return {
        record.history_id: record for record in records.select_related("history_user", *related)
    }


def lead_history_page(*, lead: Lead, page_number: Any = None) -> Page:
    """One page of a lead's history, newest first: a Page of HistoryEntry rows.

    The caller has already checked that the user may see the lead. Each entry compares a
    snapshot with the same object's snapshot before it; a snapshot that shows no change is
    not an entry.
    """
    m2m = {kind: _m2m_snapshots(tracked, lead) for kind, tracked in TRACKED.items() if tracked.m2m}
    paginator = Paginator(_timeline(lead, m2m), HISTORY_PAGE_SIZE)
    page = paginator.get_page(page_number)
    rows = list(page.object_list)
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, history_id, _date, previous_id in rows:
        wanted[kind].update(filter(None, [history_id, previous_id]))
    surveys = _surveys(wanted.pop(SURVEY, set()))
    records = {kind: _records(TRACKED[kind], ids) for kind, ids in wanted.items()}
    entries = []
    for kind, history_id, _date, previous_id in rows:
        if kind == SURVEY:
            entries.append(surveys[history_id])
            continue
        tracked = TRACKED[kind]
        record = records[kind][history_id]
        previous = records[kind].get(previous_id)
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "",
                kind=_entry_kind(kind, record, previous),
                changes=_field_changes(tracked, record, previous),
                relations=_relation_changes(tracked, record, previous, m2m.get(kind, {})),
                subject_kind=""
                if kind == "lead"
                else capfirst(str(tracked.model._meta.verbose_name)),
                subject="" if kind == "lead" else tracked.subject(record),
            )
        )
    return Page(entries, page.number, paginator)


def _entry_kind(kind: str, record: Any, previous: Any | None) -> str:
    """What happened, as the row says it: a failed lead opened again is "reactivated", a
    lead put into or taken out of the archive "archived" or "unarchived"."""
    if kind == "lead" and record.history_type == "~" and previous is not None:
        if previous.failed_at is not None and record.failed_at is None:
            return "reactivated"
        if previous.archived_at is None and record.archived_at is not None:
            return "archived"
        if previous.archived_at is not None and record.archived_at is None:
            return "unarchived"
    return KINDS.get(record.history_type, "changed")


def _surveys(pks: set[int]) -> dict[int, HistoryEntry]:
    """The entries of the filled surveys on the page: who filled which survey, when."""
    if not pks:
        return {}
    responses = SurveyResponse.objects.filter(pk__in=pks).select_related("template", "filled_by")
    label = capfirst(str(SurveyResponse._meta.verbose_name))
    return {
        response.pk: HistoryEntry(
            when=response.filled_at,
            who=str(response.filled_by) if response.filled_by else "",
            kind="created",
            subject_kind=label,
            subject=str(response.template.name),
        )
        for response in responses
    }
