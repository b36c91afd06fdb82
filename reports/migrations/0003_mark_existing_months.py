"""Mark every month (per branch) of the leads already in the database, so that the first
fold of the tallies (the beat task, within a minute) counts them. Until then the reports
count those months lead by lead, as before."""

from django.db import migrations

MARK_ALL = """
    INSERT INTO {changes} (branch_id, created_at)
    SELECT branch_id, min(created_at) FROM {leads}
    GROUP BY branch_id, date_trunc('day', created_at)
    UNION
    SELECT branch_id, max(created_at) FROM {leads}
    GROUP BY branch_id, date_trunc('day', created_at)
"""


def mark_existing_months(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # no tallies without PostgreSQL's triggers
    leads = apps.get_model("leads", "Lead")._meta.db_table
    changes = apps.get_model("reports", "TallyChange")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(MARK_ALL.format(changes=changes, leads=leads))


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_tally_change_triggers")]

    operations = [migrations.RunPython(mark_existing_months, migrations.RunPython.noop)]
