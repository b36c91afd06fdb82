"""The portals' notification emails as parsers an administrator can edit: Otodom, Morizon,
Gratka, rynekpierwotny.pl, Tabela Ofert, Obido, Domiporta and OLX, each with its lead
source (made when missing; rynekpierwotny.pl, Tabela Ofert and Obido were seeded by
clients 0003). A parser already there (by name) is left as the administrator keeps it.

The labels cover the wordings portals use for the same field; a label an email does not
have costs nothing. The subject pattern keeps a portal's other emails (invoices, expiring
listings, newsletters) out: they stay junk as no-reply senders do. The listing pattern
takes the listing's id from its link when no label gives it."""

from django.db import migrations

SUBJECT = r"zapytani|wiadomo|kontakt|pytani|zainteresowan|odpowied"
COMMON_RULES = """\
Imię i nazwisko: full_name
Imię i nazwisko klienta: full_name
Nadawca: full_name
Od: full_name
Klient: full_name
Zapytanie od: full_name
Imię: first_name
Nazwisko: last_name
E-mail: email
Email: email
Adres e-mail: email
Adres email: email
E-mail nadawcy: email
Telefon: phone
Tel.: phone
Numer telefonu: phone
Telefon kontaktowy: phone
Wiadomość: message
Treść wiadomości: message
Treść: message
Pytanie: message
Numer ogłoszenia: listing
Nr ogłoszenia: listing
Numer oferty: listing
ID oferty: listing
ID inwestycji: listing
"""
# name, source slug, sender domains, listing id pattern (group 1: the id in its link).
PORTALS = [
    ("Otodom", "otodom", "otodom.pl", r"otodom\.pl/[^\s\"'<>]*?-ID([0-9A-Za-z]+)"),
    ("Morizon", "morizon", "morizon.pl", r"morizon\.pl/oferta/[^\s\"'<>]*?-(mzn\d+)"),
    ("Gratka", "gratka", "gratka.pl", r"gratka\.pl/nieruchomosci/[^\s\"'<>]*?/ob/(\d+)"),
    (
        "rynekpierwotny.pl",
        "rynekpierwotny",
        "rynekpierwotny.pl",
        r"rynekpierwotny\.pl/oferty/[^\s\"'<>]*?-(\d+)/",
    ),
    ("Tabela Ofert", "tabela-ofert", "tabelaofert.pl", r"tabelaofert\.pl/[^\s\"'<>]*?-(\d+)"),
    ("Obido", "obido", "obido.pl", r"obido\.pl/[^\s\"'<>]*?-(\d+)"),
    ("Domiporta", "domiporta", "domiporta.pl", r"domiporta\.pl/nieruchomosci/[^\s\"'<>]*?-(\d+)"),
    ("OLX", "olx", "olx.pl", r"olx\.pl/[^\s\"'<>]*?-ID([0-9A-Za-z]+)\.html"),
]


def seed_parsers(apps, schema_editor):
    LeadSource = apps.get_model("clients", "LeadSource")
    PortalParser = apps.get_model("intake", "PortalParser")
    last_order = LeadSource.objects.order_by("-order").values_list("order", flat=True).first()
    for name, slug, domains, listing_pattern in PORTALS:
        source = (
            LeadSource.objects.filter(slug=slug).first()
            or LeadSource.objects.filter(name__iexact=name).first()
        )
        if source is None:
            last_order = (last_order or 0) + 1
            source = LeadSource.objects.create(name=name, slug=slug, order=last_order)
        PortalParser.objects.get_or_create(
            name=name,
            defaults={
                "sender_domains": domains,
                "subject_pattern": SUBJECT,
                "rules": COMMON_RULES,
                "prefer_reply_to": True,
                "source": source,
                "listing_pattern": listing_pattern,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_administrators_run_the_channels"),
        ("clients", "0003_seed_sources"),
    ]

    operations = [migrations.RunPython(seed_parsers, migrations.RunPython.noop)]
