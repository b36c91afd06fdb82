"""The tests' own IMAP server (intake/bench/dovecot.py) behaves as a real mailbox does: what is
appended is fetched byte for byte, UIDs and UIDVALIDITY are there, flags stick, and a
message can be moved to another folder."""

from __future__ import annotations

import socket
import time

import pytest

from intake.bench.dovecot import IMAPServer

pytestmark = pytest.mark.slow

OFFER = (
    b"From: Otodom <noreply@otodom.pl>\r\n"
    b"To: sales@lejek.example\r\n"
    b"Subject: =?utf-8?q?Nowe_zapytanie_o_og=C5=82oszenie?=\r\n"
    b"Message-ID: <offer-1@otodom.pl>\r\n"
    b"Date: Mon, 07 Dec 2026 10:00:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Jan Kowalski, +48 504 976 791, pyta o mieszkanie M3.\r\n"
)
REPLY = (
    b"From: Jan Kowalski <jan@example.pl>\r\n"
    b"To: sales@lejek.example\r\n"
    b"Subject: Re: Oferta\r\n"
    b"Message-ID: <reply-1@example.pl>\r\n"
    b"In-Reply-To: <offer-0@lejek.example>\r\n"
    b"Date: Mon, 07 Dec 2026 11:00:00 +0100\r\n"
    b"\r\n"
    b"Dzien dobry, prosze o kontakt.\r\n"
)


def test_a_mailbox_takes_messages_and_gives_them_back_as_a_real_one(imap_server):
    first = imap_server.append(OFFER)
    second = imap_server.append(REPLY)
    assert second > first

    with imap_server.client() as imap:
        selected = imap.select_folder("INBOX")
        assert selected[b"EXISTS"] == 2
        uidvalidity = selected[b"UIDVALIDITY"]
        assert uidvalidity > 0
        assert imap.search("ALL") == [first, second]

        # Peeking leaves a message unread; fetching RFC822 reads it, as on any server.
        assert imap.search("UNSEEN") == [first, second]
        peeked = imap.fetch([first], ["BODY.PEEK[]"])[first][b"BODY[]"]
        assert peeked == OFFER
        assert b"\\Seen" not in imap.get_flags([first])[first]
        assert imap.fetch([second], ["RFC822"])[second][b"RFC822"] == REPLY
        assert b"\\Seen" in imap.get_flags([second])[second]
        imap.remove_flags([second], [b"\\Seen"])

        imap.add_flags([first], [b"\\Seen"])
        assert b"\\Seen" in imap.get_flags([first])[first]
        assert imap.search("UNSEEN") == [second]

        imap.create_folder("Processed")
        imap.move([first], "Processed")
        assert imap.search("ALL") == [second]

        processed = imap.select_folder("Processed", readonly=True)
        assert processed[b"EXISTS"] == 1
        [moved] = imap.search("ALL")
        moved_message = imap.fetch([moved], ["RFC822", "FLAGS"])[moved]
        assert moved_message[b"RFC822"] == OFFER
        assert b"\\Seen" in moved_message[b"FLAGS"]

    # A new session sees the same mailbox: same UIDVALIDITY, the UID kept.
    with imap_server.client() as imap:
        again = imap.select_folder("INBOX", readonly=True)
        assert again[b"UIDVALIDITY"] == uidvalidity
        assert imap.search("ALL") == [second]


def test_a_wrong_password_is_refused(imap_server):
    from imapclient.exceptions import LoginError

    with pytest.raises(LoginError):
        imap_server.client(password="wrong")


def test_the_server_starts_fast_and_leaves_nothing_behind():
    server = IMAPServer("sales", "secret")
    started = time.monotonic()
    server.start()
    start_time = time.monotonic() - started
    root, port = server.root, server.port
    try:
        assert start_time < 1, f"Dovecot took {start_time:.2f} s to answer"
        server.append(REPLY, folder="Leads/Portals")
        with server.client() as imap:
            assert imap.folder_exists("Leads/Portals")
    finally:
        server.stop()
    assert not root.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
