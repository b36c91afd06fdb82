"""Who may do what with a person's data: managers and administrators export a person's data
(access, portability); administrators anonymise and read the log. Everyone who sees a person records their
consents (that needs no permission of its own)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # As in leads 0003: permissions are created first so the groups can be given them.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    export = Permission.objects.get(content_type__app_label="privacy", codename="export_person")
    anonymise = Permission.objects.get(
        content_type__app_label="privacy", codename="anonymise_person"
    )
    Group.objects.get_or_create(name="Kierownik")[0].permissions.add(export)
    # Administrators also read the log in the admin (nobody writes it there).
    log = Permission.objects.get(content_type__app_label="privacy", codename="view_privacylog")
    Group.objects.get_or_create(name="Administrator")[0].permissions.add(export, anonymise, log)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_log"), ("leads", "0019_consents_in_the_register_and_anonymisation")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
