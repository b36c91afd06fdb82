"""The email an employee gets about a lead: sent once, in their language, with the contact
of the inquiry and a link to the lead, and safe whatever the inquiry's sender typed."""

from __future__ import annotations

import pytest

from intake.payload import read_intake_payload
from leads.services.intake import Received, lead_receive
from notifications.models import Notification, NotificationKind
from notifications.services import notification_queue, notification_send
from settings_app.models import CRMSettings, RepeatInquiryScenario
from tests.factories import ClientFactory, LeadFactory, UserFactory, source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.LEJEK_BASE_URL = "https://crm.example.com"


@pytest.fixture
def english_advisor(branch):
    return UserFactory(
        username="anna", first_name="Anna", email="anna@lejek.test", language="en", branch=branch
    )


@pytest.fixture
def lead(branch):
    return LeadFactory(
        name="Zakup mieszkania",
        branch=branch,
        contact_first_name="Jan",
        contact_last_name="Nowak",
        contact_email="jan.nowak@example.pl",
        contact_phone="+48600100200",
        message="Szukam trzech pokoi.\nNajlepiej z balkonem.",
    )


def owe_and_send(*, lead, recipient, kind=NotificationKind.LEAD_ASSIGNED) -> str:
    # Under the test's transaction the on-commit task never runs: we send by hand.
    key = notification_queue(kind=kind, lead=lead, recipient=recipient)
    assert notification_send(key=key) is True
    return key


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_advisor_gets_the_inquiry_contact_and_an_absolute_link_to_the_lead(
    smtp_sink, english_advisor, lead
):
    key = owe_and_send(lead=lead, recipient=english_advisor)

    (delivery,) = smtp_sink.deliveries
    message = delivery.message
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    assert message["To"] == "anna@lejek.test"
    assert message["From"] == "Lejek <lejek@localhost>"
    assert message["Subject"] == "New lead: Jan Nowak"
    assert message["Content-Language"] == "en"
    assert message["Message-ID"] == (
        f"<lead_assigned.{lead.pk}.{english_advisor.pk}@crm.example.com>"
    )
    link = f"https://crm.example.com/leads/{lead.pk}/"
    text = text_of(message)
    assert text.startswith("Hello Anna,\n\nA new lead has been assigned to you: Jan Nowak.\n")
    for line in [
        "First name: Jan",
        "Last name: Nowak",
        "Email: jan.nowak@example.pl",
        "Phone: +48 600 100 200",
        f"Source: {lead.source.name}",
        "Message:\nSzukam trzech pokoi.\nNajlepiej z balkonem.",
        f"Open the lead in Lejek: {link}",
    ]:
        assert line in text
    html = html_of(message)
    assert f'<a href="{link}">Open the lead in Lejek</a>' in html
    assert "Szukam trzech pokoi.<br>Najlepiej z balkonem." in html
    notification = Notification.objects.get(key=key)
    assert notification.sent_at is not None
    assert notification.attempts == 0


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (NotificationKind.LEAD_ASSIGNED, "New lead: Jan Nowak"),
        (NotificationKind.INQUIRY_ADDED, "New inquiry on your lead: Jan Nowak"),
        (NotificationKind.LEAD_LINKED, "Lead linked to your client: Jan Nowak"),
    ],
)
def test_each_kind_of_email_says_what_happened(smtp_sink, english_advisor, lead, kind, subject):
    owe_and_send(lead=lead, recipient=english_advisor, kind=kind)

    (delivery,) = smtp_sink.deliveries
    assert delivery.message["Subject"] == subject
    assert delivery.message["Message-ID"].startswith(f"<{kind}.{lead.pk}.")


def test_an_inquiry_added_to_a_lead_shows_the_new_inquiry_not_the_leads_first_one(
    smtp_sink, english_advisor, lead
):
    crm_settings = CRMSettings.get_solo()
    crm_settings.repeat_inquiry_scenario = RepeatInquiryScenario.ADD_TO_EXISTING
    crm_settings.save()
    client = ClientFactory(
        email="jan.nowak@example.pl", caretaker=english_advisor, branch=english_advisor.branch
    )
    lead.clients.add(client)
    lead.employees.add(english_advisor)
    # Jan writes again, from his work address and a new phone, about something else.
    payload = read_intake_payload(
        {
            "first_name": "Jan",
            "last_name": "Nowak",
            "email": "jan.nowak@example.pl",
            "phone": "511 222 333",
            "message": "Czy lokal M4 na parterze jest jeszcze wolny?",
        }
    )
    receipt = lead_receive(source=source("www"), data=payload.data)
    assert receipt.outcome == Received.APPENDED and receipt.lead == lead

    (notification,) = Notification.objects.filter(kind=NotificationKind.INQUIRY_ADDED)
    assert notification_send(key=notification.key) is True

    (delivery,) = smtp_sink.deliveries
    text, html = text_of(delivery.message), html_of(delivery.message)
    assert delivery.message["Subject"] == "New inquiry on your lead: Jan Nowak"
    assert "The new inquiry:\n" in text
    for part in (text, html):
        assert "Czy lokal M4 na parterze jest jeszcze wolny?" in part
        assert "+48511222333" in part
        assert "Szukam trzech pokoi" not in part  # the lead's first inquiry
        assert "+48600100200" not in part  # the lead's first phone, as stored
        assert "+48 600 100 200" not in part  # or as shown


