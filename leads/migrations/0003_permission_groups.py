"""One permission group per role: Doradca (advisor), Kierownik (manager), Administrator.

Permissions are normally created after migrations; they are created here first so that the
groups can be filled in the same run.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADVISOR = [
    "leads.view_lead", "leads.add_lead", "leads.change_lead",
    "clients.view_client", "clients.add_client", "clients.change_client",
    "clients.view_contractor", "clients.add_contractor", "clients.change_contractor",
    "clients.view_leadsource",
    "investments.view_investment", "investments.view_unit",
    "leads.view_leadstatus", "leads.view_failurereason", "leads.view_deletionreason",
]
MANAGER = ADVISOR + [
    "leads.unlink_lead", "leads.restore_lead", "leads.export_lead", "leads.import_lead",
    "leads.reassign_lead",
]
ADMIN_APPS = ["core", "clients", "investments", "settings_app", "leads"]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, which is how
        # migration-state app configs look; pretend for the call, then put it back.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(codes):
        found = []
        for code in codes:
            app_label, codename = code.split(".")
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    Group.objects.get_or_create(name="Doradca")[0].permissions.set(permissions(ADVISOR))
    Group.objects.get_or_create(name="Kierownik")[0].permissions.set(permissions(MANAGER))
    Group.objects.get_or_create(name="Administrator")[0].permissions.set(
        Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        | Permission.objects.filter(content_type__app_label="auth", codename__endswith="_group")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_initial"),
        ("clients", "0003_seed_sources"),
        ("investments", "0001_initial"),
        ("settings_app", "0001_initial"),
        ("leads", "0002_seed_pipeline"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
