"""Administrators may configure what intake added: assignment rules, lead events and the
notifications outbox (permissions are created here first, as in 0003)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NEW_APPS = ["leads", "notifications", "clients", "core", "settings_app"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _created = Group.objects.get_or_create(name="Administrator")
    administrators.permissions.add(*Permission.objects.filter(content_type__app_label__in=NEW_APPS))


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_intake"),
        ("notifications", "0001_initial"),
        ("clients", "0006_source_intake_settings"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
