"""The administrator's channels page: each account's state, last success and errors of
the last day, the leads per day per channel, "fetch now" and "replay"; /healthz/ names a
channel gone quiet as degraded without failing the web process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from intake.models import ChannelAccount, ChannelKind, Outcome, RawMessage
from intake.services.raw import raw_store
from tests.factories import LeadFactory, source

pytestmark = pytest.mark.django_db


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


@pytest.fixture
def mailbox() -> ChannelAccount:
    return ChannelAccount.objects.create(
        name="Biuro sprzedaży",
        kind=ChannelKind.MAILBOX,
        source=source("www"),
        host="127.0.0.1",
        port=9,
        use_tls=False,
        username="sales",
        last_success_at=timezone.now(),
    )


@pytest.fixture
def quiet_bot() -> ChannelAccount:
    account = ChannelAccount.objects.create(
        name="Bot Telegram", kind=ChannelKind.TELEGRAM, source=source("www")
    )
    ChannelAccount.objects.filter(pk=account.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    return account


def test_the_administrator_sees_each_channel_its_errors_and_its_leads_per_day(
    administrator, mailbox, quiet_bot
):
    lead = LeadFactory()
    made, _new = raw_store(account=mailbox, external_id="<a@x>", body=b"a")
    RawMessage.objects.filter(pk=made.pk).update(outcome=Outcome.CREATED, lead=lead)
    broken, _new = raw_store(account=mailbox, external_id="<b@x>", body=b"b")
    RawMessage.objects.filter(pk=broken.pk).update(outcome=Outcome.ERROR, reason="Nieczytelny")

    response = browser(administrator).get(reverse("channels:index"))

    assert response.status_code == 200
    rows = {row.account.name: row for row in response.context["rows"]}
    assert rows["Biuro sprzedaży"].state == "ok"
    assert (rows["Biuro sprzedaży"].arrived_last_day, rows["Biuro sprzedaży"].errors_last_day) == (
        2,
        1,
    )
    assert rows["Bot Telegram"].state == "degraded"
    page = response.content.decode()
    assert "1 error" in page and f'id="fetch-now-{mailbox.pk}"' in page
    assert f'id="fetch-now-{quiet_bot.pk}"' not in page
    assert dict(response.context["table_series"])["Mailboxes"][-1] == 1


def test_an_empty_channels_page_says_how_to_start(administrator):
    response = browser(administrator).get(reverse("channels:index"))
    assert 'id="channels-empty"' in response.content.decode()
    assert 'id="channels-leads-empty"' in response.content.decode()


def test_advisors_and_managers_cannot_open_the_channels_page(advisor, manager, mailbox):
    for user in (advisor, manager):
        http = browser(user)
        assert http.get(reverse("channels:index")).status_code == 403
        assert http.post(reverse("channels:fetch_now", args=[mailbox.pk])).status_code == 403
        assert http.post(reverse("channels:replay_errors", args=[mailbox.pk])).status_code == 403


def test_replay_processes_the_last_days_errors_again(administrator, mailbox):
    broken, _new = raw_store(
        account=mailbox,
        external_id="<c@x>",
        body=b"From: Ala <ala@example.pl>\r\nSubject: Pytanie\r\n\r\nProsze o oferte.\r\n",
    )
    RawMessage.objects.filter(pk=broken.pk).update(outcome=Outcome.ERROR, reason="Parser")

    response = browser(administrator).post(
        reverse("channels:replay_errors", args=[mailbox.pk]), follow=True
    )

    broken.refresh_from_db()
    assert broken.outcome == Outcome.CREATED and broken.lead.contact_email == "ala@example.pl"
    assert "1 no longer an error" in response.content.decode()


def test_healthz_names_a_quiet_channel_as_degraded_and_stays_up(client, mailbox, quiet_bot):
    response = client.get(reverse("healthz"))

    body = response.json()
    assert body["channels"] == "degraded"
    assert body["channels_details"] == ["Bot Telegram"]
    assert response.status_code == 200


def test_healthz_reports_a_failing_mailbox(client, mailbox, quiet_bot):
    quiet_bot.active = False
    quiet_bot.save()
    assert client.get(reverse("healthz")).json()["channels"] == "ok"
    ChannelAccount.objects.filter(pk=mailbox.pk).update(
        last_error_at=timezone.now(), last_error="Login failed"
    )
    assert client.get(reverse("healthz")).json()["channels_details"] == ["Biuro sprzedaży"]
