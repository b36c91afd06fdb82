from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.core.fields import NameField


class Investment(models.Model):
    """A development project being sold (e.g. "Akacjowa")."""

    name = NameField(_("name"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The special-purpose company (spółka celowa) selling it, when not the default one.
    controller = models.ForeignKey(
        "consents.Controller",
        verbose_name=_("data controller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investments",
        help_text=_("Empty: the default controller from the settings."),
    )

    class Meta:
        verbose_name = _("investment")
        verbose_name_plural = _("investments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("investments:detail", args=[self.pk])


class UnitKind(models.TextChoices):
    FLAT = "flat", _("Flat")
    COMMERCIAL = "commercial", _("Commercial unit")
    PARKING = "parking", _("Parking space")
    STORAGE = "storage", _("Storage room")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    SOLD = "sold", _("Sold")


class Unit(models.Model):
    """A flat, commercial unit, parking space or storage room (lokal) in an investment.

    Its status changes only through the leads services that reserve or sell it.
    """

    investment = models.ForeignKey(
        Investment, verbose_name=_("investment"), on_delete=models.PROTECT, related_name="units"
    )
    number = NameField(_("number"), max_length=30)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind, default=UnitKind.FLAT)
    rooms = models.PositiveSmallIntegerField(_("rooms"), null=True, blank=True)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    list_price = models.DecimalField(_("list price (PLN)"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=UnitStatus, default=UnitStatus.AVAILABLE, db_index=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["investment__name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["investment", "number"],
                name="unit_unique_number_per_investment",
                violation_error_message=_("This investment already has a unit with this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(area__gt=0),
                name="unit_area_positive",
                violation_error_message=_("The area must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0),
                name="unit_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=UnitStatus.values), name="unit_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investment} / {self.number}"

    @property
    def price_per_m2(self):
        return (self.list_price / self.area).quantize(self.list_price) if self.area else None
