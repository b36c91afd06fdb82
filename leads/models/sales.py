"""Selling units on a lead: offers, preliminary reservations and contracts, and the hold that
keeps a unit in one hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from investments.models import Unit

from .lead import Lead

# The copied foreign keys of a history row that nobody looks up by: no index for them.
HISTORY_UNINDEXED = ["client", "created_by"]


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class OfferChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
    OTHER = "other", _("Other")


class Offer(models.Model):
    """Units offered to a lead's client, each at its offered price (oferta)."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="offers"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus, default=OfferStatus.DRAFT
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=OfferChannel, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="offer_lead_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=OfferStatus.SENT) | models.Q(sent_at__isnull=False),
                name="offer_sent_has_date",
                violation_error_message=_("A sent offer needs the date it was sent."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Offer no. %(number)s") % {"number": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("leads:offer_print", args=[self.lead_id, self.pk])


class OfferItem(models.Model):
    """One unit of an offer: its list price when offered and the price offered."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    list_price = models.DecimalField(_("list price (PLN)"), max_digits=12, decimal_places=2)
    price = models.DecimalField(_("offered price (PLN)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("offered unit")
        verbose_name_plural = _("offered units")
        ordering = ["offer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "unit"], name="offer_item_unit_once"),
            models.CheckConstraint(
                condition=models.Q(price__gt=0),
                name="offer_item_price_positive",
                violation_error_message=_("The price must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.price}"

    @property
    def discount(self):
        """How much below the list price the unit is offered (negative: above it)."""
        return self.list_price - self.price


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    CONVERTED = "converted", _("Turned into a contract")


class Reservation(models.Model):
    """A preliminary reservation (rezerwacja wstępna): a unit held for a lead's client
    until a date. While active, its UnitHold keeps the unit from anyone else."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="reservations"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reservations"
    )
    reserved_until = models.DateField(_("reserved until"))
    fee = models.DecimalField(
        _("reservation fee (PLN)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReservationStatus, default=ReservationStatus.ACTIVE
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(no_db_index=[*HISTORY_UNINDEXED, "unit"])

    class Meta:
        verbose_name = _("preliminary reservation")
        verbose_name_plural = _("preliminary reservations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="reservation_lead_idx"),
            # The expiry sweep: active reservations by end date.
            models.Index(
                fields=["reserved_until"],
                condition=models.Q(status="active"),
                name="reservation_active_until_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReservationStatus.values),
                name="reservation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(fee__isnull=True) | models.Q(fee__gte=0),
                name="reservation_fee_not_negative",
                violation_error_message=_("The fee cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", ended_at__isnull=True)
                | (~models.Q(status="active") & models.Q(ended_at__isnull=False)),
                name="reservation_ended_when_not_active",
            ),
            # Also a partial unique index of its own: one active reservation per unit,
            # whatever the holds say.
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status="active"),
                name="reservation_one_active_per_unit",
                violation_error_message=_("This unit already has an active reservation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.reserved_until}"

    @property
    def is_active(self) -> bool:
        return self.status == ReservationStatus.ACTIVE


class ContractKind(models.TextChoices):
    RESERVATION = "reservation", _("Reservation agreement")
    DEVELOPER = "developer", _("Developer agreement")
    PRELIMINARY = "preliminary", _("Preliminary agreement")
    FINAL = "final", _("Final agreement")


class Contract(models.Model):
    """A signed contract (umowa) for one or more units: the units are sold and the lead won.
    Cancelled (its own permission), it frees the units; it is never deleted."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="contracts"
    )
    clients = models.ManyToManyField(
        Client, verbose_name=_("clients"), blank=True, related_name="contracts"
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), related_name="contracts")
    kind = models.CharField(_("kind"), max_length=12, choices=ContractKind)
    number = models.CharField(_("number"), max_length=60, blank=True)
    signed_at = models.DateField(_("signed"))
    price = models.DecimalField(_("price (PLN)"), max_digits=14, decimal_places=2)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(
        m2m_fields=[clients, units], no_db_index=["created_by", "cancelled_by"]
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_at", "-id"]
        permissions = [("cancel_contract", _("Can cancel a contract"))]
        indexes = [models.Index(fields=["lead", "-signed_at"], name="contract_lead_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ContractKind.values), name="contract_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0),
                name="contract_price_positive",
                violation_error_message=_("The price must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Contract no. %(number)s") % {"number": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class UnitHold(models.Model):
    """Who holds a unit now: an active reservation or a contract, never both and never two.

    Both reservations and contracts write their hold here, and the unit is this table's
    primary key, so PostgreSQL itself refuses a second hold, whichever kind comes second
    and however many requests race. Ending a reservation or cancelling a contract deletes
    the hold (their own history keeps the story)."""

    unit = models.OneToOneField(
        Unit, primary_key=True, on_delete=models.PROTECT, related_name="hold"
    )
    reservation = models.OneToOneField(
        Reservation, null=True, blank=True, on_delete=models.CASCADE, related_name="hold"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="holds"
    )
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unit hold")
        verbose_name_plural = _("unit holds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reservation__isnull=False, contract__isnull=True)
                | models.Q(reservation__isnull=True, contract__isnull=False),
                name="unit_hold_by_reservation_or_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}"
