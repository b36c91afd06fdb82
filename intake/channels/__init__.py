"""The channels: each turns what arrived (a `RawMessage`) into one `Reading`.

A channel module has one function, `read(raw: RawMessage) -> Reading`, and raises
`Unreadable` with the reason when it cannot. What every channel shares is done once, by
`intake.services.raw_process`: the lead (through `leads`' `lead_receive`), the listing's
investment, the consents' evidence, the outcome in the raw log, the retries.

- `Inquiry`: a person asks; becomes a lead (or is added to their client's open lead, as
  `lead_receive`'s repeat scenario decides).
- `Reply`: the next message of a conversation a lead already has (an email's reply, a
  chat's next message); appended to that lead.
- `Junk`: an auto-reply, a bounce, a newsletter, a spam sender: logged, nothing made.
- `TestLead`: an ad platform's test lead: logged, kept out of the leads and the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass
class Inquiry:
    # The inquiry's fields, as `lead_receive` takes them: first_name, last_name, email,
    # phone (E.164), message, submitted_at, utm_*.
    data: dict[str, Any]
    # What the channel knows of where it came from: portal, listing, campaign, ad set, ad,
    # form, gclid... (kept in the raw log and on the lead).
    attribution: dict[str, Any] = field(default_factory=dict)
    # The listing or form id the admin may have mapped to an investment (`Listing.key`).
    listing_key: str = ""
    # The marketing consent kinds the form really asked for and the person ticked.
    consent_kinds: tuple[str, ...] = ()
    # The source, when not the account's (a portal parser's).
    source_id: int | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # Telegram: the chat this inquiry opens.
    chat_id: int | None = None


@dataclass
class Reply:
    lead_id: int
    kind: str  # leads.models.ActivityKind
    text: str


@dataclass
class Junk:
    reason: str


@dataclass
class TestLead:
    reason: str


Reading = Inquiry | Reply | Junk | TestLead


class Malformed(Exception):
    """A webhook's body the channel would not send: `field` names what is wrong (the
    sender is answered 400 with it; a retry cannot fix it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unreadable(Exception):
    """What arrived cannot be read: `reason` says why. `retry`: a later attempt may
    succeed (the outside API did not answer); otherwise only a fix of the mapping or the
    parser will, followed by a replay."""

    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
