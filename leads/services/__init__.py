"""Writes on leads, one module per sub-domain; import from the module itself, e.g.
``from leads.services.pipeline import lead_mark_failed``."""
