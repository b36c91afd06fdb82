"""Preliminary reservations and contracts on a lead, and their parts of the tabs."""

from __future__ import annotations

from django.http import HttpRequest

from leads.models import Lead


def reservations_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the reservations part of the "Offers and reservations" tab reads."""
    return {}


def contracts_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead."""
    return {}
