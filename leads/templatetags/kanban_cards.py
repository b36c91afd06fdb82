"""{% kanban_card lead card_text %}: one kanban card.

Drawn with format_html (every value escaped) instead of a template include per card: a
board holds about a hundred cards, and the template engine's per-include cost was most of
the board's time. The markup is the board script's contract: ids, data-* attributes.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from crm.core.formatting import format_duration
from leads.models import Lead
from leads.person import lead_details, lead_name_link

register = template.Library()


def _facts(lead: Lead, text: dict[str, str]) -> list[tuple[str, str]]:
    # The person, the lead's own name, the investment and the phone head the card.
    facts = []
    if lead.card_employees:
        facts.append((text["employees"], ", ".join(str(e) for e in lead.card_employees)))
    if lead.is_failed:
        facts.append((text["status"], str(lead.status)))
    facts.append((text["age"], format_duration(lead.handling_time)))
    return facts


def _details(lead: Lead) -> str:
    details = lead_details(lead, lead.card_clients, lead.card_investments)
    return format_html('<p class="kanban-card__details">{}</p>', details) if details else ""


def _tags(lead: Lead, text: dict[str, str]) -> str:
    tags = []
    if lead.is_repeat:
        tags.append(format_html('<span class="tag">{}</span>', text["repeat"]))
    if lead.is_failed:
        tags.append(format_html('<span class="tag tag--danger">{}</span>', lead.failure_reason))
    elif not lead.has_next_step and not lead.status.is_won:
        tags.append(
            format_html(
                '<span class="tag tag--warn" data-no-next-step>{}</span>', text["no_next_step"]
            )
        )
    elif getattr(lead, "next_step_overdue", False) and not lead.status.is_won:
        tags.append(
            format_html('<span class="tag tag--danger" data-overdue>{}</span>', text["overdue"])
        )
    if not tags:
        return ""
    return format_html(
        '<p class="kanban-card__tags">{}</p>', format_html_join(" ", "{}", ((t,) for t in tags))
    )


@register.simple_tag
def kanban_card(lead: Lead, text: dict[str, str]) -> str:
    pk = lead.pk
    if lead.is_failed or lead.status.is_won:
        # A failed lead is reactivated on its page; a won one leaves its column only
        # when its contract is cancelled.
        movable = move_button = mark_safe("")
    else:
        movable = format_html(
            ' draggable="true" data-move-url="{}"', reverse("leads:kanban_move", args=[pk])
        )
        move_button = format_html(
            '<button type="button" class="button button--small kanban-card__move" '
            'data-kanban-menu aria-haspopup="dialog">{}</button>',
            text["move"],
        )
    return format_html(
        '<article class="kanban-card{}" id="kanban-card-{}" data-lead="{}"{} '
        'aria-labelledby="kanban-card-{}-name">'
        '<h3 class="kanban-card__name" id="kanban-card-{}-name">{}</h3>{}'
        '{}<dl class="kanban-card__facts">{}</dl>{}</article>',
        " kanban-card--failed" if lead.is_failed else "",
        pk,
        pk,
        movable,
        pk,
        pk,
        # The client first (or who wrote an inquiry not linked yet), not "Zakup mieszkania".
        lead_name_link(lead, lead.card_clients, url=reverse("leads:detail", args=[pk])),
        _details(lead),
        _tags(lead, text),
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", _facts(lead, text)),
        move_button,
    )
