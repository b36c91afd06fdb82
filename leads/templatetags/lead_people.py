"""Naming a lead by its person in templates (see leads/person.py): the rows read what the
selectors prefetched and annotated, so these tags run no query."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from leads import person

register = template.Library()


def _clients(lead) -> list:
    return list(lead.clients.all())


@register.simple_tag
def lead_label(lead, url: str = "") -> str:
    """The person (a link to `url`), then the lead's own name and the phone."""
    return person.lead_label(lead, _clients(lead), url=url)


@register.simple_tag
def conversation_label(activity, url: str = "") -> str:
    """A planned conversation's person: its client, else the lead's person."""
    clients = [activity.client] if activity.client_id else _clients(activity.lead)
    return person.lead_label(activity.lead, clients, url=url)


@register.filter
def lead_title(lead) -> str:
    """The plain words naming a lead for a label or a button ("Jan Kowalski · Dom")."""
    return person.lead_title(lead, _clients(lead))


@register.filter
def postpone_to(activity) -> str:
    """The postpone field's first value: a day after the planned time, or after now when
    that has passed (datetime-local's "YYYY-MM-DDTHH:MM", local time)."""
    start = max(activity.planned_at, timezone.now())
    return timezone.localtime(start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


@register.filter
def lead_distinct(lead) -> str:
    """What tells one client's leads apart on the client's page (their person is the same):
    the lead's own name unless it is the default, the first investment, the creation day."""
    parts = [] if getattr(lead, "name_is_default", False) else [lead.name]
    parts += [str(investment) for investment in list(lead.investments.all())[:1]]
    parts.append(date_format(timezone.localtime(lead.created_at), "SHORT_DATE_FORMAT"))
    return " · ".join(parts)


@register.simple_tag
def phone_call(lead, phone: str, client_id: int | None = None) -> str:
    """A phone of the lead's person as a `tel:` link in the one format, offering "log this
    call" (prefilled for the client `client_id`) once tapped; "—" without a phone."""
    if not phone:
        return "—"
    log_call = person.log_call_url(
        lead, person.Person("", phone, "", from_inquiry=client_id is None, client_id=client_id)
    )
    return person.phone_link(phone, log_call=log_call)
