"""Administrators set up the channels (accounts, listings and forms, portal parsers, junk
senders), read the raw log and replay its entries."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("channelaccount", "listing", "portalparser", "junksender")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # As in leads 0003: permissions are created first so the groups can be given them.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    codenames += ["view_rawmessage", "replay_rawmessage"]
    permissions = Permission.objects.filter(content_type__app_label="intake", codename__in=codenames)
    Group.objects.get_or_create(name="Administrator")[0].permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_channels_and_raw_log")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
