"""Channels' story, end to end in Chromium: the administrator connects the sales office's
mailbox (a real Dovecot) and teaches the Otodom parser a label of its own, and maps an
Otodom listing to an investment. Three emails arrive: an Otodom notification, a customer's
reply to an earlier lead's email and a newsletter. After "Fetch now" the lead list shows
one new lead from Otodom with the listing's investment, the reply is on the earlier lead's
conversations, and the newsletter is only in the raw log, as junk. Then Facebook posts a
lead ad's webhook (the Graph API a real local server): the lead appears with its campaign
and form."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from intake.models import ChannelAccount, ChannelKind, Listing
from intake.secrets import secret_encrypt
from leads.models import AssignmentRule, Lead
from tests.factories import InvestmentFactory, source
from tests.intake.graph_api import (
    APP_SECRET,
    FORM_ID,
    PAGE_ID,
    PAGE_TOKEN,
    VERSION,
    GraphAPI,
    leadgen,
    meta_lead,
    sign,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

EARLIER = (
    "From: Marek Zawadzki <marek.zawadzki@example.pl>\r\n"
    "To: sprzedaz@dewelo.example\r\n"
    "Subject: Mieszkanie z ogrodem\r\n"
    "Message-ID: <pytanie-marka@example.pl>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dzień dobry, szukam mieszkania z ogródkiem. Marek Zawadzki, 602 111 222\r\n"
).encode()
REPLY = (
    "From: Marek Zawadzki <marek.zawadzki@example.pl>\r\n"
    "To: sprzedaz@dewelo.example\r\n"
    "Subject: Re: Mieszkanie z ogrodem\r\n"
    "Message-ID: <odpowiedz-marka@example.pl>\r\n"
    "In-Reply-To: <oferta-dla-marka@dewelo.example>\r\n"
    "References: <pytanie-marka@example.pl> <oferta-dla-marka@dewelo.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dziękuję za ofertę, pasuje mi sobota o 11.\r\n\r\n"
    "> Zapraszamy na prezentację w sobotę.\r\n"
).encode()
OTODOM = (
    "From: Otodom <no-reply@otodom.pl>\r\n"
    "Reply-To: Katarzyna Nowak <katarzyna.nowak@example.pl>\r\n"
    "To: sprzedaz@dewelo.example\r\n"
    "Subject: Nowe zapytanie o ogłoszenie: Mieszkanie 3-pokojowe\r\n"
    "Message-ID: <20261207-otodom-1@mailer.otodom.pl>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Ktoś jest zainteresowany Twoim ogłoszeniem.\r\n\r\n"
    "Imię i nazwisko: Katarzyna Nowak\r\n"
    "E-mail: katarzyna.nowak@example.pl\r\n"
    "Komórka klienta: 600 123 456\r\n"
    "Wiadomość: Czy mieszkanie jest nadal dostępne?\r\n\r\n"
    "Zobacz ogłoszenie: https://www.otodom.pl/pl/oferta/mieszkanie-3-pokojowe-ID4pQx1\r\n"
).encode()
NEWSLETTER = (
    "From: Portal Nieruchomości <newsletter@portal.example>\r\n"
    "To: sprzedaz@dewelo.example\r\n"
    "Subject: Nowości na rynku mieszkań\r\n"
    "Message-ID: <news-7@portal.example>\r\n"
    "List-Unsubscribe: <https://portal.example/wypisz>\r\n"
    "Precedence: bulk\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Najnowsze ceny mieszkań w Poznaniu.\r\n"
).encode()


def fetch_now(page, live_server, account: ChannelAccount) -> None:
    page.goto(f"{live_server.url}/channels/")
    page.locator(f"#fetch-now-{account.pk}").click()
    expect(page.locator(".messages, .message").first).to_contain_text(account.name)


def test_the_mailbox_and_a_lead_ad_bring_leads_by_themselves(
    page, live_server, logged_in_page, imap_server, administrator, advisor, settings
):
    rule = AssignmentRule.objects.create(name="Wszyscy")
    rule.pool.add(advisor)
    zielone = InvestmentFactory(name="Osiedle Zielone")
    logged_in_page(administrator)

    # The administrator connects the mailbox in the admin.
    page.goto(f"{live_server.url}/admin/intake/channelaccount/add/")
    page.fill("#id_name", "Biuro sprzedaży")
    page.select_option("#id_kind", ChannelKind.MAILBOX)
    page.select_option("#id_source", str(source("www").pk))
    page.fill("#id_host", imap_server.host)
    page.fill("#id_port", str(imap_server.port))
    page.uncheck("#id_use_tls")
    page.fill("#id_username", "sales")
    page.fill("#id_secret", "secret")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    mailbox = ChannelAccount.objects.get(name="Biuro sprzedaży")
    assert mailbox.secret == "secret"

    # Otodom's notification names the phone its own way: a rule for it; and the listing
    # is mapped to its investment.
    page.goto(f"{live_server.url}/admin/intake/portalparser/")
    page.get_by_role("link", name="Otodom").click()
    rules = page.locator("#id_rules")
    rules.fill(rules.input_value() + "\nKomórka klienta: phone")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    page.goto(f"{live_server.url}/admin/intake/listing/add/")
    page.select_option("#id_account", str(mailbox.pk))
    page.fill("#id_key", "4pQx1")
    page.fill("#id_name", "Otodom: 3 pokoje, Jeżyce")
    page.select_option("#id_investment", str(zielone.pk))
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()

    # The first poll starts from now; Marek's first email makes his lead.
    fetch_now(page, live_server, mailbox)
    imap_server.append(EARLIER)
    fetch_now(page, live_server, mailbox)
    earlier = Lead.objects.get(contact_email="marek.zawadzki@example.pl")

    for email in (OTODOM, REPLY, NEWSLETTER):
        imap_server.append(email)
    fetch_now(page, live_server, mailbox)
    expect(page.locator(f"#channel-{mailbox.pk} .tag--success")).to_be_visible()

    page.goto(f"{live_server.url}/leads/?outcome=new")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table tbody")).not_to_contain_text("Portal Nieruchomości")
    expect(page.locator("table tbody")).to_contain_text("Otodom")
    katarzyna = Lead.objects.get(contact_email="katarzyna.nowak@example.pl")
    page.locator(f"table tbody a[href='{katarzyna.get_absolute_url()}']").first.click()
    inquiry = page.locator("#lead-inquiry")
    expect(inquiry).to_contain_text("+48 600 123 456")
    expect(page.locator("#inquiry-attribution")).to_contain_text("Otodom")
    expect(page.locator("#inquiry-attribution")).to_contain_text("Otodom: 3 pokoje, Jeżyce")
    expect(page.locator("body")).to_contain_text("Osiedle Zielone")

    page.goto(f"{live_server.url}{earlier.get_absolute_url()}?tab=conversations")
    expect(page.locator("body")).to_contain_text("pasuje mi sobota o 11")
    expect(page.locator("body")).not_to_contain_text("Zapraszamy na prezentację")

    page.goto(f"{live_server.url}/admin/intake/rawmessage/?outcome__exact=junk")
    expect(page.locator("#result_list")).to_contain_text("newsletter@portal.example")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    # Facebook: a lead ad's webhook, the lead fetched from the Graph API.
    with GraphAPI() as graph:
        settings.LEJEK_GRAPH_API_URL = graph.url
        settings.LEJEK_GRAPH_API_VERSION = VERSION
        facebook = ChannelAccount.objects.create(
            name="Facebook",
            kind=ChannelKind.META,
            source=source("www"),
            external_id=PAGE_ID,
            secret_encrypted=secret_encrypt(APP_SECRET),
            token_encrypted=secret_encrypt(PAGE_TOKEN),
            created_at=timezone.now() - timedelta(days=1),
        )
        Listing.objects.create(
            account=facebook, key=FORM_ID, name="Wiosna — Osiedle Zielone", investment=zielone
        )
        graph.leads["5551"] = meta_lead("5551")
        body = leadgen("5551")
        request = urllib.request.Request(
            f"{live_server.url}/hooks/meta/{facebook.pk}/",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200

    lead = Lead.objects.get(contact_email="ewa.kowalczyk@example.pl")
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    attribution = page.locator("#inquiry-attribution")
    expect(attribution).to_contain_text("Zielone — wiosna")
    expect(attribution).to_contain_text("Wiosna — Osiedle Zielone")
    expect(attribution).to_contain_text("Karuzela M3")
