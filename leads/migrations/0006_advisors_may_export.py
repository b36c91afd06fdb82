"""Advisors export their own leads too (the lead workspace's story): the export is scoped to
what each user may see, so an advisor's file holds only the leads they work on."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="leads", codename="export_lead")
    Group.objects.get(name="Doradca").permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="leads", codename="export_lead")
    Group.objects.get(name="Doradca").permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_trigram_search_indexes")]
    operations = [migrations.RunPython(grant, revoke)]
