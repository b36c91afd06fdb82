"""The pipeline's reference data: statuses and the reasons picked from lists."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.fields import NameField


class LeadStatus(models.Model):
    """A pipeline stage, ordered and configured by administrators."""

    name = NameField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#6c757d",
        help_text=_("A hex colour such as #1f77b4, used for the status badge."),
    )
    is_won = models.BooleanField(_("won"), default=False, help_text=_("A lead here is won."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead status")
        verbose_name_plural = _("lead statuses")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"),
                name="leadstatus_colour_hex",
                violation_error_message=_("Give the colour as #RRGGBB."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Reason(models.Model):
    """A named reason picked from a list; deactivated, never deleted once leads use it
    (reports need it)."""

    name = NameField(_("name"), max_length=150, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FailureReason(Reason):
    """Why a lead ended without a contract (powód fiaska)."""

    class Meta(Reason.Meta):
        verbose_name = _("failure reason")
        verbose_name_plural = _("failure reasons")


class DeletionReason(Reason):
    """Why an inquiry was deleted (spam, test, duplicate)."""

    class Meta(Reason.Meta):
        verbose_name = _("deletion reason")
        verbose_name_plural = _("deletion reasons")
