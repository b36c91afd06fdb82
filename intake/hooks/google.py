"""Google Ads lead forms' webhook, /hooks/google/<account id>/ (intake.channels.google
reads what it stores).

Google authenticates a delivery with the form's key (`google_key`), which the
administrator typed into the form's webhook settings and into the form's listing here;
a form without a listing, or a wrong key, is refused (403). Google counts any answer but
200 as a failure; it is stored under its `lead_id` first, so a delivery Google sends
again makes no second lead.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.core.normalization import strip_invisible

from ..channels import Malformed
from ..models import ChannelAccount, ChannelKind, Listing
from ..webhooks import too_large, webhook_store

# Google's ids: numbers, or (a lead's) letters, digits and dashes.
ID = re.compile(r"[\x21-\x7e]{1,200}", re.ASCII)
ID_FIELDS = ("campaign_id", "adgroup_id", "creative_id")


@csrf_exempt
@require_POST
def google_webhook(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=account_id, kind=ChannelKind.GOOGLE, active=True)
    if refusal := too_large(request):
        return refusal
    try:
        lead = google_lead(request.body)
    except Malformed as error:
        return JsonResponse({"errors": {error.field: [error.message]}}, status=400)
    form_id = _id(lead["form_id"])
    listing = Listing.objects.filter(account=account, key=form_id).first()
    stored_key = listing.form_key if listing is not None else ""
    given_key = lead["google_key"].encode(errors="surrogatepass")  # JSON may hold "\ud800"
    if not stored_key or not hmac.compare_digest(stored_key.encode(), given_key):
        return JsonResponse(
            {"errors": {"google_key": [_("Unknown form or wrong key.")]}}, status=403
        )
    emails = [
        column.get("string_value") or ""
        for column in lead["user_column_data"]
        if column["column_id"] in ("EMAIL", "WORK_EMAIL")
    ]
    webhook_store(
        request,
        account=account,
        external_id=_id(lead["lead_id"]),
        sender=strip_invisible(emails[0] if emails else ""),
        subject=listing.name or form_id,
    )
    return JsonResponse({})


def google_lead(body: bytes) -> dict[str, Any]:
    """The body as Google documents it, checked field by field; Malformed names the first
    field of the wrong shape."""
    try:
        lead = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Malformed("body", _("The body is not JSON.")) from error
    if not isinstance(lead, dict):
        raise Malformed("body", _("The body must be a JSON object."))
    for field in ("lead_id", "form_id"):
        if not _id(lead.get(field)):
            raise Malformed(field, _("Give the id as Google does."))
    if not isinstance(lead.get("google_key"), str) or not lead["google_key"]:
        raise Malformed("google_key", _("Give the form's key."))
    for field in ID_FIELDS:
        if lead.get(field) not in (None, "") and not _id(lead[field]):
            raise Malformed(field, _("Give the id as Google does."))
    if not isinstance(lead.get("gcl_id", ""), str | None):
        raise Malformed("gcl_id", _("This must be text."))
    if not isinstance(lead.get("is_test", False), bool | None):
        raise Malformed("is_test", _("This must be true or false."))
    columns = lead.get("user_column_data")
    if not isinstance(columns, list):
        raise Malformed("user_column_data", _("This must be a list."))
    for index, column in enumerate(columns):
        if not (
            isinstance(column, dict)
            and isinstance(column.get("column_id"), str)
            and isinstance(column.get("string_value", ""), str | None)
            and isinstance(column.get("column_name", ""), str | None)
        ):
            raise Malformed(
                f"user_column_data[{index}]",
                _("Each column must be an object with its column_id and string_value as text."),
            )
    return lead


def _id(value: Any) -> str:
    """One of Google's ids as text (a number or a string of printable ASCII), or ""."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and ID.fullmatch(value) else ""
