"""Google Ads lead forms: the webhook's body holds the whole lead (`user_column_data`, the
form, campaign, ad group and creative, the click id), so the entry is read as logged.

Columns are mapped by their id: the form's `Listing.field_map` first (custom questions,
consent questions: "marketing:email"), then Google's standard column ids
(`intake.channels.adform`). A lead Google marks `is_test` (the "send test data" button of
the form's webhook settings) is a `TestLead`: logged, so the administrator sees the
connection work, and kept out of the leads, so that it counts in no report.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Listing, RawMessage
from . import Inquiry, TestLead, Unreadable
from .adform import Answer, answers_read, objects, text, utm

DEFAULTS = {
    "FULL_NAME": "full_name",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "EMAIL": "email",
    "WORK_EMAIL": "email",
    "PHONE_NUMBER": "phone",
    "WORK_PHONE": "phone",
}
# How the message names Google's other standard columns (any other: by its column name).
LABELS = {
    "CITY": gettext_lazy("City"),
    "POSTAL_CODE": gettext_lazy("Postal code"),
    "STREET_ADDRESS": gettext_lazy("Street address"),
    "REGION": gettext_lazy("Region"),
    "COUNTRY": gettext_lazy("Country"),
    "COMPANY_NAME": gettext_lazy("Company"),
    "JOB_TITLE": gettext_lazy("Job title"),
}


def read(raw: RawMessage) -> Inquiry | TestLead:
    try:
        lead = json.loads(bytes(raw.body))
    except (ValueError, RecursionError) as error:
        raise Unreadable(_("The entry is not JSON: %(error)s") % {"error": error}) from error
    if not isinstance(lead, dict):
        raise Unreadable(_("The entry is not a JSON object."))
    if lead.get("is_test") is True:
        return TestLead(_("A test lead of Google Ads (is_test): no lead is made."))
    form_id = text(lead.get("form_id"))
    listing = Listing.objects.filter(account=raw.account, key=form_id[:100]).first()
    answers = [_answer(column) for column in objects(lead.get("user_column_data"))]
    data, consent_kinds = answers_read(
        answers, field_map=listing.field_map if listing else {}, defaults=DEFAULTS
    )
    campaign_id = text(lead.get("campaign_id"))
    data.update(utm(source="google", medium="lead_form", campaign=campaign_id))
    data["submitted_at"] = raw.received_at
    attribution = {
        key: text(lead.get(key))[:200]
        for key in ("lead_id", "form_id", "campaign_id", "adgroup_id", "creative_id", "gcl_id")
    }
    if listing is not None and listing.name:
        attribution["form_name"] = listing.name
    return Inquiry(
        data=data,
        attribution={key: value for key, value in attribution.items() if value},
        listing_key=form_id,
        consent_kinds=consent_kinds,
    )


def _answer(column: dict) -> Answer:
    column_id = text(column.get("column_id"))
    label = str(LABELS.get(column_id, "")) or text(column.get("column_name")) or column_id
    return Answer(column_id, label, text(column.get("string_value")))
