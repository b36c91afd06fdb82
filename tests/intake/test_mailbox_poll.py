"""The sales office's mailbox, read by Lejek over IMAP from a real Dovecot: a new account
starts from the moment it is added (or reads the last days once), each new email is
logged and becomes a lead, the message is marked read (or moved) only after that, a
second poll reads nothing twice, and what cannot be read is logged while the poll goes on."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from intake.models import AfterRead, ChannelAccount, ChannelKind, MailboxFolder, Outcome, RawMessage
from intake.secrets import secret_encrypt
from intake.services.mailbox import mailbox_poll
from leads.models import AssignmentRule, Lead
from tests.factories import source

pytestmark = pytest.mark.django_db


def email(
    number: int, *, sender: str = "Jan Kowalski <jan{n}@example.pl>", extra: str = ""
) -> bytes:
    return (
        f"From: {sender.format(n=number)}\r\n"
        "To: biuro@dewelo.example\r\n"
        f"Subject: Pytanie o mieszkanie {number}\r\n"
        f"Message-ID: <pytanie-{number}@example.pl>\r\n"
        "Date: Mon, 07 Dec 2026 10:00:00 +0100\r\n"
        f"{extra}"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Dzień dobry, proszę o ofertę mieszkania {number}. Mój telefon 600 100 {number:03}.\r\n"
    ).encode()


@pytest.fixture
def mailbox(imap_server, advisor) -> ChannelAccount:
    rule = AssignmentRule.objects.create(name="Biuro")
    rule.pool.set([advisor])
    return ChannelAccount.objects.create(
        name="Biuro sprzedaży",
        kind=ChannelKind.MAILBOX,
        source=source("www"),
        host=imap_server.host,
        port=imap_server.port,
        use_tls=False,
        username="sales",
        secret_encrypted=secret_encrypt("secret"),
    )


def unseen(imap_server, folder: str = "INBOX") -> list[int]:
    with imap_server.client() as imap:
        imap.select_folder(folder, readonly=True)
        return imap.search(["UNSEEN"])


def test_a_new_mailbox_starts_from_now_and_then_reads_each_new_email_once(imap_server, mailbox):
    imap_server.append(email(1))  # was there before the account was added

    first = mailbox_poll(mailbox)
    assert (first.read, first.failure) == (0, "")
    assert not RawMessage.objects.exists()

    imap_server.append(email(2))
    imap_server.append(email(3))
    second = mailbox_poll(mailbox)

    assert second.read == 2
    leads = Lead.objects.order_by("id")
    assert [lead.contact_email for lead in leads] == ["jan2@example.pl", "jan3@example.pl"]
    assert [lead.source.slug for lead in leads] == ["www", "www"]
    raws = RawMessage.objects.order_by("id")
    assert [(raw.outcome, raw.lead_id) for raw in raws] == [
        (Outcome.CREATED, leads[0].pk),
        (Outcome.CREATED, leads[1].pk),
    ]
    # Byte for byte, with where it was read from.
    assert bytes(raws[0].body) == email(2)
    assert raws[0].sender == "Jan Kowalski <jan2@example.pl>"
    assert raws[0].subject == "Pytanie o mieszkanie 2"
    assert raws[0].location.startswith("INBOX ")
    # Marked read only once processed; the message from before stays unread.
    assert len(unseen(imap_server)) == 1
    mailbox.refresh_from_db()
    assert mailbox.last_success_at is not None and mailbox.poll_lease_until is None

    third = mailbox_poll(mailbox)
    assert third.read == 0 and Lead.objects.count() == 2


def test_the_last_days_are_read_once_when_the_account_asks_for_it(imap_server, mailbox):
    now = datetime.now()
    imap_server.append(email(1), msg_time=now - timedelta(days=10))
    imap_server.append(email(2), msg_time=now - timedelta(days=2))
    imap_server.append(email(3), msg_time=now - timedelta(hours=1))
    mailbox.backfill_days = 3
    mailbox.save()

    assert mailbox_poll(mailbox).read == 2
    assert set(Lead.objects.values_list("contact_email", flat=True)) == {
        "jan2@example.pl",
        "jan3@example.pl",
    }
    assert mailbox_poll(mailbox).read == 0


def test_a_poll_stopped_before_it_recorded_its_place_doubles_nothing(imap_server, mailbox):
    mailbox_poll(mailbox)
    for number in (1, 2, 3):
        imap_server.append(email(number))
    mailbox_poll(mailbox)
    # What a worker killed after the leads' commit but before recording the last UID and
    # the flags leaves behind.
    MailboxFolder.objects.update(last_uid=0)
    with imap_server.client() as imap:
        imap.select_folder("INBOX")
        imap.remove_flags(imap.search(["ALL"]), [b"\\Seen"])

    again = mailbox_poll(mailbox)

    assert again.read == 3
    assert Lead.objects.count() == 3 and RawMessage.objects.count() == 3
    assert unseen(imap_server) == []


def test_read_emails_can_be_moved_to_a_folder_instead(imap_server, mailbox):
    mailbox.after_read = AfterRead.MOVE
    mailbox.move_to = "Lejek"
    mailbox.save()
    imap_server.append(b"Subject: x\r\n\r\nx", folder="Lejek")  # the folder exists
    mailbox_poll(mailbox)
    imap_server.append(email(1))

    mailbox_poll(mailbox)

    with imap_server.client() as imap:
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
        assert imap.select_folder("Lejek")[b"EXISTS"] == 2
    assert Lead.objects.get().contact_email == "jan1@example.pl"


def test_an_email_too_large_is_logged_as_an_error_and_the_poll_goes_on(
    imap_server, mailbox, settings
):
    settings.LEJEK_INTAKE_MAX_EMAIL_BYTES = 2000
    mailbox_poll(mailbox)
    imap_server.append(email(1, extra="X-Padding: " + "a" * 3000 + "\r\n"))
    imap_server.append(email(2))

    result = mailbox_poll(mailbox)

    assert (result.read, result.errors) == (2, 1)
    large = RawMessage.objects.get(external_id="<pytanie-1@example.pl>")
    assert large.outcome == Outcome.ERROR and "większy niż 2,0" in large.reason
    assert Lead.objects.get().contact_email == "jan2@example.pl"


def test_a_wrong_password_is_recorded_on_the_account_and_nothing_else(imap_server, mailbox):
    mailbox.secret_encrypted = secret_encrypt("not the password")
    mailbox.save()

    result = mailbox_poll(mailbox)

    assert result.failure and not RawMessage.objects.exists()
    mailbox.refresh_from_db()
    assert mailbox.last_error_at is not None and mailbox.last_error == result.failure
    assert mailbox.last_success_at is None


def test_a_mailbox_is_polled_by_one_worker_at_a_time(imap_server, mailbox):
    ChannelAccount.objects.filter(pk=mailbox.pk).update(
        poll_lease_until=timezone.now() + timedelta(minutes=1)
    )
    imap_server.append(email(1))
    assert mailbox_poll(mailbox).skipped

    # The lease of a worker that died runs out.
    ChannelAccount.objects.filter(pk=mailbox.pk).update(
        poll_lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert not mailbox_poll(mailbox).skipped


def test_a_renumbered_folder_is_read_again_from_the_last_poll_without_doubles(imap_server, mailbox):
    mailbox_poll(mailbox)
    imap_server.append(email(1))
    mailbox_poll(mailbox)
    # The server renumbered the folder (a restore, a migration of the mail server).
    MailboxFolder.objects.update(uidvalidity=1, last_uid=99)
    imap_server.append(email(2))

    mailbox_poll(mailbox)

    assert sorted(Lead.objects.values_list("contact_email", flat=True)) == [
        "jan1@example.pl",
        "jan2@example.pl",
    ]
    assert RawMessage.objects.count() == 2
