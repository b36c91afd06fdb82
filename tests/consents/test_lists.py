"""The lead and client lists filter by consent ("may be called for marketing"), and their
Excel exports carry a yes/no column per marketing consent without a query per row."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from consents.models import MARKETING_KINDS, Action, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record, consents_withdraw
from leads.models import Lead
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clauses():
    return clauses_offered(controller_default())


def give(person, kind, clauses):
    return consent_record(
        person=person, kind=kind, action=Action.GIVEN, clause=clauses[kind],
        source=Source.PUBLIC_FORM,
    )  # fmt: skip


@pytest.fixture
def people(advisor, clauses):
    """Four leads of the advisor: a client who may be called, a client who may only be
    emailed, an inquiry (no client) whose contact may be called, and one who withdrew."""
    callable_client = ClientFactory(last_name="Dzwoń", branch=advisor.branch)
    give(Person(client=callable_client), Kind.MARKETING_PHONE, clauses)
    emailable = ClientFactory(last_name="Pisz", branch=advisor.branch)
    give(Person(client=emailable), Kind.MARKETING_EMAIL, clauses)
    withdrew = ClientFactory(last_name="Wycofał", branch=advisor.branch)
    give(Person(client=withdrew), Kind.MARKETING_PHONE, clauses)
    consents_withdraw(person=Person(client=withdrew), kinds=[Kind.MARKETING_PHONE], user=advisor)
    leads = {
        "client may be called": LeadFactory(
            name="Zadzwoń", branch=advisor.branch, employees=[advisor], clients=[callable_client]
        ),
        "client may be emailed": LeadFactory(
            name="Napisz", branch=advisor.branch, employees=[advisor], clients=[emailable]
        ),
        "contact may be called": LeadFactory(
            name="Zapytanie", branch=advisor.branch, employees=[advisor]
        ),
        "withdrawn": LeadFactory(
            name="Wycofane", branch=advisor.branch, employees=[advisor], clients=[withdrew]
        ),
    }
    give(Person(lead=leads["contact may be called"]), Kind.MARKETING_PHONE, clauses)
    return leads


def lead_names(response) -> set[str]:
    return {row.record.name for row in response.context["table"].paginated_rows}


def test_the_lead_list_filters_those_who_may_be_called_for_marketing(web, people):
    response = web.get(reverse("leads:list"), {"consent": Kind.MARKETING_PHONE})
    assert lead_names(response) == {"Zadzwoń", "Zapytanie"}
    assert "May be called for marketing" in response.text


def test_the_lead_list_filters_those_who_may_be_emailed(web, people):
    response = web.get(reverse("leads:list"), {"consent": Kind.MARKETING_EMAIL})
    assert lead_names(response) == {"Napisz"}


def test_an_inquirys_consent_moved_to_its_client_still_counts(web, people, advisor, clauses):
    # The client's consent counts for each of its leads, an old one included.
    client = people["client may be called"].clients.get()
    LeadFactory(name="Druga sprawa", branch=advisor.branch, employees=[advisor], clients=[client])
    response = web.get(reverse("leads:list"), {"consent": Kind.MARKETING_PHONE})
    assert lead_names(response) == {"Zadzwoń", "Zapytanie", "Druga sprawa"}


@pytest.mark.parametrize("value", ["marketing:fax", "' OR 1=1 --", "\x00", "a" * 5000])
def test_a_hostile_consent_filter_is_refused_not_an_error(web, people, value):
    response = web.get(reverse("leads:list"), {"consent": value})
    assert response.status_code in (200, 400)
    clients = web.get(reverse("clients:list"), {"consent": value})
    assert clients.status_code in (200, 400)


def test_the_client_list_filters_by_consent(web, people):
    response = web.get(reverse("clients:list"), {"consent": Kind.MARKETING_PHONE})
    assert {client.last_name for client in response.context["page"].object_list} == {"Dzwoń"}


def test_the_consent_filter_costs_the_list_no_query_of_its_own(web, people):
    # The filter is a condition of the list's own queries, like any other filter.
    counts = []
    for query in ({"repeat": "false"}, {"consent": Kind.MARKETING_PHONE}):
        with CaptureQueriesContext(connection) as queries:
            assert web.get(reverse("leads:list"), query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def sheet_of(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def consent_columns(sheet, key_column: int) -> dict[str, dict[str, str]]:
    headers = [cell.value for cell in sheet[1]]
    labels = [str(Kind(kind).label) for kind in MARKETING_KINDS]
    start = headers.index(labels[0])
    assert headers[start : start + len(labels)] == labels
    return {
        row[key_column].value: {label: row[start + n].value for n, label in enumerate(labels)}
        for row in sheet.iter_rows(min_row=2)
    }


def test_the_lead_export_has_a_yes_no_column_per_marketing_consent(client, manager, people):
    client.force_login(manager)
    sheet = sheet_of(client.post(reverse("leads:export"), HTTP_ACCEPT_LANGUAGE="en"))
    columns = consent_columns(sheet, key_column=0)
    assert columns["Zadzwoń"]["Marketing by phone call"] == "Yes"
    assert columns["Zadzwoń"]["Marketing by email"] == "No"
    assert columns["Napisz"]["Marketing by email"] == "Yes"
    assert columns["Zapytanie"]["Marketing by phone call"] == "Yes"
    assert columns["Wycofane"]["Marketing by phone call"] == "No"


def test_the_lead_export_reads_the_consents_in_one_query(
    client, manager, advisor, people, clauses, django_assert_num_queries
):
    client.force_login(manager)
    with django_assert_num_queries(12) as few:
        client.post(reverse("leads:export"))
    for n in range(5):
        other = ClientFactory(branch=advisor.branch)
        give(Person(client=other), Kind.MARKETING_SMS, clauses)
        LeadFactory(name=f"Więcej {n}", branch=advisor.branch, employees=[advisor], clients=[other])
    with django_assert_num_queries(len(few.captured_queries)):
        client.post(reverse("leads:export"))
    assert Lead.objects.count() == 9


def test_the_client_export_has_a_yes_no_column_per_marketing_consent(client, manager, people):
    client.force_login(manager)
    sheet = sheet_of(client.post(reverse("clients:export"), HTTP_ACCEPT_LANGUAGE="en"))
    columns = consent_columns(sheet, key_column=1)
    assert columns["Dzwoń"]["Marketing by phone call"] == "Yes"
    assert columns["Pisz"]["Marketing by phone call"] == "No"
    assert columns["Pisz"]["Marketing by email"] == "Yes"
    assert columns["Wycofał"]["Marketing by phone call"] == "No"
