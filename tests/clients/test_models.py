"""Bad input on clients and contractors is refused on the right field, in Python (full_clean)
and, for the rules that must never break, in the database too."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, ClientKind, Contractor
from crm.core.normalization import fold_name
from tests.constraints import assert_violates, constraint_message
from tests.factories import ClientFactory, ContractorFactory


def refusal(instance) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value


def field_codes(error: ValidationError, field: str) -> list[str]:
    return [item.code for item in error.error_dict[field]]


# -- a client has an email or a phone ------------------------------------------------------


def test_client_with_neither_email_nor_phone_is_refused(branch):
    error = refusal(ClientFactory.build(branch=branch, email="", phone=""))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(Client, "client_has_email_or_phone")
    ]


@pytest.mark.parametrize(
    ("email", "phone"),
    [("anna@example.pl", ""), ("", "600 100 200"), ("a@example.pl", "600100200")],
)
def test_client_with_an_email_or_a_phone_is_accepted(branch, email, phone):
    client = ClientFactory(branch=branch, email=email, phone=phone)

    assert Client.objects.filter(pk=client.pk).exists()


def test_database_refuses_a_client_without_contact_that_skipped_validation(branch):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Client.objects.create(branch=branch, first_name="Jan", last_name="Bezkontaktu")

    assert_violates(excinfo.value, "client_has_email_or_phone")


def test_database_refuses_a_bulk_update_blanking_email_and_phone(branch):
    client = ClientFactory(branch=branch, email="anna@example.pl", phone="600 100 200")

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Client.objects.filter(pk=client.pk).update(email="", phone="")

    assert_violates(excinfo.value, "client_has_email_or_phone")
    client.refresh_from_db()
    assert client.email == "anna@example.pl"


def test_database_refuses_a_bulk_update_blanking_the_lookup_columns(branch):
    client = ClientFactory(branch=branch, email="anna@example.pl", phone="")

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Client.objects.filter(pk=client.pk).update(email="", email_normalized="")

    assert_violates(excinfo.value, "client_has_email_or_phone")


# -- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["abc", "123", "600 100 20"])
def test_client_phone_that_is_not_a_phone_number_is_refused_on_the_phone_field(branch, phone):
    error = refusal(ClientFactory.build(branch=branch, phone=phone))

    assert "phone" in error.message_dict
    assert "email" not in error.message_dict


def test_contractor_phone_that_is_not_a_phone_number_is_refused_on_the_phone_field(branch):
    error = refusal(ContractorFactory.build(branch=branch, phone="12-34"))

    assert list(error.message_dict) == ["phone"]


# -- PESEL ---------------------------------------------------------------------------------


def test_client_pesel_with_a_wrong_checksum_is_refused(branch):
    error = refusal(ClientFactory.build(branch=branch, pesel="44051401358"))

    assert list(error.message_dict) == ["pesel"]
    assert field_codes(error, "pesel") == ["invalid"]


@pytest.mark.parametrize("pesel", ["4405140135", "440514013599", "4405140135X"])
def test_client_pesel_of_wrong_length_or_with_letters_is_refused(branch, pesel):
    error = refusal(ClientFactory.build(branch=branch, pesel=pesel))

    assert "pesel" in error.message_dict


@pytest.mark.parametrize("pesel", ["44051401359", "02070803628"])
def test_client_with_a_valid_pesel_is_accepted(branch, pesel):
    client = ClientFactory(branch=branch, pesel=pesel)

    client.refresh_from_db()
    assert client.pesel == pesel


# -- company clients -----------------------------------------------------------------------


def test_company_client_without_a_company_name_is_refused(branch):
    error = refusal(ClientFactory.build(branch=branch, kind=ClientKind.COMPANY, company_name=""))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(Client, "client_company_has_name")
    ]


def test_database_refuses_a_company_client_without_a_company_name(branch):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Client.objects.create(
            branch=branch,
            kind=ClientKind.COMPANY,
            email="biuro@example.pl",
            email_normalized="biuro@example.pl",
        )

    assert_violates(excinfo.value, "client_company_has_name")


def test_company_client_with_a_company_name_is_accepted(branch):
    client = ClientFactory(branch=branch, kind=ClientKind.COMPANY, company_name="Budimex S.A.")

    assert str(client).startswith("Budimex S.A.")


# -- derived lookup columns ----------------------------------------------------------------


def test_full_clean_fills_the_lookup_columns_used_to_find_duplicates(branch):
    client = ClientFactory(
        branch=branch,
        kind=ClientKind.COMPANY,
        company_name="Łódzkie Mieszkania Sp. z o.o.",
        first_name="Elżbieta",
        last_name="Wiśniewska",
        email="Elzbieta.Wisniewska@Example.PL",
        phone="0048 600-100-200",
    )

    client.refresh_from_db()
    assert client.email == "Elzbieta.Wisniewska@Example.PL"
    assert client.email_normalized == "elzbieta.wisniewska@example.pl"
    assert client.phone == "0048 600-100-200"
    assert client.phone_e164 == "+48600100200"
    assert client.first_name_folded == "elzbieta"
    assert client.last_name_folded == "wisniewska"
    assert client.company_name_folded == "lodzkie mieszkania sp. z o.o."


def test_lookup_columns_follow_a_changed_phone_and_email(branch):
    client = ClientFactory(branch=branch, email="stary@example.pl", phone="600 100 200")

    client.email = ""
    client.phone = "+48 601 200 300"
    client.full_clean()
    client.save()

    client.refresh_from_db()
    assert client.email_normalized == ""
    assert client.phone_e164 == "+48601200300"


def test_client_typed_without_polish_letters_is_found_by_folded_name(branch):
    wisniewska = ClientFactory(branch=branch, first_name="Elżbieta", last_name="Wiśniewska")
    ClientFactory(branch=branch, first_name="Elżbieta", last_name="Wiśniewski")

    found = Client.objects.filter(
        last_name_folded=fold_name("Wisniewska"), first_name_folded=fold_name("ELZBIETA")
    )

    assert list(found) == [wisniewska]


def test_client_with_the_same_phone_typed_differently_is_found_by_e164(branch):
    client = ClientFactory(branch=branch, email="", phone="600-100-200")

    assert list(Client.objects.filter(phone_e164="+48600100200")) == [client]


# -- contractors: NIP, REGON, KRS ----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nip", "1234563219"),
        ("nip", "123-456-32-19"),
        ("nip", "123456321"),
        ("regon", "123456786"),
        ("regon", "12345678512348"),
        ("krs", "12345"),
        ("krs", "00001234AB"),
        ("krs", "00000123456"),
    ],
)
def test_contractor_with_a_wrong_polish_identifier_is_refused_on_that_field(branch, field, value):
    error = refusal(ContractorFactory.build(branch=branch, **{field: value}))

    assert list(error.message_dict) == [field]


def test_contractor_with_valid_identifiers_is_accepted_and_stores_digits_only(branch):
    contractor = ContractorFactory(
        branch=branch,
        name="Łódzkie Mieszkania",
        nip="123-456-32-18",
        regon="123456785",
        krs="0000123456",
        email="Biuro@Example.PL",
        phone="+48 61 855 22 11",
    )

    contractor.refresh_from_db()
    assert contractor.nip == "1234563218"
    assert contractor.regon == "123456785"
    assert contractor.krs == "0000123456"
    assert contractor.email_normalized == "biuro@example.pl"
    assert contractor.phone_e164 == "+48618552211"
    assert contractor.name_folded == "lodzkie mieszkania"


def test_contractor_found_by_nip_typed_with_dashes(branch):
    contractor = ContractorFactory(branch=branch, nip="5260250274")

    probe = Contractor(name="x", branch=branch, nip="526-025-02-74")
    probe.full_clean()

    assert list(Contractor.objects.filter(nip=probe.nip)) == [contractor]
