"""Names and titles are stored as they show: a bidirectional override, a zero-width
character or a control character typed (or pasted) into a client's, contractor's,
lead's or investment's name is removed, as it already was from file names. One cleaner
(`strip_invisible`) serves them all."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client, Contractor
from crm.core.normalization import strip_invisible
from investments.models import Investment
from leads.models import Lead
from leads.uploads import filename_sanitize
from tests.factories import source

pytestmark = pytest.mark.django_db

# Right-to-left override, isolate and its end; zero-width space and joiner, byte order
# mark, word joiner.
RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
ZWSP, ZWJ, BOM, WJ = "\u200b", "\u200d", "\ufeff", "\u2060"


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"Anna{RLO}kswe", "Annakswe"),
        (f"{LRI}Kowalska{PDI}", "Kowalska"),
        (f"Ko{ZWSP}wal{ZWJ}ska{BOM}{WJ}", "Kowalska"),
        ("Ko\x00wal\x07ska\x1b", "Kowalska"),
        ("Jan\tMaria\nKowalski", "Jan Maria Kowalski"),
        ("  Zofia   Nowak  ", "Zofia Nowak"),
        ("Zo\u0301sia", "Zósia"),  # composed: the accent is part of the letter
        ("Łucja Żółć-Ęba 🏠", "Łucja Żółć-Ęba 🏠"),
        (f"{RLO}{ZWSP}", ""),
    ],
)
def test_invisible_characters_are_removed_and_what_shows_is_kept(typed, stored):
    assert strip_invisible(typed) == stored


def test_file_names_use_the_same_cleaner():
    assert filename_sanitize(f"umowa{RLO}fdp.exe") == "umowafdp.exe"
    assert filename_sanitize(f"C:\\skany\\ska{ZWSP}n\t1.pdf") == "skan 1.pdf"


def test_a_client_added_with_an_override_and_a_zero_width_space_is_stored_clean(advisor):
    data = {
        "kind": "person",
        "first_name": f"Anna{RLO}",
        "last_name": f"Kowal{ZWSP}ska",
        "company_name": "",
        "phone": "600 100 200",
        "source": source("www").pk,
    }

    response = browser(advisor).post(reverse("clients:create"), data)

    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.first_name, client.last_name) == ("Anna", "Kowalska")
    assert client.last_name_folded == "kowalska"
    found = browser(advisor).get(reverse("clients:list"), {"q": "Kowalska"})
    assert [row.pk for row in found.context["page"]] == [client.pk]


def test_a_client_name_of_invisible_characters_only_is_no_name(advisor):
    data = {
        "kind": "company",
        "company_name": f"{RLO}{ZWSP}",
        "phone": "600 100 200",
        "source": source("www").pk,
    }

    response = browser(advisor).post(reverse("clients:create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Client.objects.exists()


def test_a_contractor_name_is_stored_clean(advisor):
    data = {"name": f"Okna{RLO} sp. z o.o.{BOM}", "nip": "", "email": "", "phone": ""}

    response = browser(advisor).post(reverse("clients:contractor_create"), data)

    assert response.status_code == 302
    assert Contractor.objects.get().name == "Okna sp. z o.o."


def test_a_lead_name_typed_with_an_override_is_stored_clean(advisor):
    data = {
        "name": f"Zakup{RLO} mieszkania{ZWJ}",
        "source": source("recznie").pk,
        "employees": [advisor.pk],
    }

    response = browser(advisor).post(reverse("leads:create"), data)

    assert response.status_code == 302
    assert Lead.objects.get().name == "Zakup mieszkania"


def test_an_investment_named_in_the_admin_is_stored_clean(administrator):
    data = {
        "name": f"Osiedle{ZWSP} Akacjowe{RLO}",
        "code": "akacjowe",
        "city": "Poznań",
        "active": "on",
        "units-TOTAL_FORMS": "0",
        "units-INITIAL_FORMS": "0",
    }

    response = browser(administrator).post(reverse("admin:investments_investment_add"), data)

    assert response.status_code == 302
    assert Investment.objects.get().name == "Osiedle Akacjowe"
