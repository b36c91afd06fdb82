"""Importing clients from a file: at upload the manager says the file holds clients; the
mapping offers a client's fields; the dry run tells new clients from those Lejek already
has (same phone or email however typed, as the intake matches them) and from rows
repeated in the file; the run makes each new client once, with its history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Client, ClientKind
from leads.models import ImportBatch, ImportKind, ImportRowError, ImportStatus, Lead
from tests.factories import ClientFactory, source

from .import_fixtures import (
    SAMPLE_CP1250,
    browser,
    post_mapping,
    private_media,  # noqa: F401
    read_xlsx,
    upload_file,
)

pytestmark = pytest.mark.usefixtures("private_media")

# A Windows-1250 CSV with Polish headers: rows 2-8.
CLIENTS_CSV = (
    "Imię;Nazwisko;Firma;E-mail;Telefon;PESEL;Zgoda na przetwarzanie;Uwagi\n"
    "Łukasz;Żółć;;lukasz.zolc@example.pl;600 111 222;;tak;Poleca go pani Ewa\n"
    "Stała;Klientka;;;+48 603-400-500;;tak;\n"  # an existing client's phone
    ";;Ślęża Sp. z o.o.;biuro@sleza.example.pl;;;nie;\n"
    "Łukasz;Żółć;;LUKASZ.ZOLC@example.pl;;;tak;\n"  # row 2 again (email in capitals)
    "Zły;Adres;;nie-mail@;;;tak;\n"
    "Bez;Kontaktu;;;;;tak;\n"
    "Zły;PESEL;;pesel@example.pl;;12345678901;może;\n"
).encode("cp1250")
COUNTS = {
    "rows_total": 7,
    "rows_new": 2,
    "rows_duplicate_db": 1,
    "rows_duplicate_file": 1,
    "rows_error": 3,
}


@pytest.fixture
def existing_client(branch):
    return ClientFactory(first_name="Stała", last_name="Klientka", email="", phone="603400500")


def upload_clients(http, content: bytes = CLIENTS_CSV, name: str = "klienci.csv"):
    data = {"file": upload_file(SAMPLE_CP1250, name, content), "source": source("www").pk}
    return http.post(reverse("leads:import"), {**data, "kind": ImportKind.CLIENTS})


def checked(http, capture, content: bytes = CLIENTS_CSV) -> ImportBatch:
    assert upload_clients(http, content).status_code == 302
    batch = ImportBatch.objects.latest("id")
    with capture(execute=True):
        assert post_mapping(http, batch).status_code == 302
    batch.refresh_from_db()
    return batch


def imported(http, batch, capture) -> ImportBatch:
    with capture(execute=True):
        assert http.post(reverse("leads:import_confirm", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    return batch


def test_the_mapping_offers_a_clients_fields_guessed_from_polish_headers(manager):
    http = browser(manager)
    assert upload_clients(http).status_code == 302
    batch = ImportBatch.objects.get()

    assert batch.kind == ImportKind.CLIENTS
    assert batch.mapping == {
        "0": "first_name", "1": "last_name", "2": "company_name", "3": "email", "4": "phone",
        "5": "pesel", "6": "consents_processing", "7": "description",
    }  # fmt: skip
    response = http.get(reverse("leads:import_mapping", args=[batch.pk]))
    offered = {value for value, _label in response.context["form"].fields["column_0"].choices}
    assert {"company_name", "pesel", "description", "consents_marketing"} <= offered
    assert "investment" not in offered  # a lead's field, not a client's
    assert "Company name" in response.content.decode()


@pytest.mark.usefixtures("existing_client")
def test_the_dry_run_counts_new_known_repeated_and_bad_rows(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)

    batch = checked(http, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.CHECKED
    assert {name: getattr(batch, name) for name in COUNTS} == COUNTS
    assert Client.objects.count() == 1  # the dry run makes nobody
    errors = {(e.row, e.column) for e in ImportRowError.objects.filter(batch=batch)}
    assert {row for row, _column in errors} == {6, 7, 8}
    assert (6, "E-mail") in errors and (8, "PESEL") in errors
    assert (8, "Zgoda na przetwarzanie") in errors  # "może" is neither yes nor no
    page = http.get(batch.get_absolute_url()).content.decode()
    assert "Already clients in Lejek" in page and 'id="count-linked"' not in page


@pytest.mark.usefixtures("existing_client")
def test_the_run_makes_each_new_client_once_and_a_second_import_makes_nobody(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    batch = imported(
        http, checked(http, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )

    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_imported, batch.rows_new, batch.rows_duplicate_db) == (2, 2, 1)
    assert (batch.rows_duplicate_file, batch.rows_error) == (1, 3)
    assert Client.objects.count() == 3 and Lead.objects.count() == 0
    # Windows-1250 read right, the phone normalised, the consent dated, the notes kept.
    lukasz = Client.objects.get(last_name="Żółć")
    assert (lukasz.first_name, lukasz.phone_e164) == ("Łukasz", "+48600111222")
    (basis,) = lukasz.consent_events.all()
    assert (basis.kind, basis.source, basis.evidence["batch"]) == (
        "inquiry:any",
        "import",
        batch.pk,
    )
    assert lukasz.consent_states.get().granted
    assert (lukasz.description, lukasz.source.slug) == ("Poleca go pani Ewa", "www")
    assert (lukasz.branch, lukasz.created_by, lukasz.caretaker) == (manager.branch, manager, None)
    assert lukasz.history.count() == 1 and lukasz.history.get().history_user == manager
    company = Client.objects.get(company_name="Ślęża Sp. z o.o.")
    assert company.kind == ClientKind.COMPANY
    summary = http.get(batch.get_absolute_url()).content.decode()
    assert 'id="import-clients-link"' in summary and 'id="count-imported">2<' in summary
    sheet = read_xlsx(http.get(reverse("leads:import_rejected", args=[batch.pk])))
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [6, 7, 8]

    again = checked(http, django_capture_on_commit_callbacks)
    assert (again.rows_new, again.rows_duplicate_db, again.rows_duplicate_file) == (0, 3, 1)
    again = imported(http, again, django_capture_on_commit_callbacks)
    assert again.status == ImportStatus.DONE and again.rows_imported == 0
    assert Client.objects.count() == 3


def test_all_or_nothing_with_a_bad_row_imports_no_client(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    content = "E-mail;Telefon\na@example.pl;\nnie-mail@;\n".encode("cp1250")
    data = {"file": upload_file(SAMPLE_CP1250, "k.csv", content), "source": source("www").pk}
    data |= {"kind": ImportKind.CLIENTS, "all_or_nothing": "on"}
    assert http.post(reverse("leads:import"), data).status_code == 302
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    response = http.post(reverse("leads:import_confirm", args=[batch.pk]), follow=True)

    assert "All or nothing was chosen and some rows have errors" in response.content.decode()
    assert Client.objects.count() == 0


def test_advisors_cannot_import_clients(advisor):
    http = browser(advisor)
    assert upload_clients(http).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_a_row_with_a_known_clients_pesel_is_already_a_client_in_lejek(
    manager, django_capture_on_commit_callbacks
):
    """The same person by the duplicate check every new client passes: the PESEL counts
    as the phone and the email do, in the dry run and in the run."""
    known = ClientFactory(first_name="Jan", last_name="Pesel", phone="", pesel="44051401359")
    content = (
        "Imię;Nazwisko;E-mail;PESEL\n"
        "Jan;Pesel;nowy.adres@example.pl;44051401359\n"
        "Anna;Nowa;anna.nowa@example.pl;\n"
    ).encode("cp1250")
    http = browser(manager)

    batch = checked(http, django_capture_on_commit_callbacks, content)
    assert (batch.rows_new, batch.rows_duplicate_db, batch.rows_error) == (1, 1, 0)
    batch = imported(http, batch, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.DONE
    assert Client.objects.filter(pesel="44051401359").get() == known
    assert Client.objects.filter(email="anna.nowa@example.pl").exists()