def test_a_lead_without_a_contact_name_is_named_by_its_own_name(smtp_sink, english_advisor, branch):
    lead = LeadFactory(name="Lokal usługowy", branch=branch, contact_email="firma@example.pl")

    owe_and_send(lead=lead, recipient=english_advisor)

    message = smtp_sink.deliveries[0].message
    assert message["Subject"] == "New lead: Lokal usługowy"
    assert "Phone:" not in text_of(message)  # empty fields are left out
    assert "Message:" not in text_of(message)


def test_each_employee_reads_the_email_in_their_own_language(
    smtp_sink, english_advisor, teammate, lead
):
    assert teammate.language == "pl"

    owe_and_send(lead=lead, recipient=english_advisor)
    owe_and_send(lead=lead, recipient=teammate)

    english, polish = (delivery.message for delivery in smtp_sink.deliveries)
    assert english["Content-Language"] == "en"
    assert english["Subject"] == "New lead: Jan Nowak"
    assert "Phone: +48 600 100 200" in text_of(english)
    assert polish["Content-Language"] == "pl"
    assert polish["Subject"] == "Nowy lead: Jan Nowak"
    assert text_of(polish).startswith(
        f"Dzień dobry, {teammate.first_name},\n\nPrzydzielono Ci nowego leada: Jan Nowak.\n"
    )
    assert "Telefon: +48 600 100 200" in text_of(polish)
    assert f"Źródło: {lead.source.name}" in text_of(polish)
    assert "Wiadomość:" in text_of(polish)
    assert f"Otwórz leada w Lejku: https://crm.example.com/leads/{lead.pk}/" in text_of(polish)
    assert "Telefon</th>" in html_of(polish)
    assert '<html lang="pl">' in html_of(polish)


def test_a_line_break_in_the_contact_name_cannot_add_a_recipient(
    smtp_sink, english_advisor, branch
):
    lead = LeadFactory(
        branch=branch, contact_first_name="Jan\r\nBcc: evil@example.com", contact_last_name="Nowak"
    )

    owe_and_send(lead=lead, recipient=english_advisor)

    (delivery,) = smtp_sink.deliveries
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    assert delivery.message["Subject"] == "New lead: Jan Bcc: evil@example.com Nowak"
    assert delivery.message["Bcc"] is None
    headers = delivery.message.as_bytes().split(b"\n\n", 1)[0].lower()
    assert b"\nbcc:" not in headers
    assert b"evil@example.com" not in headers.replace(
        b"subject: new lead: jan bcc: evil@example.com nowak", b""
    )


def test_html_typed_into_the_inquiry_is_shown_as_text_in_the_html_part(
    smtp_sink, english_advisor, branch
):
    lead = LeadFactory(
        branch=branch,
        contact_first_name="<b>Jan</b>",
        message='<script>alert("x")</script><a href="https://evil.example">klik</a>',
    )

    owe_and_send(lead=lead, recipient=english_advisor)

    message = smtp_sink.deliveries[0].message
    html = html_of(message)
    assert "<script>" not in html and "<b>" not in html and 'evil.example">' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Jan&lt;/b&gt;" in html
    # The plain-text part is not HTML: it shows what was typed, unescaped.
    assert '<script>alert("x")</script>' in text_of(message)
    assert "assigned to you: <b>Jan</b>." in text_of(message)


def test_an_email_is_sent_once_however_often_it_is_asked_for(smtp_sink, english_advisor, lead):
    key = owe_and_send(lead=lead, recipient=english_advisor)

    assert (
        notification_queue(
            kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=english_advisor
        )
        == key
    )
    assert notification_send(key=key) is False
    assert notification_send(key="lead_assigned:0:0") is False

    assert len(smtp_sink.deliveries) == 1
    assert Notification.objects.count() == 1


def test_a_mail_server_error_is_counted_on_the_row_and_raised_for_a_retry(
    smtp_sink, english_advisor, lead
):
    smtp_sink.stop()
    key = notification_queue(
        kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=english_advisor
    )

    for attempt in (1, 2):
        with pytest.raises(ConnectionRefusedError):
            notification_send(key=key)
        notification = Notification.objects.get(key=key)
        assert notification.attempts == attempt
        assert notification.last_error.startswith("ConnectionRefusedError: ")
        assert notification.sent_at is None

    smtp_sink.start()
    assert notification_send(key=key) is True
    assert len(smtp_sink.deliveries) == 1


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"email": ""}], ids=["inactive", "no-email"]
)
def test_an_employee_who_left_or_has_no_address_gets_no_email(
    smtp_sink, english_advisor, lead, change
):
    for field, value in change.items():
        setattr(english_advisor, field, value)
    english_advisor.save()
    key = notification_queue(
        kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=english_advisor
    )

    assert notification_send(key=key) is False

    assert smtp_sink.deliveries == []
    notification = Notification.objects.get(key=key)
    assert notification.sent_at is None
    assert notification.last_error


def test_the_message_id_is_a_valid_header_whatever_the_key_holds(smtp_sink, english_advisor, lead):
    key = notification_queue(
        kind=NotificationKind.INQUIRY_ADDED,
        lead=lead,
        recipient=english_advisor,
        about="inquiry <42>@\r\nx",
    )

    notification_send(key=key)

    assert smtp_sink.deliveries[0].message["Message-ID"] == (
        f"<inquiry_added.{lead.pk}.{english_advisor.pk}.inquiry.42.x@crm.example.com>"
    )
