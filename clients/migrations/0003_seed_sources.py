"""The sources of the design card: where inquiries come from."""

from django.db import migrations

SOURCES = [
    ("www", "www"),
    ("Tabela Ofert", "tabela-ofert"),
    ("Obido", "obido"),
    ("rynekpierwotny.pl", "rynekpierwotny"),
    ("Facebook", "facebook"),
    ("Telefon", "telefon"),
    ("Wizyta w biurze", "wizyta-w-biurze"),
    ("Ręcznie", "recznie"),
]


def seed_sources(apps, schema_editor):
    LeadSource = apps.get_model("clients", "LeadSource")
    for order, (name, slug) in enumerate(SOURCES, start=1):
        LeadSource.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_initial")]
    operations = [migrations.RunPython(seed_sources, migrations.RunPython.noop)]
