"""A phone on a lead is a `tel:` link in one format; once tapped, the page offers "log
this call", whose form comes prefilled: a phone call, outbound, now, to that client."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_with_client(advisor):
    client = ClientFactory(phone="504 976 791", caretaker=advisor, branch=advisor.branch)
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[client])
    return lead, client


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


def test_the_clients_phone_on_the_lead_page_offers_to_log_the_call(advisor, lead_with_client):
    lead, client = lead_with_client
    page = browser(advisor).get(lead.get_absolute_url(), {"tab": "clients"}).content.decode()

    log_call = reverse("leads:conversation_add", args=[lead.pk]) + f"?client={client.pk}"
    assert (
        f'<a href="tel:+48504976791" class="phone-link" data-log-call="{log_call}">'
        "+48 504 976 791</a>"
    ) in page
    assert 'data-log-call-label="Log this call"' in page


def test_an_inquirys_phone_offers_the_form_without_a_client(advisor):
    inquiry = LeadFactory(
        branch=advisor.branch, employees=[advisor], contact_first_name="Ewa",
        contact_phone="+48502999888",
    )  # fmt: skip
    page = browser(advisor).get(inquiry.get_absolute_url()).content.decode()
    log_call = reverse("leads:conversation_add", args=[inquiry.pk])
    assert f'data-log-call="{log_call}">+48 502 999 888</a>' in page


def test_the_form_comes_prefilled_for_the_call_just_made(advisor, lead_with_client):
    lead, client = lead_with_client
    url = reverse("leads:conversation_add", args=[lead.pk])

    form = browser(advisor).get(url, {"client": client.pk}).context["form"]

    assert form["client"].value() == client.pk
    assert (form["kind"].value(), form["direction"].value()) == ("phone", "out")
    assert form["log_done"].value() and form["done_at"].value() is not None


def test_a_client_not_of_the_lead_is_not_chosen(advisor, lead_with_client):
    lead, _client = lead_with_client
    stranger = ClientFactory(caretaker=advisor, branch=advisor.branch)
    url = reverse("leads:conversation_add", args=[lead.pk])

    page = browser(advisor).get(url, {"client": stranger.pk}).content.decode()
    client_select = re.search(r'<select name="client".*?</select>', page, re.S).group()

    assert "selected" not in client_select.replace('value="" selected', "")
    assert browser(advisor).get(url, {"client": "1e9; DROP"}).status_code == 200
