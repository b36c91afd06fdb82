"""The PostgreSQL side of the bench data: the tables and columns it loads, COPY, id
reservation, the safety checks, the set-wise foreign-key check, VACUUM (ANALYZE)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Model
from psycopg import Copy
from psycopg.copy import QueuedLibpqWriter

LEAD_COLUMNS = (
    "id", "name", "status_id", "branch_id", "source_id", "contact_first_name",
    "contact_last_name", "contact_email", "contact_phone", "message", "utm_source",
    "utm_medium", "utm_campaign", "utm_content", "utm_term",
    "external_id", "raw_payload", "intake_outcome", "deletion_reason_id", "failed_at",
    "failure_reason_id", "failure_comment", "closed_at", "is_repeat", "created_at",
    "created_by_id", "updated_at", "updated_by_id",
)  # fmt: skip
CLIENT_COLUMNS = (
    "id", "kind", "company_name", "first_name", "last_name", "email", "phone", "pesel",
    "accounting_id", "description", "failed", "failed_at", "email_normalized",
    "phone_e164", "first_name_folded", "last_name_folded", "company_name_folded", "created_at",
    "updated_at", "branch_id", "caretaker_id", "created_by_id", "source_id",
)  # fmt: skip
CONSENT_EVENT_COLUMNS = (
    "id", "client_id", "lead_id", "kind", "action", "clause_id", "at", "source", "evidence",
    "document", "note", "recorded_by_id", "recorded_at",
)  # fmt: skip
CONSENT_STATE_COLUMNS = ("client_id", "lead_id", "kind", "granted", "event_id")
ACTIVITY_COLUMNS = (
    "lead_id", "client_id", "employee_id", "kind", "direction", "planned_at", "done_at",
    "duration_minutes", "notes", "created_at", "created_by_id",
)  # fmt: skip
# django-simple-history's columns after the lead's own (leads/migrations/0001_initial.py).
HISTORY_EXTRA_COLUMNS = (
    "history_id", "history_date", "history_change_reason", "history_type", "history_user_id",
)  # fmt: skip
# (link table, its column for the other side, its historical table)
LINK_TABLES = (
    ("leads_lead_clients", "client_id", "leads_historicallead_clients"),
    ("leads_lead_employees", "user_id", "leads_historicallead_employees"),
    ("leads_lead_investments", "investment_id", "leads_historicallead_investments"),
)
# TRUNCATE … CASCADE also empties whatever references leads or clients (links, activities,
# contracts and the holds on units).
RESET_TABLES = (
    "leads_lead", "clients_client", "leads_historicallead", "leads_historicallead_clients",
    "leads_historicallead_contractors", "leads_historicallead_employees",
    "leads_historicallead_investments", "clients_historicalclient", "leads_historicalcontract",
    "leads_historicalcontract_clients", "leads_historicalcontract_units",
)  # fmt: skip
ANALYZE_TABLES = (
    "clients_client", "leads_lead", "leads_lead_clients", "leads_lead_employees",
    "leads_lead_investments", "leads_boardentry", "leads_activity", "leads_historicallead",
    "leads_historicallead_clients", "leads_historicallead_employees",
    "leads_historicallead_investments", "investments_unit", "leads_contract",
    "leads_contract_units", "leads_contract_clients", "leads_unithold",
    "leads_historicalcontract", "core_user", "django_session", "consents_consentevent",
    "consents_consentstate",
)  # fmt: skip


def database_name() -> str:
    return str(connection.settings_dict["NAME"])


def ensure_bench_database(*, reset: bool) -> None:
    """Refuse anything but PostgreSQL, and a reset of a database not named for benching."""
    if connection.vendor != "postgresql":
        raise CommandError(
            "generate_bench_data needs PostgreSQL (it loads with COPY; the benchmark targets "
            f"are PostgreSQL's). This database is {connection.vendor}: set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/lejek_bench."
        )
    if reset and "bench" not in database_name():
        raise CommandError(
            f"--reset empties the lead and client tables; refusing it on {database_name()!r}. "
            "Use a database whose name contains 'bench'."
        )


def reset_bench_data() -> None:
    """Empty the lead and client tables (and what references them: contracts, reservations,
    the holds on units); users, branches, investments, their units and reference data stay,
    the units available again, as nobody holds them any more."""
    with connection.cursor() as cursor:
        # Inside a transaction (tests) that already wrote rows, their deferred foreign-key
        # checks must run before PostgreSQL lets the tables be truncated.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE")
        # The holds went with the reservations and contracts they belong to (CASCADE).
        cursor.execute(
            "UPDATE investments_unit SET status = 'available' WHERE status <> 'available'"
        )


def is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return bool(cursor.fetchone()[0])


def skip_foreign_key_triggers() -> None:
    """For the rest of the transaction, skip the per-row foreign-key triggers (superuser
    only): they cost as much as the COPY itself; verify_foreign_keys checks set-wise."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


@contextmanager
def copy_into(table: str, columns: Sequence[str]) -> Iterator[Copy]:
    """COPY rows into a table; a writer thread sends the data while Python makes more."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            yield copy


def reserve_ids(table: str, column: str, count: int) -> int:
    """Reserve `count` values of a table's id sequence; returns the first one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
        first = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
            [table, column, first + max(count, 1) - 1],
        )
    return first


def advance_sequence_past(table: str, column: str, last_id: int) -> None:
    """Make sure the id sequence never hands out last_id, or any lower id, again."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(%s, "
            f"(SELECT max({quote(column)}) FROM {quote(table)})))",
            [table, column, last_id],
        )


def verify_foreign_keys(models: Sequence[type[Model]]) -> int:
    """Every foreign key of these models' tables points at a row: one anti-join per key
    instead of a trigger call per row. Returns how many keys were checked."""
    quote = connection.ops.quote_name
    checked = 0
    with connection.cursor() as cursor:
        for model in models:
            table = quote(model._meta.db_table)
            for field in model._meta.concrete_fields:
                if not field.is_relation or not field.db_constraint:
                    continue
                column = quote(field.column)
                target = quote(field.related_model._meta.db_table)
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT "
                    f"EXISTS (SELECT 1 FROM {target} r "
                    f"WHERE r.{quote(field.target_field.column)} = t.{column})"
                )
                broken = cursor.fetchone()[0]
                if broken:
                    raise CommandError(f"{broken} rows of {table}.{column} point nowhere.")
                checked += 1
    return checked


def vacuum_analyze() -> int:
    """VACUUM (ANALYZE) the loaded tables: VACUUM also sets the visibility map (index-only
    scans), as autovacuum soon would on a live system. Inside a transaction (tests) VACUUM
    cannot run, so there only ANALYZE. Returns how many tables."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in ANALYZE_TABLES:
            cursor.execute(f"{command} {table}")
    return len(ANALYZE_TABLES)
