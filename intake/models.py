"""The channels inquiries arrive through and what arrived.

- `ChannelAccount`: one mailbox, Otodom account, Meta app and page, Google Ads form
  receiver or Telegram bot, with its secrets stored encrypted (`intake.secrets`).
- `MailboxFolder`: where a mailbox's poll stopped (UIDVALIDITY and the last UID read).
- `Listing`: a portal's listing or an ad platform's form mapped to an investment (and a
  unit), and for ad forms how their fields map to an inquiry's.
- `PortalParser`: how a portal's notification email is read, as data an administrator
  edits.
- `JunkSender`: a sender an administrator marked as spam.
- `RawMessage`: the raw log: what arrived, byte for byte, and what became of it.
- `TelegramChat`: a Telegram chat and the lead it is a conversation of.

The models of inquiries themselves stay in `leads` (`IntakeReceipt`, `AssignmentRule`)
and `clients` (`LeadSource`): see the package's docstring.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.fields import NameField
from investments.models import Investment, Unit
from leads.models import Lead


class ChannelKind(models.TextChoices):
    MAILBOX = "mailbox", _("Mailbox (IMAP)")
    OTODOM = "otodom", _("Otodom (OLX Real Estate API)")
    META = "meta", _("Facebook / Instagram lead ads")
    GOOGLE = "google", _("Google Ads lead forms")
    TELEGRAM = "telegram", _("Telegram bot")


class AfterRead(models.TextChoices):
    SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")


class ChannelAccount(models.Model):
    """One account of a channel. The secret (a mailbox's password, Otodom's webhook secret,
    Meta's app secret, a Telegram bot's token) and the token (Meta's page access token) are
    kept encrypted and never shown again; the admin only replaces them."""

    name = NameField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("channel"), max_length=20, choices=ChannelKind)
    active = models.BooleanField(_("active"), default=True)
    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="channel_accounts",
        help_text=_("The source of the leads this account brings, unless a parser names one."),
    )
    default_investment = models.ForeignKey(
        Investment,
        verbose_name=_("default investment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Given to the leads whose listing or form is not mapped to one."),
    )
    # Mailboxes.
    host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_tls = models.BooleanField(_("TLS"), default=True)
    username = models.CharField(_("user"), max_length=255, blank=True)
    folders = models.TextField(
        _("folders"), default="INBOX", blank=True, help_text=_("One folder per line.")
    )
    after_read = models.CharField(
        _("after reading"), max_length=10, choices=AfterRead, default=AfterRead.SEEN
    )
    move_to = models.CharField(_("move to folder"), max_length=255, blank=True)
    backfill_days = models.PositiveSmallIntegerField(
        _("read the last days once"),
        default=0,
        help_text=_(
            "0: only messages that arrive after the account is added. Otherwise the messages "
            "of this many last days are read once, on the first poll (at most 30)."
        ),
    )
    # Webhooks and APIs.
    external_id = models.CharField(
        _("account id at the channel"),
        max_length=100,
        blank=True,
        help_text=_("Meta: the page id. Otodom: the OLX account's id. Telegram: the bot's name."),
    )
    verify_token = models.CharField(
        _("verification token"),
        max_length=200,
        blank=True,
        help_text=_("Meta: the token you give as the webhook's verify token."),
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    token_encrypted = models.TextField(blank=True, editable=False)
    # Health.
    health_limit_minutes = models.PositiveIntegerField(
        _("alert after (minutes)"),
        default=15,
        help_text=_(
            "The channel is reported as degraded when its last successful poll or delivery "
            "is older than this. 0: never (webhooks of a quiet form)."
        ),
    )
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # A mailbox is polled by one worker at a time: the poll holds this lease, renewed as it
    # goes; a killed worker's lease runs out and the next poll takes over.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ChannelKind.values),
                name="channel_account_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(backfill_days__lte=30), name="channel_account_backfill_capped"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def folder_names(self) -> list[str]:
        return [line.strip() for line in self.folders.splitlines() if line.strip()]

    @property
    def secret(self) -> str:
        from .secrets import secret_decrypt

        return secret_decrypt(self.secret_encrypted)

    @property
    def token(self) -> str:
        from .secrets import secret_decrypt

        return secret_decrypt(self.token_encrypted)


class MailboxFolder(models.Model):
    """Where the poll of one folder stopped. A new UIDVALIDITY means the server renumbered
    the folder: the poll starts again from its newest message, Message-IDs keeping what
    was read from being read twice."""

    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="mailbox_folders"
    )
    name = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(null=True)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="mailbox_folder_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account} / {self.name}"


class Listing(models.Model):
    """A listing of a portal or a form of an ad platform, as the channel names it, mapped
    to what the lead is about. `field_map` (ad forms): the form's field or column id →
    the inquiry's field (first_name, last_name, full_name, email, phone, message) or a
    consent kind ("marketing:email"); unmapped answers go into the message."""

    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="listings"
    )
    key = models.CharField(
        _("listing or form id"), max_length=100, help_text=_("As the channel sends it.")
    )
    name = NameField(_("name"), max_length=200, blank=True)
    investment = models.ForeignKey(
        Investment,
        verbose_name=_("investment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    field_map = models.JSONField(_("field mapping"), default=dict, blank=True)
    form_key_encrypted = models.TextField(blank=True, editable=False)
    synced_at = models.DateTimeField(_("last backfill"), null=True, blank=True)

    class Meta:
        verbose_name = _("listing or form")
        verbose_name_plural = _("listings and forms")
        ordering = ["account", "key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="listing_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name or self.key

    @property
    def form_key(self) -> str:
        from .secrets import secret_decrypt

        return secret_decrypt(self.form_key_encrypted)


class PortalParser(models.Model):
    """How one portal's notification email is read: which emails it claims (sender
    domains, a subject pattern) and the label → field rules, one per line, e.g.
    "Imię i nazwisko: full_name"."""

    name = NameField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveIntegerField(_("priority"), default=100)
    sender_domains = models.TextField(
        _("sender domains"), help_text=_("One per line, e.g. otodom.pl; subdomains match too.")
    )
    subject_pattern = models.CharField(
        _("subject pattern"),
        max_length=300,
        blank=True,
        help_text=_("A regular expression the subject must contain; empty: any subject."),
    )
    rules = models.TextField(
        _("label rules"),
        help_text=_(
            "One rule per line: the label as the email writes it, a colon, and the field: "
            "full_name, first_name, last_name, email, phone, message or listing."
        ),
    )
    prefer_reply_to = models.BooleanField(
        _("Reply-To over From"),
        default=True,
        help_text=_("The person's email is the Reply-To when it is not the portal's own domain."),
    )
    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The leads' source; empty: the mailbox's."),
    )
    listing_pattern = models.CharField(
        _("listing id pattern"),
        max_length=300,
        blank=True,
        help_text=_(
            "A regular expression whose first group is the listing id, tried on the "
            "whole email when no rule gives it (e.g. a link to the listing)."
        ),
    )

    class Meta:
        verbose_name = _("portal email parser")
        verbose_name_plural = _("portal email parsers")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class JunkSender(models.Model):
    """An address ("spam@example.com") or a domain ("@example.com") whose emails are junk."""

    pattern = models.CharField(_("address or @domain"), max_length=254, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("junk sender")
        verbose_name_plural = _("junk senders")
        ordering = ["pattern"]

    def __str__(self) -> str:
        return self.pattern


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CREATED = "created", _("Lead created")
    APPENDED = "appended", _("Added to a lead")
    DUPLICATE = "duplicate", _("Duplicate")
    JUNK = "junk", _("Junk")
    TEST = "test", _("Test lead")
    ERROR = "error", _("Error")


class RawMessage(models.Model):
    """The raw log: one thing that arrived through a channel, byte for byte (an email as
    its .eml, a webhook's body with its headers), and what became of it. The channel's own
    stable id (`external_id`: Message-ID, Otodom's data.uuid, Meta's leadgen_id, Google's
    lead_id, Telegram's chat and update id) is unique per account: a second delivery is
    never a second entry. Processing (`intake.services.raw_process`) fills the outcome;
    replaying an entry processes it again and cannot make a second lead."""

    account = models.ForeignKey(
        ChannelAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="raw_messages",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ChannelKind)
    external_id = models.CharField(_("id at the channel"), max_length=255)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    body = models.BinaryField(_("content"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # Mailboxes: the folder, UIDVALIDITY and UID it was read from.
    location = models.CharField(_("where"), max_length=300, blank=True)
    # Who it came from (an address, a name, a chat), for the log's search.
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome, default=Outcome.PENDING, db_index=True
    )
    reason = models.TextField(_("reason"), blank=True)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raw_messages",
    )
    # What the channel knows about where the inquiry came from (portal, listing, campaign,
    # ad set, ad, form, gclid...), as read.
    attribution = models.JSONField(_("attribution"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("raw log entry")
        verbose_name_plural = _("raw log")
        permissions = [("replay_rawmessage", _("Can replay raw log entries"))]
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-received_at"], name="raw_account_received_idx"),
            models.Index(fields=["channel", "external_id"], name="raw_channel_external_idx"),
            models.Index(fields=["outcome", "-received_at"], name="raw_outcome_received_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="raw_unique_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=ChannelKind.values), name="raw_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=Outcome.values), name="raw_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="error") | ~models.Q(reason=""),
                name="raw_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.external_id}"


class TelegramChat(models.Model):
    """A chat with a bot: its first message made a lead, the later ones are that lead's
    conversations, and an employee's reply is sent to `chat_id`."""

    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="telegram_chats"
    )
    chat_id = models.BigIntegerField()
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="telegram_chats")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "chat_id"], name="telegram_chat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account} / {self.chat_id}"
