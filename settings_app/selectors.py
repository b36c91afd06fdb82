from __future__ import annotations

from .models import CRMSettings


def crm_settings() -> CRMSettings:
    """The CRM-wide settings row (created with defaults on first use)."""
    return CRMSettings.get_solo()
