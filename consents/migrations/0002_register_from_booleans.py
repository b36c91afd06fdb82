"""The register's first clauses and controller, and the consents stored before it as
booleans turned into events (clause "legacy", source "before the register", their dates):
no consent is lost and none is invented. The booleans go in clients 0008 and leads 0019.

The old marketing checkbox read "I agree to receive offers and news by email and phone",
so a marketing boolean becomes marketing by email and by phone call, not by SMS.
A lead's booleans are the inquiry's: they become the inquiry contact's events; when the
lead already has clients, those clients' own booleans (copied when the inquiry was
converted, and edited since) are their state, and the inquiry's events stay its history.
"""

from django.db import migrations
from django.utils import timezone

CONTROLLER = "Administrator danych (uzupełnij w ustawieniach)"

CLAUSES = {
    "inquiry:any": (
        "Administratorem Twoich danych osobowych jest wskazany powyżej administrator. Dane "
        "przetwarzamy, aby odpowiedzieć na zapytanie i podjąć działania przed zawarciem umowy "
        "(art. 6 ust. 1 lit. b RODO).",
        "Your personal data is processed by the controller named above to answer your inquiry "
        "and take steps before entering into a contract (GDPR art. 6(1)(b)).",
    ),
    "marketing:email": (
        "Zgadzam się na otrzymywanie informacji handlowych i ofert drogą elektroniczną na "
        "podany adres e-mail.",
        "I agree to receive commercial information and offers by email at the address given.",
    ),
    "marketing:phone": (
        "Zgadzam się na kontakt telefoniczny w celach marketingowych na podany numer telefonu.",
        "I agree to be called for marketing purposes at the phone number given.",
    ),
    "marketing:sms": (
        "Zgadzam się na otrzymywanie informacji handlowych SMS-em i przez komunikatory na "
        "podany numer telefonu.",
        "I agree to receive commercial information by SMS and messengers at the phone number "
        "given.",
    ),
    "automated_calling:phone": (
        "Zgadzam się na używanie automatycznych systemów wywołujących w celach marketingowych "
        "na podany numer telefonu.",
        "I agree to the use of automated calling systems for marketing at the phone number "
        "given.",
    ),
    "profiling:any": (
        "Zgadzam się na profilowanie moich danych w celu dopasowania ofert.",
        "I agree to the profiling of my data to match offers to me.",
    ),
}
LEGACY = {
    "inquiry:any": (
        "Zgoda na przetwarzanie danych osobowych zapisana w systemie przed rejestrem zgód.",
        "Consent to data processing recorded before the consent register.",
    ),
    "marketing:email": (
        "Zgoda marketingowa zapisana przed rejestrem zgód (\u201eZgadzam się na otrzymywanie "
        "ofert i informacji e-mailem i telefonicznie.\u201d).",
        "Marketing consent recorded before the consent register (\u201cI agree to receive "
        "offers and news by email and phone.\u201d).",
    ),
}
LEGACY["marketing:phone"] = LEGACY["marketing:email"]
MARKETING = ("marketing:email", "marketing:phone")
BATCH = 5000


def seed_register(apps, schema_editor):
    """The default controller and the clauses v1 and legacy v0 (also run by the tests after
    a transactional test emptied the tables: tests/conftest.py). Idempotent."""
    Controller = apps.get_model("consents", "Controller")
    Clause = apps.get_model("consents", "Clause")
    CRMSettings = apps.get_model("settings_app", "CRMSettings")
    settings, _created = CRMSettings.objects.get_or_create(id=1)
    controller = settings.default_controller
    if controller is None:
        controller = Controller.objects.order_by("id").first() or Controller.objects.create(
            name=CONTROLLER
        )
        settings.default_controller = controller
        settings.save(update_fields=["default_controller"])
    for kind, (text_pl, text_en) in CLAUSES.items():
        Clause.objects.get_or_create(
            controller=controller, kind=kind, version=1,
            defaults={"text_pl": text_pl, "text_en": text_en},
        )  # fmt: skip
    return {
        kind: Clause.objects.get_or_create(
            controller=controller, kind=kind, version=0,
            defaults={
                "text_pl": text_pl, "text_en": text_en, "active": False, "is_legacy": True
            },
        )[0]
        for kind, (text_pl, text_en) in LEGACY.items()
    }  # fmt: skip


def forwards(apps, schema_editor):
    ConsentEvent = apps.get_model("consents", "ConsentEvent")
    ConsentState = apps.get_model("consents", "ConsentState")
    Client = apps.get_model("clients", "Client")
    Lead = apps.get_model("leads", "Lead")
    legacy = seed_register(apps, schema_editor)

    def write(events, states):
        created = ConsentEvent.objects.bulk_create(events)
        ConsentState.objects.bulk_create(
            ConsentState(
                client_id=event.client_id, lead_id=None if event.client_id else event.lead_id,
                kind=event.kind, granted=True, event=event,
            )  # fmt: skip
            for event, with_state in zip(created, states, strict=True)
            if with_state
        )

    def event(kind, at, *, client_id=None, lead_id=None):
        return ConsentEvent(
            client_id=client_id, lead_id=lead_id, kind=kind, action="given",
            clause=legacy[kind], at=at, source="legacy", recorded_at=timezone.now(),
            evidence={"before_the_register": True},
        )  # fmt: skip

    events, states = [], []
    clients = Client.objects.filter(consent_processing=True) | Client.objects.filter(
        consent_marketing=True
    )
    for row in clients.values(
        "id", "consent_processing", "consent_processing_at", "consent_marketing",
        "consent_marketing_at", "created_at",
    ).iterator(chunk_size=BATCH):  # fmt: skip
        if row["consent_processing"]:
            at = row["consent_processing_at"] or row["created_at"]
            events.append(event("inquiry:any", at, client_id=row["id"]))
            states.append(True)
        if row["consent_marketing"]:
            for kind in MARKETING:
                at = row["consent_marketing_at"] or row["created_at"]
                events.append(event(kind, at, client_id=row["id"]))
                states.append(True)
        if len(events) >= BATCH:
            write(events, states)
            events, states = [], []

    with_clients = set(
        Lead.clients.through.objects.values_list("lead_id", flat=True).distinct().iterator()
    )
    leads = Lead.objects.filter(consent_processing=True) | Lead.objects.filter(
        consent_marketing=True
    )
    for row in leads.values(
        "id", "consent_processing", "consent_marketing", "submitted_at", "created_at"
    ).iterator(chunk_size=BATCH):
        at = row["submitted_at"] or row["created_at"]
        own_state = row["id"] not in with_clients
        kinds = (["inquiry:any"] if row["consent_processing"] else []) + (
            list(MARKETING) if row["consent_marketing"] else []
        )
        for kind in kinds:
            events.append(event(kind, at, lead_id=row["id"]))
            states.append(own_state)
        if len(events) >= BATCH:
            write(events, states)
            events, states = [], []
    write(events, states)


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0001_initial"),
        ("settings_app", "0006_crmsettings_default_controller_and_more"),
        ("clients", "0007_source_form_help_text"),
        ("leads", "0018_verify_leads_made_with_a_client"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
