"""Administrators may see and lift login lockouts (django-axes) and set up TOTP devices
(django-otp) in the admin (permissions are created here first, as in leads' 0003)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ["axes", "otp_totp"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _created = Group.objects.get_or_create(name="Administrator")
    administrators.permissions.add(*Permission.objects.filter(content_type__app_label__in=APPS))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_user_language"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        # The role groups are made (and their permissions set, replacing any) there.
        ("leads", "0003_permission_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
