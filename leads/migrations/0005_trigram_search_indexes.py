"""Trigram indexes for "contains" searches on PostgreSQL (lead names, contractor names).

A search for "kawal" in a million lead names would otherwise read every row. pg_trgm ships
with PostgreSQL; other databases (SQLite for trying Lejek out) skip this migration's SQL.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS lead_name_trgm_idx ON leads_lead USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contractor_name_folded_trgm_idx "
    "ON clients_contractor USING gin (name_folded gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS lead_name_trgm_idx",
    "DROP INDEX IF EXISTS contractor_name_folded_trgm_idx",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_activity"), ("clients", "0005_search_indexes")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
