"""Administrators configure the register in the admin: controllers and clause versions
(add, change; a used clause is read-only there), and read its events and the suppression
list. Nobody changes or deletes an event: it is evidence (RODO art. 7(1))."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTED = [
    "add_controller", "change_controller", "view_controller",
    "add_clause", "change_clause", "view_clause",
    "view_consentevent", "view_suppression",
]  # fmt: skip


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # As in leads 0003: permissions are created first so the groups can be given them.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _created = Group.objects.get_or_create(name="Administrator")
    administrators.permissions.add(
        *Permission.objects.filter(content_type__app_label="consents", codename__in=GRANTED)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0002_register_from_booleans"),
        ("leads", "0003_permission_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
