"""The administrator's side of the channels in Django admin: a mailbox is added with its
password (stored encrypted, never shown again), read at once with "Fetch now", its raw
log filtered and read, and an entry replayed after a fix without a second lead. Nobody
else sees any of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from intake.models import ChannelAccount, ChannelKind, JunkSender, Outcome, RawMessage
from intake.services.raw import raw_process, raw_store
from leads.models import AssignmentRule, Lead
from tests.factories import source

pytestmark = pytest.mark.django_db

CUSTOMER = (
    b"From: Ala Nowak <ala@example.pl>\r\nSubject: Mieszkanie\r\n"
    b"Message-ID: <ala-1@example.pl>\r\n\r\nProsze o oferte, tel. 601 202 303.\r\n"
)


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


@pytest.fixture
def routed(advisor):
    rule = AssignmentRule.objects.create(name="Wszyscy")
    rule.pool.set([advisor])


def test_the_administrator_adds_a_mailbox_whose_password_is_never_shown_again(
    administrator, imap_server, routed, django_capture_on_commit_callbacks
):
    http = browser(administrator)
    response = http.post(
        reverse("admin:intake_channelaccount_add"),
        {
            "name": "Biuro",
            "kind": ChannelKind.MAILBOX,
            "active": "on",
            "source": source("www").pk,
            "host": imap_server.host,
            "port": imap_server.port,
            "username": "sales",
            "secret": "secret",
            "folders": "INBOX",
            "after_read": "seen",
            "backfill_days": 0,
            "health_limit_minutes": 15,
            "mailbox_folders-TOTAL_FORMS": 0,
            "mailbox_folders-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = ChannelAccount.objects.get(name="Biuro")
    assert account.secret == "secret" and "secret" not in account.secret_encrypted
    page = http.get(reverse("admin:intake_channelaccount_change", args=[account.pk]))
    secret_input = re.search(rb'<input[^>]*name="secret"[^>]*>', page.content).group()
    assert b"value=" not in secret_input
    assert account.secret_encrypted.encode() not in page.content

    # The first poll marks the starting point; what arrives next is read by "Fetch now".
    fetch = {"action": "fetch_now", "_selected_action": [account.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        http.post(reverse("admin:intake_channelaccount_changelist"), fetch)
    imap_server.append(CUSTOMER)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(reverse("admin:intake_channelaccount_changelist"), fetch, follow=True)

    assert "1 mailbox will be read in a moment." in response.content.decode()
    assert Lead.objects.get().contact_email == "ala@example.pl"


def test_the_raw_log_is_filtered_and_read_and_replay_makes_no_second_lead(administrator, routed):
    account = ChannelAccount.objects.create(
        name="Biuro", kind=ChannelKind.MAILBOX, source=source("www")
    )
    JunkSender.objects.create(pattern="@example.pl")
    raw, _new = raw_store(
        account=account,
        external_id="<ala-1@example.pl>",
        body=CUSTOMER,
        sender="Ala Nowak <ala@example.pl>",
    )
    raw_process(raw.pk)
    raw.refresh_from_db()
    assert raw.outcome == Outcome.JUNK and not Lead.objects.exists()
    http = browser(administrator)

    junk = http.get(reverse("admin:intake_rawmessage_changelist"), {"outcome__exact": "junk"})
    assert "ala@example.pl" in junk.content.decode()
    detail = http.get(reverse("admin:intake_rawmessage_change", args=[raw.pk]))
    assert "Prosze o oferte" in detail.content.decode()

    # The sender was no spammer: the administrator removes the rule and replays, twice.
    JunkSender.objects.all().delete()
    replay = {"action": "replay", "_selected_action": [raw.pk]}
    for _round in range(2):
        response = http.post(reverse("admin:intake_rawmessage_changelist"), replay, follow=True)
        assert "Replayed 1 entry" in response.content.decode()
    raw.refresh_from_db()
    assert raw.outcome == Outcome.CREATED
    assert Lead.objects.get().pk == raw.lead_id


def test_nobody_but_administrators_reads_the_raw_log_or_the_accounts(advisor, manager):
    account = ChannelAccount.objects.create(
        name="Biuro", kind=ChannelKind.MAILBOX, source=source("www")
    )
    raw, _new = raw_store(account=account, external_id="<x>", body=CUSTOMER)
    for user in (advisor, manager):
        http = browser(user)
        for url in (
            reverse("admin:intake_rawmessage_changelist"),
            reverse("admin:intake_rawmessage_change", args=[raw.pk]),
            reverse("admin:intake_channelaccount_change", args=[account.pk]),
        ):
            response = http.get(url)
            assert response.status_code in (302, 403), (user, url)
            assert b"ala@example.pl" not in response.content
    assert RawMessage.objects.count() == 1
