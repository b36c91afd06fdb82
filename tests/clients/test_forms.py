"""The client and contractor forms and the services behind them: what is accepted, what
is refused and where the message lands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from clients.forms import ClientForm, ContractorForm
from clients.models import Client, ClientKind
from clients.services import (
    client_create,
    client_update,
    contractor_create,
    contractor_update,
)
from tests.factories import ClientFactory, ContractorFactory, source

pytestmark = pytest.mark.django_db

VALID_PESEL = "44051401359"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def client_data(**changes) -> dict:
    data = {"kind": ClientKind.PERSON, "first_name": "Elżbieta", "last_name": "Turza"}
    data.update(changes)
    return data


def test_form_offers_only_the_advisors_branch_as_caretakers(advisor, teammate, outsider):
    form = ClientForm(user=advisor)
    caretakers = set(form.fields["caretaker"].queryset)
    assert {advisor, teammate} <= caretakers
    assert outsider not in caretakers
    assert form.fields["caretaker"].initial == advisor.pk


def test_form_offers_only_active_sources(advisor):
    facebook = source("facebook")
    facebook.active = False
    facebook.save()
    assert facebook not in ClientForm(user=advisor).fields["source"].queryset


def test_form_keeps_the_inactive_source_of_an_edited_client(advisor):
    facebook = source("facebook")
    client = ClientFactory(branch=advisor.branch, caretaker=advisor, source=facebook)
    facebook.active = False
    facebook.save()
    assert facebook in ClientForm(instance=client, user=advisor).fields["source"].queryset


def test_form_refuses_a_caretaker_from_another_branch(advisor, outsider):
    form = ClientForm(client_data(email="ela@example.pl", caretaker=outsider.pk), user=advisor)
    assert not form.is_valid()
    assert "caretaker" in form.errors


def test_form_without_email_and_phone_says_so_next_to_both(advisor):
    form = ClientForm(client_data(), user=advisor)
    assert not form.is_valid()
    message = "Give the client an email address or a phone number."
    assert message in form.errors["email"]
    assert message in form.errors["phone"]


def test_form_refuses_a_wrong_pesel_next_to_the_field(advisor):
    form = ClientForm(client_data(email="ela@example.pl", pesel="44051401358"), user=advisor)
    assert not form.is_valid()
    assert list(form.errors) == ["pesel"]
    assert "is not a valid PESEL" in form.errors["pesel"][0]


def test_form_refuses_a_phone_that_does_not_parse(advisor):
    form = ClientForm(client_data(phone="12 34"), user=advisor)
    assert not form.is_valid()
    assert list(form.errors) == ["phone"]


def test_form_refuses_a_company_without_its_name(advisor):
    form = ClientForm(client_data(kind=ClientKind.COMPANY, email="biuro@firma.pl"), user=advisor)
    assert not form.is_valid()
    assert form.errors["company_name"] == ["A company client needs a company name."]


def test_advisor_creating_a_client_becomes_its_caretaker(advisor):
    client = client_create(
        user=advisor, data=client_data(phone="600 100 200", source=source("www"))
    )
    client.refresh_from_db()
    assert client.caretaker == advisor
    assert client.branch == advisor.branch
    assert client.created_by == advisor
    assert client.phone_e164 == "+48600100200"
    assert client.first_name_folded == "elzbieta"
    assert client.history.get().history_user == advisor


def test_advisor_may_choose_a_teammate_as_caretaker(advisor, teammate):
    client = client_create(user=advisor, data=client_data(email="a@b.pl", caretaker=teammate))
    assert client.caretaker == teammate


def test_manager_creating_a_client_names_no_caretaker_by_default(manager):
    client = client_create(user=manager, data=client_data(email="a@b.pl"))
    assert client.caretaker is None


def test_service_refuses_a_caretaker_of_another_branch(advisor, outsider):
    with pytest.raises(ValidationError) as refused:
        client_create(user=advisor, data=client_data(email="a@b.pl", caretaker=outsider))
    assert "caretaker" in refused.value.message_dict
    assert not Client.objects.exists()


def test_service_refuses_a_client_without_contact_with_errors_on_the_fields(advisor):
    with pytest.raises(ValidationError) as refused:
        client_create(user=advisor, data=client_data())
    assert set(refused.value.message_dict) == {"email", "phone"}


def test_service_refuses_an_unparsable_phone_on_the_phone_field(advisor):
    with pytest.raises(ValidationError) as refused:
        client_create(user=advisor, data=client_data(phone="not a phone"))
    assert list(refused.value.message_dict) == ["phone"]


def test_client_form_and_service_leave_consents_to_the_register(advisor):
    # Consents are events in the consent register (consents/), recorded with their clause
    # and evidence: the client's own form has no checkbox for them and writes none.
    client = client_create(
        user=advisor,
        data=client_data(email="a@b.pl", consent_processing=True, consent_marketing=True),
    )
    assert not client.consent_events.exists() and not client.consent_states.exists()
    assert not {"consent_processing", "consent_marketing"} & set(ClientForm(user=advisor).fields)


def test_edit_through_the_form_records_who_changed_it(advisor, teammate):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor, email="a@b.pl")
    form = ClientForm(
        client_data(email="a@b.pl", caretaker=advisor.pk, updated_at=client.updated_at.isoformat()),
        instance=client,
        user=teammate,
    )
    assert form.is_valid(), form.errors
    client_update(client=client, user=teammate, data=form.cleaned_data)
    assert client.history.first().history_user == teammate
    assert Client.objects.get(pk=client.pk).last_name == "Turza"


def test_stale_edit_is_refused_and_changes_nothing(advisor, teammate):
    client = ClientFactory(
        branch=advisor.branch, caretaker=advisor, email="a@b.pl", last_name="Stara"
    )
    opened_on = client.updated_at
    # A teammate saves the client after the advisor opened the form.
    client_update(
        client=Client.objects.get(pk=client.pk), user=teammate, data={"last_name": "Kolegi"}
    )
    with pytest.raises(ValidationError) as refused:
        client_update(
            client=client,
            user=advisor,
            data={"last_name": "Doradcy", "updated_at": opened_on},
        )
    assert "Someone else saved this record" in refused.value.messages[0]
    assert Client.objects.get(pk=client.pk).last_name == "Kolegi"


def test_edit_form_carries_the_version_it_was_opened_on(advisor):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor)
    form = ClientForm(instance=client, user=advisor)
    assert form["updated_at"].value() == client.updated_at.isoformat()
    assert form.fields["updated_at"].required


def test_edit_form_with_a_damaged_version_is_refused(advisor):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor)
    form = ClientForm(
        client_data(email="a@b.pl", updated_at="yesterday"), instance=client, user=advisor
    )
    assert not form.is_valid()
    assert "updated_at" in form.errors


def test_version_older_by_a_microsecond_is_stale(advisor):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor)
    with pytest.raises(ValidationError):
        client_update(
            client=client,
            user=advisor,
            data={"updated_at": client.updated_at - timedelta(microseconds=1)},
        )


def test_user_without_a_branch_cannot_add_a_client(advisor):
    advisor.branch = None
    with pytest.raises(ValidationError):
        client_create(user=advisor, data=client_data(email="a@b.pl"))


def test_contractor_form_shows_checksum_errors_next_to_each_field(advisor):
    form = ContractorForm(
        {"name": "Budimex", "nip": "123-456-32-19", "krs": "12345", "regon": "123456786"},
        user=advisor,
    )
    assert not form.is_valid()
    assert set(form.errors) == {"nip", "krs", "regon"}
    assert "NIP" in form.errors["nip"][0]


def test_contractor_form_needs_a_name(advisor):
    form = ContractorForm({"nip": "1234563218"}, user=advisor)
    assert not form.is_valid()
    assert list(form.errors) == ["name"]


def test_contractor_is_created_in_the_users_branch_with_digits_only_nip(advisor):
    form = ContractorForm(
        {
            "name": "Budimex Poznań",
            "nip": "123-456-32-18",
            "krs": "0000123456",
            "regon": "123456785",
            "phone": "61 850 00 00",
        },
        user=advisor,
    )
    assert form.is_valid(), form.errors
    contractor = contractor_create(user=advisor, data=form.cleaned_data)
    contractor.refresh_from_db()
    assert contractor.branch == advisor.branch
    assert contractor.nip == "1234563218"
    assert contractor.name_folded == "budimex poznan"
    assert contractor.history.get().history_user == advisor


def test_stale_contractor_edit_is_refused(advisor, teammate):
    contractor = ContractorFactory(branch=advisor.branch, name="Stara nazwa")
    opened_on = contractor.updated_at
    contractor_update(contractor=contractor, user=teammate, data={"city": "Poznań"})
    with pytest.raises(ValidationError):
        contractor_update(
            contractor=contractor,
            user=advisor,
            data={"name": "Nowa nazwa", "updated_at": opened_on},
        )
    contractor.refresh_from_db()
    assert contractor.name == "Stara nazwa"
