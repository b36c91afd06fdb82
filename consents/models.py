"""The consent register (RODO art. 7, PKE art. 398): who may be contacted, for what and
through which channel, with the proof of each consent.

- A `Controller` (administrator danych) is the company the consents are given to: the
  developer, or an investment's special-purpose company.
- A `Clause` is the text a person agreed to, per purpose and channel, versioned: once an
  event refers to a clause its text is never edited, a change is a new version.
- A `ConsentEvent` is append-only: given, withdrawn or objected, for a client or (before it
  has one) an inquiry's contact, with its evidence.
- `ConsentState` is the current state per person and kind, derived from the events by the
  one service that writes them (consents/services.py), so that lists can filter on it
  without reading every event; it is never edited by hand.
- A `Suppression` is a salted hash of a phone or email whose owner objected to marketing
  (art. 21): a later inquiry from them is recognised without keeping their data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    INQUIRY = "inquiry", _("Handling the inquiry")
    MARKETING = "marketing", _("Marketing")
    AUTOMATED_CALLING = "automated_calling", _("Automated calling systems")
    PROFILING = "profiling", _("Profiling")


class Channel(models.TextChoices):
    ANY = "any", _("Any channel")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS / messenger")


class Kind(models.TextChoices):
    """Each purpose and channel that is its own state (PKE art. 398 separates the channels
    and automated calling systems). The value is "purpose:channel"."""

    INQUIRY = "inquiry:any", _("Handling the inquiry (RODO art. 6(1)(b))")
    MARKETING_EMAIL = "marketing:email", _("Marketing by email")
    MARKETING_PHONE = "marketing:phone", _("Marketing by phone call")
    MARKETING_SMS = "marketing:sms", _("Marketing by SMS / messenger")
    AUTOMATED_CALLING = "automated_calling:phone", _("Automated calling systems")
    PROFILING = "profiling:any", _("Profiling")

    @property
    def purpose(self) -> str:
        return self.value.split(":")[0]

    @property
    def channel(self) -> str:
        return self.value.split(":")[1]

    @classmethod
    def of(cls, purpose: str, channel: str) -> Kind | None:
        try:
            return cls(f"{purpose}:{channel}")
        except ValueError:
            return None


# Marketing in the wide sense: what an objection (art. 21) withdraws and a suppressed
# person may not be given without a new explicit consent.
MARKETING_KINDS = (
    Kind.MARKETING_EMAIL,
    Kind.MARKETING_PHONE,
    Kind.MARKETING_SMS,
    Kind.AUTOMATED_CALLING,
    Kind.PROFILING,
)


class Action(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OBJECTED = "objected", _("Objection to marketing")


class Source(models.TextChoices):
    """Through what a consent came."""

    PUBLIC_FORM = "public_form", _("Public form")
    API = "api", _("Intake API")
    IMPORT = "import", _("Import")
    EMPLOYEE = "employee", _("Recorded by an employee")
    PORTAL = "portal", _("Property portal")
    MAILBOX = "mailbox", _("Email")
    AD_FORM = "ad_form", _("Ad lead form")
    MESSENGER = "messenger", _("Messenger")
    LEGACY = "legacy", _("Before the register")


class Controller(models.Model):
    """A personal data controller (administrator danych) the consents are given to."""

    name = models.CharField(_("name"), max_length=200)
    nip = models.CharField(_("NIP"), max_length=13, blank=True)
    krs = models.CharField(_("KRS"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    dpo_contact = models.CharField(
        _("data protection officer's contact"),
        max_length=300,
        blank=True,
        help_text=_("The email or address at which the data protection officer is reached."),
    )
    information_clause_pl = models.TextField(
        _("information clause (Polish)"),
        blank=True,
        help_text=_("RODO art. 13: shown above the public form's consents."),
    )
    information_clause_en = models.TextField(_("information clause (English)"), blank=True)

    class Meta:
        verbose_name = _("data controller")
        verbose_name_plural = _("data controllers")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Clause(models.Model):
    """A consent text as a person saw it: per controller, purpose and channel, versioned."""

    controller = models.ForeignKey(
        Controller, verbose_name=_("controller"), on_delete=models.PROTECT, related_name="clauses"
    )
    kind = models.CharField(_("purpose and channel"), max_length=30, choices=Kind)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    text_pl = models.TextField(_("text (Polish)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    # The version offered now; older ones stay for the events that refer to them.
    active = models.BooleanField(_("offered now"), default=True)
    # The clause standing for consents recorded before the register (its text says so).
    is_legacy = models.BooleanField(_("before the register"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("consent clause")
        verbose_name_plural = _("consent clauses")
        ordering = ["controller", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["controller", "kind", "version"], name="clause_version_unique"
            ),
            models.UniqueConstraint(
                fields=["controller", "kind"],
                condition=Q(active=True),
                name="clause_one_offered_per_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="clause_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.controller})"

    @property
    def text(self) -> str:
        """The text in the current language, Polish when there is no translation."""
        from django.utils.translation import get_language

        if (get_language() or "pl").startswith("en") and self.text_en:
            return self.text_en
        return self.text_pl


class ConsentEvent(models.Model):
    """One consent given, withdrawn or objected to, never changed once written (the
    anonymisation of a person blanks its evidence, nothing else)."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_events",
    )
    # The inquiry whose contact gave it (before it had a client, or the inquiry it came with).
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_events",
    )
    kind = models.CharField(_("purpose and channel"), max_length=30, choices=Kind)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    clause = models.ForeignKey(
        Clause,
        verbose_name=_("clause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    at = models.DateTimeField(_("when"))
    source = models.CharField(_("through"), max_length=15, choices=Source)
    # The form's URL, the visitor's address and user agent, the API request's id and payload,
    # the import's batch and row; a scanned document in `document`.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    document = models.FileField(
        _("scanned document"), upload_to="consents/%Y/%m/", blank=True, max_length=200
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(lead__isnull=False),
                name="consent_event_has_person",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="consent_event_kind"),
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="consent_event_action"
            ),
            # A consent given names the text it was given to (art. 7(1)).
            models.CheckConstraint(
                condition=~Q(action=Action.GIVEN) | Q(clause__isnull=False),
                name="consent_given_has_clause",
            ),
        ]
        indexes = [models.Index(fields=["client", "kind", "at"], name="consent_event_client_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_action_display()}"

    @property
    def granted(self) -> bool:
        return self.action == Action.GIVEN


class ConsentState(models.Model):
    """The latest event per person and kind: for a client, or for an inquiry's contact that
    has no client yet. Written only by consents.services, from the events."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, null=True, related_name="consent_states"
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, related_name="consent_states"
    )
    kind = models.CharField(max_length=30, choices=Kind)
    granted = models.BooleanField()
    event = models.ForeignKey(ConsentEvent, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind"],
                condition=Q(client__isnull=False),
                name="consent_state_client_kind",
            ),
            models.UniqueConstraint(
                fields=["lead", "kind"],
                condition=Q(client__isnull=True),
                name="consent_state_contact_kind",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(lead__isnull=False),
                name="consent_state_has_person",
            ),
        ]
        indexes = [
            # The lists' filters: "may be called for marketing" is an EXISTS on these.
            models.Index(
                fields=["kind", "client"],
                condition=Q(granted=True, client__isnull=False),
                name="consent_state_granted_client",
            ),
            models.Index(
                fields=["kind", "lead"],
                condition=Q(granted=True, client__isnull=True),
                name="consent_state_granted_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.granted}"


class Suppression(models.Model):
    """A phone or email whose owner objected to marketing, as a salted hash (HMAC with the
    suppression key): it recognises them again and tells nothing about them."""

    class ContactKind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")

    digest = models.CharField(max_length=64, unique=True)
    contact_kind = models.CharField(max_length=5, choices=ContactKind)
    objected_at = models.DateTimeField(_("objected"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("objection to marketing")
        verbose_name_plural = _("objections to marketing")

    def __str__(self) -> str:
        return f"{self.get_contact_kind_display()} {self.digest[:12]}…"
