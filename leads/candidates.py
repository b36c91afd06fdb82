"""Candidate clients for an inquiry being verified ("assign to a client or create one"):
the one candidate search (`clients.candidates.client_candidates`) asked with the inquiry's
phone, email and name."""

from __future__ import annotations

from clients.candidates import Candidate, client_candidates
from crm.core.models import User

from .models import Lead


def inquiry_client_candidates(*, lead: Lead, user: User) -> list[Candidate]:
    """The clients the inquiry may come from, best first: the same phone or email, then
    the same first and last name."""
    return client_candidates(
        user=user,
        phone=lead.contact_phone,
        email=lead.contact_email,
        first_name=lead.contact_first_name,
        last_name=lead.contact_last_name,
    )
