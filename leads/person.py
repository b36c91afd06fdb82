"""Who a lead is about, the way a row, a card or a button names it: the client first (or,
for an inquiry not linked to a client yet, the inquirer and their contact), then the lead's
name only when it is not the settings' default name ("Zakup mieszkania" on every lead says
nothing), the investment and the phone as a `tel:` link.

Drawn with format_html (every value escaped) from what the caller already read: the lead's
clients and investments as lists (prefetched) and `name_is_default`, annotated by
`named_by_default()` in the same query as the lead, so naming a row costs no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from crm.core.formatting import format_phone
from crm.core.normalization import phone_search_key
from settings_app.models import CRMSettings


def named_by_default(prefix: str = "") -> ExpressionWrapper:
    """An annotation: whether the lead (`prefix` "lead__" from a related row) still bears
    the settings' default name. A subquery of the one settings row, so no query of its own."""
    default = CRMSettings._meta.get_field("default_lead_name").default
    setting = Subquery(CRMSettings.objects.values("default_lead_name")[:1])
    return ExpressionWrapper(
        Q(**{f"{prefix}name": Coalesce(setting, Value(default))}), output_field=BooleanField()
    )


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    email: str
    # An inquiry not linked to a client yet: the person is who wrote, as they wrote it.
    from_inquiry: bool
    client_id: int | None = None


def lead_person(lead, clients: Sequence) -> Person | None:
    """The person a lead is about: its first client, else the inquiry's contact."""
    if clients:
        client = clients[0]
        return Person(
            str(client), client.phone, client.email, from_inquiry=False, client_id=client.pk
        )
    name = f"{lead.contact_first_name} {lead.contact_last_name}".strip()
    if name or lead.contact_phone or lead.contact_email:
        return Person(
            name or lead.contact_email or lead.contact_phone,
            lead.contact_phone,
            lead.contact_email,
            from_inquiry=True,
        )
    return None


def tel_href(phone: str) -> str:
    """The `tel:` target of a phone as written: E.164 when it reads as a number."""
    return "tel:" + (
        phone_search_key(phone) or "".join(c for c in phone if c.isdigit() or c == "+")
    )


def phone_link(phone: str, *, log_call: str = "") -> str:
    """A phone to tap; `log_call`: the lead's "log this call" form, which the page offers
    once the phone was tapped (static/js/lejek.js)."""
    if not phone:
        return ""
    shown = format_phone(phone)
    if log_call:
        return format_html(
            '<a href="{}" class="phone-link" data-log-call="{}">{}</a>',
            tel_href(phone), log_call, shown,
        )  # fmt: skip
    return format_html('<a href="{}" class="phone-link">{}</a>', tel_href(phone), shown)


def log_call_url(lead, person: Person | None = None) -> str:
    """The "Add conversation" form of the lead, prefilled for a call just made (to the
    person's client, when the person is one)."""
    url = reverse("leads:conversation_add", args=[lead.pk])
    if person is not None and person.client_id:
        url += f"?client={person.client_id}"
    return url


def email_link(email: str) -> str:
    return format_html('<a href="mailto:{}">{}</a>', email, email) if email else ""


def lead_title(lead, clients: Sequence) -> str:
    """A plain text naming the lead for a label or a button: "Jan Kowalski · Dom 120 m²"
    (the lead's name only when it is not the default)."""
    person = lead_person(lead, clients)
    parts = [person.name] if person else []
    if not parts or not getattr(lead, "name_is_default", False):
        parts.append(lead.name)
    return " · ".join(parts)


def lead_name_link(lead, clients: Sequence, *, url: str = "") -> str:
    """The person (or, with no person at all, the lead's name), a link to the lead when
    `url`; who wrote an inquiry not linked yet is marked as such."""
    person = lead_person(lead, clients)
    heading = person.name if person else lead.name
    title = gettext("From the inquiry") if person and person.from_inquiry else ""
    if url:
        return format_html(
            '<a href="{}" class="lead-label__name" title="{}">{}</a>', url, title, heading
        )
    return format_html('<span class="lead-label__name" title="{}">{}</span>', title, heading)


def lead_details(lead, clients: Sequence, investments: Sequence = ()) -> str:
    """What follows the person: the lead's name when not the default, the first
    investment and the phone (for an inquiry with no phone, its email), joined by " · "."""
    person = lead_person(lead, clients)
    details = []
    if person and not getattr(lead, "name_is_default", False):
        details.append(format_html('<span class="lead-label__lead">{}</span>', lead.name))
    if investments:
        details.append(format_html("<span>{}</span>", investments[0]))
    if person and person.phone:
        details.append(phone_link(person.phone, log_call=log_call_url(lead, person)))
    elif person and person.from_inquiry and person.email:
        details.append(email_link(person.email))
    return format_html_join(" · ", "{}", ((d,) for d in details))


def lead_label(lead, clients: Sequence, investments: Sequence = (), *, url: str = "") -> str:
    """The lead's heading in a row: the person, then a small line of details."""
    link = lead_name_link(lead, clients, url=url)
    details = lead_details(lead, clients, investments)
    if not details:
        return link
    return format_html('{}<br><small class="lead-label__details">{}</small>', link, details)
