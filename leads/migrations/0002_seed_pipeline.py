"""The default pipeline, failure reasons and deletion reasons of the design card."""

from django.db import migrations

STATUSES = [
    ("Nowy", "nowy", "#1f77b4", False),
    ("Oferta", "oferta", "#17a2b8", False),
    ("Oczekujący", "oczekujacy", "#8a8d1c", False),
    ("Lead aktywny", "lead-aktywny", "#2ca02c", False),
    ("Wstępnie wybrany lokal", "wstepnie-wybrany-lokal", "#9467bd", False),
    ("Weryfikacja zdolności kredytowej", "weryfikacja-zdolnosci", "#8c564b", False),
    ("Negocjacje", "negocjacje", "#e07b00", False),
    ("Rezerwacja wstępna", "rezerwacja-wstepna", "#c2185b", False),
    ("Umowa", "umowa", "#1b5e20", True),
]
FAILURE_REASONS = [
    "Cena",
    "Brak kontaktu z klientem",
    "Lokalizacja",
    "Brak finansowania",
    "Rezygnacja klienta",
    "Wybór konkurencji",
]
DELETION_REASONS = ["Spam", "Test", "Duplikat"]


def seed_pipeline(apps, schema_editor):
    LeadStatus = apps.get_model("leads", "LeadStatus")
    FailureReason = apps.get_model("leads", "FailureReason")
    DeletionReason = apps.get_model("leads", "DeletionReason")
    for order, (name, slug, colour, is_won) in enumerate(STATUSES, start=1):
        LeadStatus.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order * 10, "colour": colour, "is_won": is_won}
        )
    for name in FAILURE_REASONS:
        FailureReason.objects.get_or_create(name=name)
    for name in DELETION_REASONS:
        DeletionReason.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunPython(seed_pipeline, migrations.RunPython.noop)]
