"""PostgreSQL triggers that mark the tallies' slices a change touches (reports/models.py).

Why triggers: a lead changes through many services, bulk updates and imports; a statement
trigger sees every one of them, so a report never reads a tally its leads have outgrown.
Each statement writes one mark per branch and UTC day it touched (that day's first and
last lead: a UTC day spans at most two local months, and every lead of it falls in the
month of one of the two), not one per lead. SQLite (the demo) has no triggers: there the
reports never read tallies (`reports.tallies.tallies_supported`).
"""

from django.db import migrations

MARKS = """
    INSERT INTO {changes} (branch_id, created_at)
    SELECT branch_id, min(created_at) FROM {rows}
    GROUP BY branch_id, date_trunc('day', created_at)
    UNION
    SELECT branch_id, max(created_at) FROM {rows}
    GROUP BY branch_id, date_trunc('day', created_at);
"""

# The leads an employee link belongs to, as rows with branch_id and created_at.
LINKED_LEADS = "(SELECT lead.branch_id, lead.created_at FROM {links} JOIN {leads} lead ON lead.id = {links}.lead_id)"


def _tables(apps) -> dict[str, str]:
    lead = apps.get_model("leads", "Lead")
    return {
        "leads": lead._meta.db_table,
        "links": lead._meta.get_field("employees").remote_field.through._meta.db_table,
        "changes": apps.get_model("reports", "TallyChange")._meta.db_table,
    }


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    t = _tables(apps)
    statements = [
        f"""
        CREATE FUNCTION reports_leads_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {MARKS.format(changes=t["changes"], rows="changed_leads")}
            RETURN NULL;
        END $$;
        """,
        f"""
        CREATE FUNCTION reports_leads_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {MARKS.format(changes=t["changes"], rows="old_leads")}
            {MARKS.format(changes=t["changes"], rows="new_leads")}
            RETURN NULL;
        END $$;
        """,
        f"""
        CREATE FUNCTION reports_lead_employees_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {MARKS.format(changes=t["changes"], rows=LINKED_LEADS.format(links="changed_links", leads=t["leads"]) + " AS linked")}
            RETURN NULL;
        END $$;
        """,
        f"""CREATE TRIGGER reports_leads_inserted AFTER INSERT ON {t["leads"]}
        REFERENCING NEW TABLE AS changed_leads
        FOR EACH STATEMENT EXECUTE FUNCTION reports_leads_changed();""",
        f"""CREATE TRIGGER reports_leads_deleted AFTER DELETE ON {t["leads"]}
        REFERENCING OLD TABLE AS changed_leads
        FOR EACH STATEMENT EXECUTE FUNCTION reports_leads_changed();""",
        f"""CREATE TRIGGER reports_leads_updated AFTER UPDATE ON {t["leads"]}
        REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads
        FOR EACH STATEMENT EXECUTE FUNCTION reports_leads_updated();""",
        f"""CREATE TRIGGER reports_lead_employees_inserted AFTER INSERT ON {t["links"]}
        REFERENCING NEW TABLE AS changed_links
        FOR EACH STATEMENT EXECUTE FUNCTION reports_lead_employees_changed();""",
        f"""CREATE TRIGGER reports_lead_employees_deleted AFTER DELETE ON {t["links"]}
        REFERENCING OLD TABLE AS changed_links
        FOR EACH STATEMENT EXECUTE FUNCTION reports_lead_employees_changed();""",
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    t = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        for trigger, table in [
            ("reports_leads_inserted", t["leads"]),
            ("reports_leads_deleted", t["leads"]),
            ("reports_leads_updated", t["leads"]),
            ("reports_lead_employees_inserted", t["links"]),
            ("reports_lead_employees_deleted", t["links"]),
        ]:
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in (
            "reports_leads_changed",
            "reports_leads_updated",
            "reports_lead_employees_changed",
        ):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_tallies")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
