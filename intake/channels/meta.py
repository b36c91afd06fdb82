"""Facebook and Instagram lead ads (Meta).

Meta's `leadgen` webhook carries only ids; the raw log keeps each change's `value`
(`leadgen_id`, `form_id`, `page_id`, `ad_id`, `adgroup_id`, `created_time`), one entry
per lead, and the worker fetches the lead from the Graph API with the page's access
token (`read`). The backfill (`forms_backfill`) asks each mapped form for the leads
created since its last sync and logs each lead it gets whole: `read` takes such an entry
as it is, without a second fetch.

The lead's answers (`field_data`, and the custom disclaimer's checkboxes) are mapped by
the form's `Listing.field_map` over Meta's standard field names (`intake.channels.adform`).
A form nobody mapped still makes a lead, with the standard fields, the account's default
investment and the form id in the attribution: a lead waiting for a mapping is worth
more than one lost for want of it.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ChannelAccount, ChannelKind, Listing, RawMessage
from ..services.raw import account_failed, account_succeeded, raw_process, raw_store
from . import Inquiry, Unreadable
from .adform import Answer, answers_read, moment, objects, text, utm

logger = logging.getLogger(__name__)

GRAPH_TIMEOUT = 10
LEAD_FIELDS = (
    "created_time,field_data,custom_disclaimer_responses,ad_id,ad_name,adset_id,adset_name,"
    "campaign_id,campaign_name,form_id,is_organic,platform"
)
# Meta's standard questions that are an inquiry's fields.
DEFAULTS = {
    "full_name": "full_name",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "work_email": "email",
    "phone_number": "phone",
    "work_phone_number": "phone",
}
# How the message names Meta's other standard questions (any other: by its field name).
LABELS = {
    "city": gettext_lazy("City"),
    "zip_code": gettext_lazy("Postal code"),
    "post_code": gettext_lazy("Postal code"),
    "street_address": gettext_lazy("Street address"),
    "state": gettext_lazy("Region"),
    "province": gettext_lazy("Region"),
    "country": gettext_lazy("Country"),
    "company_name": gettext_lazy("Company"),
    "job_title": gettext_lazy("Job title"),
    "date_of_birth": gettext_lazy("Date of birth"),
}
# The backfill asks for leads from a little before its last sync: Meta may list a lead
# some minutes after it was created, and an entry met twice is logged once.
BACKFILL_OVERLAP = timedelta(minutes=15)
BACKFILL_MAX_PAGES = 200
GRAPH_ID = re.compile(r"[0-9A-Za-z_-]{1,100}", re.ASCII)


def read(raw: RawMessage) -> Inquiry:
    """The inquiry of one lead: fetched by its `leadgen_id` (a webhook's entry), or as
    logged (a backfill's entry, which holds the lead itself)."""
    try:
        logged = json.loads(bytes(raw.body))
    except (ValueError, RecursionError) as error:
        raise Unreadable(_("The entry is not JSON: %(error)s") % {"error": error}) from error
    if not isinstance(logged, dict):
        raise Unreadable(_("The entry is not a JSON object."))
    if "field_data" in logged:
        lead = logged
    else:
        leadgen_id = graph_id(logged.get("leadgen_id"))
        if not leadgen_id:
            raise Unreadable(_("The entry has no valid leadgen_id."))
        lead = lead_fetch(raw.account, leadgen_id)
    return lead_inquiry(
        raw.account, lead, leadgen_id=raw.external_id, form_id=logged.get("form_id")
    )


def lead_fetch(account: ChannelAccount, leadgen_id: str) -> dict[str, Any]:
    """The lead as the Graph API gives it, read with the page's access token."""
    return _graph_get(account, _graph_url(leadgen_id), {"fields": LEAD_FIELDS})


def lead_inquiry(
    account: ChannelAccount, lead: dict[str, Any], *, leadgen_id: str, form_id: Any = None
) -> Inquiry:
    """One Graph API lead as an inquiry, mapped by its form's listing."""
    form_id = text(lead.get("form_id")) or text(form_id)
    listing = (
        Listing.objects.filter(account=account, key=form_id[:100]).first() if form_id else None
    )
    data, consent_kinds = answers_read(
        _answers(lead), field_map=listing.field_map if listing else {}, defaults=DEFAULTS
    )
    data["submitted_at"] = moment(lead.get("created_time"))
    if data["submitted_at"] is None:
        del data["submitted_at"]
    platform = text(lead.get("platform")).lower()
    form_name = listing.name if listing and listing.name else form_id
    data.update(
        utm(
            source="instagram" if platform == "ig" else "facebook",
            medium="lead_ad",
            campaign=text(lead.get("campaign_name")),
            content=text(lead.get("ad_name")),
            term=form_name,
        )
    )
    attribution = {
        key: text(lead.get(key))
        for key in ("campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name")
    }
    attribution.update(
        platform=platform, form_id=form_id, form_name=form_name, leadgen_id=leadgen_id
    )
    attribution = {key: value[:200] for key, value in attribution.items() if value}
    if isinstance(lead.get("is_organic"), bool):
        attribution["is_organic"] = lead["is_organic"]
    return Inquiry(
        data=data, attribution=attribution, listing_key=form_id, consent_kinds=consent_kinds
    )


def _answers(lead: dict[str, Any]) -> list[Answer]:
    """`field_data` ([{"name", "values": [...]}]) and the custom disclaimer's checkboxes
    ([{"checkbox_key", "is_checked": "1" or ""}]), whatever else the lead holds ignored."""
    answers = []
    for item in objects(lead.get("field_data")):
        name = text(item.get("name"))
        values = item.get("values")
        values = values if isinstance(values, list) else [values]
        value = ", ".join(text(value) for value in values if text(value))
        if name:
            answers.append(Answer(name, str(LABELS.get(name, name)), value))
    for item in objects(lead.get("custom_disclaimer_responses")):
        key = text(item.get("checkbox_key"))
        checked = text(item.get("is_checked")).lower() in ("1", "true")
        if key:
            answers.append(Answer(key, key, _("yes") if checked else _("no")))
    return answers


def forms_backfill() -> int:
    """The leads of every mapped form of the active Meta accounts created since the
    form's last sync: each one not in the raw log yet is logged and processed. A form
    whose leads could not be read keeps its sync time and is asked again next time.
    Returns the number of new entries."""
    new = 0
    accounts = ChannelAccount.objects.filter(kind=ChannelKind.META, active=True)
    for account in accounts:
        for listing in account.listings.order_by("pk"):
            if not graph_id(listing.key):
                continue  # not a form's id: nothing Meta could list
            started = timezone.now()
            try:
                new += _form_backfill(account, listing)
            except Unreadable as error:
                logger.warning("Meta backfill of form %s failed: %s", listing.key, error.reason)
                account_failed(account, error.reason)
                continue
            Listing.objects.filter(pk=listing.pk).update(synced_at=started)
            account_succeeded(account)
    return new


def _form_backfill(account: ChannelAccount, listing: Listing) -> int:
    since = (listing.synced_at or account.created_at) - BACKFILL_OVERLAP
    filtering = [
        {"field": "time_created", "operator": "GREATER_THAN", "value": int(since.timestamp())}
    ]
    url = _graph_url(f"{listing.key}/leads")
    params: dict[str, str] | None = {
        "fields": "id," + LEAD_FIELDS,
        "filtering": json.dumps(filtering),
    }
    new = 0
    for _page in range(BACKFILL_MAX_PAGES):
        page = _graph_get(account, url, params)
        for lead in objects(page.get("data")):
            lead_id = graph_id(lead.get("id"))
            if not lead_id:
                continue
            raw, created = raw_store(
                account=account,
                external_id=lead_id,
                body=json.dumps(lead).encode(),
                subject=listing.key,
            )
            if created:
                raw_process(raw.pk)
                new += 1
        paging = page.get("paging")
        url = text(paging.get("next")) if isinstance(paging, dict) else ""
        # `next` carries its own token and cursor; one that leaves the Graph API is not
        # followed (the token would go with it).
        if not url.startswith(settings.LEJEK_GRAPH_API_URL.rstrip("/") + "/"):
            break
        params = None
    return new


def _graph_url(path: str) -> str:
    base = settings.LEJEK_GRAPH_API_URL.rstrip("/")
    return f"{base}/{settings.LEJEK_GRAPH_API_VERSION}/{path}"


def _graph_get(account: ChannelAccount, url: str, params: dict[str, str] | None) -> dict:
    """One Graph API answer as a JSON object. Unreadable when Meta does not answer or
    fails (retry: a later attempt may succeed) or refuses (a token or an id to fix)."""
    token = account.token
    if not token:
        raise Unreadable(_("The account has no page access token."))
    if params is not None:
        params = {**params, "access_token": token}
    try:
        response = httpx.get(url, params=params, timeout=GRAPH_TIMEOUT)
    except httpx.HTTPError as error:
        reason = f"{type(error).__name__}: {error}".replace(token, "…")
        raise Unreadable(
            _("The Graph API did not answer: %(error)s") % {"error": reason}, retry=True
        ) from error
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code >= 500 or response.status_code == 429:
        raise Unreadable(
            _("The Graph API failed (%(status)s): %(error)s")
            % {"status": response.status_code, "error": _graph_error(payload)},
            retry=True,
        )
    if response.status_code >= 400:
        raise Unreadable(
            _("The Graph API refused (%(status)s): %(error)s")
            % {"status": response.status_code, "error": _graph_error(payload)}
        )
    if not isinstance(payload, dict):
        raise Unreadable(_("The Graph API's answer is not a JSON object."))
    return payload


def _graph_error(payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return text(error.get("message"))[:500]
    return ""


def graph_id(value: Any) -> str:
    """A Graph API id (digits, as a string or a number), or "" for anything else: only
    such an id goes into a Graph API address."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**100:
        value = str(value)
    return value if isinstance(value, str) and GRAPH_ID.fullmatch(value) else ""
