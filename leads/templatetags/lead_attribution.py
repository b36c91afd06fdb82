"""{% lead_attribution lead as lines %}: where a lead that a channel brought came from
(the portal and listing, the campaign, ad set, ad and form of an ad platform...), as the
channel recorded it in the lead's raw payload ("attribution"), with readable labels."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "channel": _("Channel"),
    "account": _("Account"),
    "portal": _("Portal"),
    "listing": _("Listing id"),
    "listing_name": _("Listing or form"),
    "unit": _("Unit"),
    "platform": _("Platform"),
    "campaign_name": _("Campaign"),
    "campaign": _("Campaign"),
    "campaign_id": _("Campaign id"),
    "adset_name": _("Ad set"),
    "adset": _("Ad set"),
    "adgroup_id": _("Ad group id"),
    "ad_name": _("Ad"),
    "ad": _("Ad"),
    "ad_id": _("Ad id"),
    "creative_id": _("Creative id"),
    "form_name": _("Form"),
    "form": _("Form"),
    "form_id": _("Form id"),
    "gcl_id": _("Google click id"),
    "subject": _("Subject"),
    "username": _("User name"),
    "conversation_id": _("Conversation id"),
    "messenger": _("Messenger"),
    "bot": _("Bot"),
    "start": _("Start code"),
    "adset_id": _("Ad set id"),
    "is_organic": _("Organic (not paid)"),
    "site": _("Site"),
}
# Internal ids that mean nothing to a user.
HIDDEN = {"raw_message", "leadgen_id", "lead_id", "chat_id", "update_id"}
CHANNELS = {
    "mailbox": _("Mailbox (IMAP)"),
    "otodom": _("Otodom (OLX Real Estate API)"),
    "meta": _("Facebook / Instagram lead ads"),
    "google": _("Google Ads lead forms"),
    "telegram": _("Telegram bot"),
}


@register.simple_tag
def lead_attribution(lead) -> list[tuple[str, str]]:
    payload = lead.raw_payload if isinstance(lead.raw_payload, dict) else {}
    attribution = payload.get("attribution")
    if not isinstance(attribution, dict):
        return []
    lines = []
    for key, value in attribution.items():
        if key in HIDDEN or value in (None, "", [], {}) or isinstance(value, dict | list):
            continue
        if key == "channel":
            value = CHANNELS.get(value, value)
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        lines.append((LABELS.get(key, key), str(value)))
    return lines
