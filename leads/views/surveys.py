"""Surveys on a lead: filling one and the Surveys tab."""

from __future__ import annotations

from django.http import HttpRequest

from leads.models import Lead


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead."""
    return {}
