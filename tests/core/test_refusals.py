"""A refused request explains itself in the user's language: a form past Django's limits,
a form whose text is not UTF-8 (stored as "�" before), an address with a NUL byte (a
500 before, PostgreSQL refusing it). Nothing of such a form is stored."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client, Contractor
from leads.models import Note
from tests.factories import ContractorFactory, LeadFactory, source

pytestmark = pytest.mark.django_db

NEW_CLIENT = reverse("clients:create")
FORM_ENCODED = "application/x-www-form-urlencoded"


def browser(user, language: str = "en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
    http.force_login(user)
    return http


def client_form(**values: str) -> dict:
    data = {
        "kind": "person",
        "first_name": "Jan",
        "last_name": "Kowalski",
        "phone": "600 100 200",
        "source": source("www").pk,
    }
    return {**data, **values}


# -- A form past Django's limits ------------------------------------------------------------


def test_a_form_with_more_text_than_django_takes_says_so_in_english(advisor):
    too_much = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = browser(advisor).post(NEW_CLIENT, client_form(description=too_much))

    assert response.status_code == 400
    assert 'lang="en"' in response.text
    limit = "at most 2.5\xa0MB of text."  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    assert f"The form holds more than Lejek takes at once: {limit}" in response.text
    assert "Nothing was saved." in response.text
    assert "Go back, shorten the text or send it in parts, and try again." in response.text
    assert not Client.objects.exists()


def test_the_same_refusal_is_polish_for_a_polish_user(advisor):
    too_much = urlencode(client_form(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))

    response = browser(advisor, "pl").post(NEW_CLIENT, too_much, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert 'lang="pl"' in response.text
    assert "Wróć na stronę główną" in response.text
    assert "Bad Request" not in response.text
    assert not Client.objects.exists()


def test_a_form_with_more_fields_than_django_takes_names_the_limit(advisor):
    many = {"selected": [str(number) for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)]}

    response = browser(advisor).post(reverse("leads:bulk"), {**many, "action": "export"})

    assert response.status_code == 400
    assert "The form has more fields than Lejek takes at once: at most 1000." in response.text
    assert "Go back, choose fewer rows or send them in parts, and try again." in response.text


# -- Text that is not UTF-8 -------------------------------------------------------------------


def test_a_client_form_with_bytes_that_are_not_utf8_is_refused_and_nothing_stored(advisor):
    fields = client_form()
    del fields["first_name"]
    body = f"first_name=Jan%FF%FEek&{urlencode(fields)}"

    response = browser(advisor).post(NEW_CLIENT, body, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert "The form sent text that cannot be read (it is not UTF-8) in: “first_name”." in (
        response.text
    )
    assert "Go back, type that text again and send the form." in response.text
    assert not Client.objects.exists()


def test_the_same_form_in_utf8_is_stored_as_typed(advisor):
    body = urlencode(client_form(first_name="Jęczmień"))

    response = browser(advisor).post(NEW_CLIENT, body, content_type=FORM_ENCODED)

    assert response.status_code == 302
    assert Client.objects.get().first_name == "Jęczmień"


def test_a_note_sent_with_a_file_form_and_unreadable_text_is_refused(advisor):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor])
    boundary = "lejekboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + b"Klient dzwoni\xff\xfe jutro\r\n"
        + f"--{boundary}--\r\n".encode()
    )

    response = browser(advisor).post(
        reverse("leads:note_create", args=[lead.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 400
    assert "cannot be read (it is not UTF-8) in: “text”" in response.text
    assert not Note.objects.exists()


# -- A NUL byte in the address ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("clients:contractor_list") + "?q=%00",
        reverse("leads:client_search") + "?q=Jan%00",
        reverse("leads:contractor_search") + "?q=%00",
        reverse("leads:list") + "?q=%00",
    ],
)
def test_a_search_for_a_nul_byte_is_refused_with_an_explanation(advisor, url):
    ContractorFactory(branch=advisor.branch)

    response = browser(advisor).get(url)

    assert response.status_code == 400
    assert "The address holds a NUL character (code 0), which no text may hold." in (response.text)
    assert "Remove it from the address and try again." in response.text


def test_a_status_suggestion_with_a_nul_byte_is_refused(advisor):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor])

    response = browser(advisor).get(reverse("leads:detail", args=[lead.pk]) + "?suggest=a%00b")

    assert response.status_code == 400
    assert "NUL character" in response.text


def test_the_admin_search_for_a_nul_byte_is_refused(administrator):
    url = reverse("admin:clients_leadsource_changelist") + "?q=%00"

    response = browser(administrator).get(url)

    assert response.status_code == 400
    assert "NUL character" in response.text


def test_an_address_that_is_not_utf8_is_refused(advisor):
    response = browser(advisor).get(reverse("clients:contractor_list") + "?q=%C3%28")

    assert response.status_code == 400
    assert "The address holds text that cannot be read: it is not UTF-8." in response.text


def test_a_search_in_utf8_still_finds_what_it_names(advisor):
    ContractorFactory(name="Łódzkie Okna", branch=advisor.branch)

    response = browser(advisor).get(reverse("clients:contractor_list"), {"q": "Łódzkie"})

    assert response.status_code == 200
    assert [contractor.name for contractor in response.context["page"]] == ["Łódzkie Okna"]
    assert Contractor.objects.count() == 1
