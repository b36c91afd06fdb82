"""Clients are not duplicated by hand: adding a client whose phone (in any spelling), email
or PESEL an existing client has shows those clients first, masked when the user may not
open them, with "use this client" or "create anyway"; nothing is made before the user
decides. The same check guards /clients/new/, converting an inquiry and the lead form's
"add client" dialog, because it lives in `client_create` itself."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clients.models import Client
from clients.services import DuplicateClients, client_create
from leads.models import IntakeOutcome, Lead
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db

NEW_CLIENT = reverse("clients:create")
DIALOG = reverse("leads:client_dialog")


@pytest.fixture
def known(advisor):
    """The advisor's client Hanna, known by her phone written the international way."""
    return ClientFactory(
        first_name="Hanna",
        last_name="Kuźniewska",
        phone="+48 504 976 791",
        email="hanna@example.pl",
        pesel="44051401359",
        caretaker=advisor,
        branch=advisor.branch,
    )


@pytest.fixture
def theirs(outsider):
    """A client of another branch, whom the advisor may not open."""
    return ClientFactory(
        first_name="Zofia",
        last_name="Ukryta",
        phone="+48 601 234 567",
        email="zofia.ukryta@poczta.com",
        caretaker=outsider,
        branch=outsider.branch,
    )


def client_form(**values) -> dict:
    data = {"kind": "person", "first_name": "Hanna", "last_name": "Kuzniewska"}
    data.update(values)
    return data


def duplicate_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-duplicate="(\d+)"', html)]


def seen(html: str) -> str:
    match = re.search(r'name="seen_duplicates" value="([^"]*)"', html)
    assert match, "the form does not carry the clients it showed"
    return match.group(1)


@pytest.mark.parametrize(
    "contact",
    [{"phone": "504 976 791"}, {"phone": "0048504976791"}, {"email": "HANNA@example.pl "}],
)
def test_a_client_with_a_known_contact_shows_the_existing_one_first(web, known, contact):
    response = web.post(NEW_CLIENT, client_form(**contact))

    assert duplicate_ids(response.text) == [known.pk]
    assert "This client may already be in Lejek" in response.text
    assert f'href="{known.get_absolute_url()}"' in response.text  # "use this client"
    assert "Create anyway" in response.text
    assert Client.objects.count() == 1  # nothing made before the user decides


def test_the_same_pesel_is_the_same_person(web, known):
    response = web.post(NEW_CLIENT, client_form(email="inny@example.pl", pesel="44051401359"))

    assert duplicate_ids(response.text) == [known.pk]
    assert "same PESEL" in response.text


def test_create_anyway_makes_the_client_after_the_user_saw_the_duplicates(web, known):
    first = web.post(NEW_CLIENT, client_form(phone="504 976 791"))

    web.post(NEW_CLIENT, client_form(phone="504 976 791", seen_duplicates=seen(first.text)))

    assert Client.objects.filter(phone_e164="+48504976791").count() == 2


def test_a_duplicate_the_user_did_not_see_is_shown_before_anything_is_made(web, known, advisor):
    """Create anyway counts for the clients shown, not for one added since."""
    first = web.post(NEW_CLIENT, client_form(phone="504 976 791"))
    newer = ClientFactory(phone="504976791", caretaker=advisor, branch=advisor.branch)

    again = web.post(NEW_CLIENT, client_form(phone="504 976 791", seen_duplicates=seen(first.text)))

    assert set(duplicate_ids(again.text)) == {known.pk, newer.pk}
    assert Client.objects.count() == 2


def test_a_client_the_user_may_not_open_is_shown_masked_without_use(web, theirs):
    response = web.post(NEW_CLIENT, client_form(email="zofia.ukryta@poczta.com"))

    assert duplicate_ids(response.text) == [theirs.pk]
    assert "Z*** U***" in response.text
    assert "z***@p***.com" in response.text
    for secret in ("Zofia", "Ukryta", "601 234 567", theirs.get_absolute_url()):
        assert secret not in response.text
    assert "ask them rather than add the client twice" in response.text
    assert Client.objects.count() == 1


def test_the_service_refuses_a_duplicate_on_every_path(advisor, known):
    with pytest.raises(DuplicateClients) as refused:
        client_create(user=advisor, data={"first_name": "H", "phone": "504-976-791"})

    assert [candidate.client for candidate in refused.value.candidates] == [known]
    made = client_create(
        user=advisor,
        data={"first_name": "H", "phone": "504-976-791"},
        allow_duplicates_of=[known.pk],
    )
    assert made.pk != known.pk


def test_converting_an_inquiry_offers_to_link_the_existing_client(web, advisor, known):
    inquiry = LeadFactory(
        branch=advisor.branch, employees=[advisor], contact_first_name="Hanna",
        contact_phone="+48504976791",
    )  # fmt: skip
    url = reverse("leads:new_client", args=[inquiry.pk])

    response = web.post(url, client_form(phone="504 976 791"))

    assert duplicate_ids(response.text) == [known.pk]
    link = reverse("leads:link", args=[inquiry.pk, known.pk])
    assert f'action="{link}"' in response.text
    web.post(link)
    inquiry.refresh_from_db()
    assert inquiry.intake_outcome == IntakeOutcome.LINKED
    assert list(inquiry.clients.all()) == [known]
    assert Client.objects.count() == 1


def test_the_lead_forms_dialog_offers_the_existing_client_as_a_chip(web, known):
    response = web.post(DIALOG, client_form(phone="504 976 791"))

    assert duplicate_ids(response.text) == [known.pk]
    chip = re.search(r"<template>(.*?)</template>", response.text, re.S).group(1)
    assert f'<input type="hidden" name="clients" value="{known.pk}">' in chip
    assert 'name="new_clients"' not in response.text
    assert Client.objects.count() == 1

    anyway = web.post(DIALOG, client_form(phone="504 976 791", seen_duplicates=seen(response.text)))

    assert 'name="new_clients"' in anyway.text  # the new client rides in the lead form
    assert Client.objects.count() == 1
    assert not Lead.objects.exists()
