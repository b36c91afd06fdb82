"""Panels that apps above `leads` add to the lead page. `leads` imports none of them (the
layers run one way): an app registers its panel from its `AppConfig.ready()` (intake: the
Telegram chat and its reply form), and the page shows, below its actions, each panel whose
context function gives a context for the lead and the user at hand.

A panel's template gets the page's context and its own as `panel`; its context function
runs on every lead page, so it reads in one query at most and returns None when it has
nothing to show for this lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .models import Lead

PanelContext = Callable[[HttpRequest, Lead], dict[str, Any] | None]


@dataclass(frozen=True)
class LeadPagePanel:
    template: str
    context: PanelContext


@dataclass(frozen=True)
class ShownPanel:
    template: str
    context: dict[str, Any]


# Template name → panel: registering again (ready() run twice by a test) replaces it.
_panels: dict[str, LeadPagePanel] = {}


def lead_page_panel_register(*, template: str, context: PanelContext) -> None:
    _panels[template] = LeadPagePanel(template, context)


def lead_page_panels(request: HttpRequest, lead: Lead) -> list[ShownPanel]:
    """The registered panels that have something to show on this lead's page, in the
    order they were registered."""
    shown = []
    for panel in _panels.values():
        context = panel.context(request, lead)
        if context is not None:
            shown.append(ShownPanel(panel.template, context))
    return shown
