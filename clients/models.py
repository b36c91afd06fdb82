from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.core.fields import NameField
from crm.core.models import Branch
from crm.core.normalization import fold_name, normalize_email, normalize_phone_field

from .validators import (
    validate_frame_origins,
    validate_krs,
    validate_nip,
    validate_pesel,
    validate_regon,
)


class LeadSource(models.Model):
    """Where a client or a lead came from (źródło dotarcia): www, portals, phone, walk-in...

    It lives here, not in leads, because clients carry a source too and clients sit below
    leads. The intake token is stored only as a SHA-256 hash.
    """

    name = NameField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    intake_token_hash = models.CharField(
        _("intake token hash"), max_length=64, blank=True, editable=False
    )
    intake_token_created_at = models.DateTimeField(
        _("intake token created"), null=True, blank=True, editable=False
    )
    intake_rate_per_minute = models.PositiveIntegerField(
        _("intake limit per minute"),
        default=60,
        help_text=_("Inquiries accepted from this source per minute; more get HTTP 429."),
    )
    intake_form_enabled = models.BooleanField(
        _("public inquiry form"),
        default=False,
        # Admin shows help texts as HTML: no <…> in them.
        help_text=_(
            "Serve the embeddable inquiry form at /intake/ followed by the slug and a "
            "slash, e.g. /intake/www/."
        ),
    )
    intake_form_frame_origins = models.TextField(
        _("sites allowed to embed the form"),
        blank=True,
        help_text=_(
            "One origin per line, e.g. https://www.example.pl. Only these sites may show "
            "the form in a frame."
        ),
        validators=[validate_frame_origins],
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake_token_hash"],
                condition=~models.Q(intake_token_hash=""),
                name="source_unique_intake_token_hash",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def frame_origins(self) -> list[str]:
        return self.intake_form_frame_origins.split()


class ClientKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Client(models.Model):
    """A person or a company that may buy or has bought. Has at least an email or a phone."""

    kind = models.CharField(_("kind"), max_length=10, choices=ClientKind, default=ClientKind.PERSON)
    company_name = NameField(_("company name"), max_length=200, blank=True)
    first_name = NameField(_("first name"), max_length=100, blank=True)
    last_name = NameField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("As entered."))
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True, validators=[validate_pesel])
    accounting_id = models.CharField(
        _("accounting system id"),
        max_length=50,
        blank=True,
        help_text=_("The client's position in the accounting system (e.g. Symfonia)."),
    )
    caretaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caretaker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cared_clients",
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="clients"
    )
    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
    )
    preferred_investment = models.ForeignKey(
        "investments.Investment",
        verbose_name=_("preferred investment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    failed = models.BooleanField(_("failure"), default=False)
    failed_at = models.DateTimeField(_("failure date"), null=True, blank=True)

    # Lookup columns for deduplication, derived in clean() from the fields above.
    email_normalized = models.CharField(max_length=254, blank=True, editable=False, db_index=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    first_name_folded = models.CharField(max_length=100, blank=True, editable=False)
    last_name_folded = models.CharField(max_length=100, blank=True, editable=False)
    company_name_folded = models.CharField(max_length=200, blank=True, editable=False)

    created_at = models.DateTimeField(_("added"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set by the anonymisation of the person (RODO art. 17): the record stays for the
    # reports' counts, without a name, a contact or a PESEL.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["last_name", "first_name", "company_name", "id"]
        # Searches match the start of the folded names: pattern-ops indexes serve LIKE 'x%'
        # on PostgreSQL whatever the collation (other databases ignore the opclass).
        indexes = [
            models.Index(
                fields=["last_name_folded"],
                opclasses=["varchar_pattern_ops"],
                name="client_last_name_folded_idx",
            ),
            models.Index(
                fields=["first_name_folded"],
                opclasses=["varchar_pattern_ops"],
                name="client_first_name_folded_idx",
            ),
            models.Index(
                fields=["company_name_folded"],
                opclasses=["varchar_pattern_ops"],
                name="client_company_folded_idx",
            ),
            models.Index(fields=["pesel"], name="client_pesel_idx"),
            models.Index(
                fields=["accounting_id"],
                condition=~models.Q(accounting_id=""),
                name="client_accounting_id_idx",
            ),
        ]
        constraints = [
            # Both the typed values and their lookup columns: a bulk update() blanking
            # email and phone skips clean() and would otherwise leave stale lookup columns.
            models.CheckConstraint(
                condition=(
                    (~models.Q(email_normalized="") | ~models.Q(phone_e164=""))
                    & (~models.Q(email="") | ~models.Q(phone=""))
                )
                | models.Q(anonymised_at__isnull=False),
                name="client_has_email_or_phone",
                violation_error_message=_("Give the client an email address or a phone number."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ClientKind.COMPANY) | ~models.Q(company_name=""),
                name="client_company_has_name",
                violation_error_message=_("A company client needs a company name."),
            ),
            models.CheckConstraint(
                condition=models.Q(failed=False) | models.Q(failed_at__isnull=False),
                name="client_failed_has_date",
            ),
        ]

    def __str__(self) -> str:
        full_name = f"{self.first_name} {self.last_name}".strip()
        if self.kind == ClientKind.COMPANY and self.company_name:
            return f"{self.company_name} ({full_name})" if full_name else self.company_name
        return full_name or self.email or self.phone

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    def clean(self) -> None:
        # Derived lookup columns are computed here so that every validated write keeps them
        # true; the check constraint above refuses a row that skipped validation.
        self.email_normalized = normalize_email(self.email)
        self.phone_e164 = normalize_phone_field(self.phone)
        self.first_name_folded = fold_name(self.first_name)
        self.last_name_folded = fold_name(self.last_name)
        self.company_name_folded = fold_name(self.company_name)


class Contractor(models.Model):
    """A company tied to a lead (kontrahent, B2B)."""

    name = NameField(_("name"), max_length=200)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="contractors"
    )
    nip = models.CharField(_("NIP"), max_length=13, blank=True, validators=[validate_nip])
    krs = models.CharField(_("KRS"), max_length=10, blank=True, validators=[validate_krs])
    regon = models.CharField(_("REGON"), max_length=14, blank=True, validators=[validate_regon])
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)

    email_normalized = models.CharField(max_length=254, blank=True, editable=False, db_index=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    name_folded = models.CharField(max_length=200, blank=True, editable=False, db_index=True)

    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["nip"], name="contractor_nip_idx"),
            models.Index(fields=["krs"], name="contractor_krs_idx"),
            models.Index(fields=["regon"], name="contractor_regon_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:contractor_detail", args=[self.pk])

    def clean(self) -> None:
        # NIP is stored as digits only so that "123-456-32-18" and "1234563218" match.
        self.nip = "".join(ch for ch in self.nip if ch.isdigit()) if self.nip else ""
        self.regon = "".join(ch for ch in self.regon if ch.isdigit()) if self.regon else ""
        self.email_normalized = normalize_email(self.email)
        self.name_folded = fold_name(self.name)
        self.phone_e164 = normalize_phone_field(self.phone)
