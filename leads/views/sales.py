"""Offers, preliminary reservations and contracts on a lead, and their tabs."""

from __future__ import annotations

from django.http import HttpRequest

from leads.models import Lead


def offers_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead."""
    return {}


def contracts_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead."""
    return {}
