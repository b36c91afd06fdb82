"""History for a sample of the bench leads, as django-simple-history writes it: a record
when the lead was created, one per status change, the failure last, each with the
snapshot of the lead's clients, employees and investments, and the record of the contract
that won a won one, so that the history tab has something to show and the historical
tables something to weigh."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime

from django.db import connection

from .database import HISTORY_EXTRA_COLUMNS, LEAD_COLUMNS, LINK_TABLES, copy_into, reserve_ids


def copy_history(
    *, lead_ids: list[int], stages: list[int], won_status_id: int, rng: random.Random
) -> int:
    """Write the history of these (already loaded) leads; `stages` are the open statuses in
    pipeline order. Returns the rows written."""
    if not lead_ids:
        return 0
    leads, links = _read_leads(lead_ids)
    records = [
        record
        for lead in leads
        for record in _records_of(lead, stages=stages, won_status_id=won_status_id, rng=rng)
    ]
    first_history_id = reserve_ids("leads_historicallead", "history_id", len(records))
    with copy_into("leads_historicallead", LEAD_COLUMNS + HISTORY_EXTRA_COLUMNS) as copy:
        for n, record in enumerate(records):
            copy.write_row((*record[:-4], first_history_id + n, *record[-4:]))
    rows = len(records)
    for table, column, history_table in LINK_TABLES:
        by_lead = links[table]
        count = sum(len(by_lead.get(record[0], ())) for record in records)
        m2m_id = reserve_ids(history_table, "m2m_history_id", count)
        columns = ("id", "m2m_history_id", "history_id", "lead_id", column)
        with copy_into(history_table, columns) as copy:
            for n, record in enumerate(records):
                lead_id = record[0]
                for link_id, other in by_lead.get(lead_id, ()):
                    copy.write_row((link_id, m2m_id, first_history_id + n, lead_id, other))
                    m2m_id += 1
        rows += count
    return rows


def _read_leads(lead_ids: list[int]) -> tuple[list[tuple], dict[str, dict[int, list]]]:
    """The leads' rows (LEAD_COLUMNS) and, per link table, {lead id: [(link id, other id)]}."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(LEAD_COLUMNS)} FROM leads_lead WHERE id = ANY(%s) ORDER BY id",
            [lead_ids],
        )
        leads = cursor.fetchall()
        links: dict[str, dict[int, list]] = {}
        for table, column, _ in LINK_TABLES:
            cursor.execute(
                f"SELECT id, lead_id, {column} FROM {table} WHERE lead_id = ANY(%s)", [lead_ids]
            )
            by_lead: dict[int, list] = defaultdict(list)
            for link_id, lead_id, other in cursor.fetchall():
                by_lead[lead_id].append((link_id, other))
            links[table] = by_lead
    return leads, links


def _records_of(
    lead: tuple, *, stages: list[int], won_status_id: int, rng: random.Random
) -> list[tuple]:
    """The lead's records, oldest first, the last one equal to the lead as it is now; each
    is (lead columns..., history date, change reason, type, user)."""
    fields = dict(zip(LEAD_COLUMNS, lead, strict=True))
    status_id = fields["status_id"]
    reached = len(stages) - 1 if status_id == won_status_id else stages.index(status_id)
    skipped_to = sorted(rng.sample(range(1, reached), min(max(reached - 1, 0), rng.randint(1, 3))))
    path = [stages[0], *(stages[i] for i in skipped_to)]
    if path[-1] != status_id:
        path.append(status_id)
    count = len(path) + (1 if fields["failed_at"] is not None else 0)
    created: datetime = fields["created_at"]
    span = fields["updated_at"] - created
    offsets = sorted(rng.random() for _ in range(count - 1))
    dates = [created, *(created + span * offset for offset in offsets)]
    dates[-1] = fields["updated_at"]
    records = []
    for n, date in enumerate(dates):
        row = dict(fields)
        row["status_id"] = path[min(n, len(path) - 1)]
        if n < count - 1:  # failed or won only in the last record
            row.update(failed_at=None, failure_reason_id=None, closed_at=None)
            row["failure_comment"] = ""
        user = fields["created_by_id"] if n == 0 else fields["updated_by_id"]
        row.update(updated_at=date, updated_by_id=user)
        records.append((*row.values(), date, None, "+" if n == 0 else "~", user))
    return records


# The contract as it was signed, with its units and clients: one record ("+") each.
CONTRACT_HISTORY_SQL = """
WITH added AS (
    INSERT INTO leads_historicalcontract
        (id, lead_id, kind, number, signed_at, price, cancelled_at, cancellation_reason,
         created_at, cancelled_by_id, created_by_id, history_date, history_change_reason,
         history_type, history_user_id)
    SELECT id, lead_id, kind, number, signed_at, price, cancelled_at, cancellation_reason,
           created_at, cancelled_by_id, created_by_id, created_at, NULL, '+', created_by_id
    FROM leads_contract WHERE lead_id = ANY(%(leads)s)
    RETURNING history_id, id
), units AS (
    INSERT INTO leads_historicalcontract_units (id, history_id, contract_id, unit_id)
    SELECT link.id, added.history_id, link.contract_id, link.unit_id
    FROM added JOIN leads_contract_units link ON link.contract_id = added.id
    RETURNING 1
), clients AS (
    INSERT INTO leads_historicalcontract_clients (id, history_id, contract_id, client_id)
    SELECT link.id, added.history_id, link.contract_id, link.client_id
    FROM added JOIN leads_contract_clients link ON link.contract_id = added.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM added) + (SELECT count(*) FROM units)
       + (SELECT count(*) FROM clients)
"""


def copy_contract_history(*, lead_ids: list[int]) -> int:
    """Write the history of these (already loaded) leads' contracts; returns the rows."""
    with connection.cursor() as cursor:
        cursor.execute(CONTRACT_HISTORY_SQL, {"leads": lead_ids})
        return cursor.fetchone()[0]
