"""Offers on a lead: choosing units, the offered prices, sending, the printable offer."""

from __future__ import annotations

from django.http import HttpRequest

from leads.models import Lead


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the offers part of the "Offers and reservations" tab reads beyond the lead."""
    return {}
