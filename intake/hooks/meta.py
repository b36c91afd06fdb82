"""Meta's lead ads webhook, /hooks/meta/<account id>/ (intake.channels.meta reads what
it stores).

GET is Meta's verification of the subscription: the challenge is echoed when the verify
token is the account's. POST is signed by Meta (`X-Hub-Signature-256`: HMAC-SHA256 of
the raw body with the app secret); an unsigned or wrongly signed one is refused before
its body is read. A delivery may batch several pages' changes; each `leadgen` change is
logged as its own entry (its `value`, under its `leadgen_id`), so that each lead has its
own idempotency key, outcome and replay; the signature was checked on the whole body and
the headers are kept with each entry. Changes of other fields are not ours and are
skipped. A body of the wrong shape is refused whole (400), nothing stored: the backfill
catches the leads of a batch Meta cannot deliver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..channels import Malformed
from ..channels.meta import graph_id
from ..models import ChannelAccount, ChannelKind
from ..webhooks import too_large, webhook_store

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=account_id, kind=ChannelKind.META, active=True)
    if request.method == "GET":
        return _verification(request, account)
    if refusal := too_large(request):
        return refusal
    if not _signed(request, account):
        logger.warning("Meta webhook of account %s: a POST without a valid signature.", account.pk)
        return JsonResponse(
            {"errors": {"signature": [_("The signature is not valid.")]}}, status=403
        )
    try:
        changes = leadgen_changes(request.body)
    except Malformed as error:
        return JsonResponse({"errors": {error.field: [error.message]}}, status=400)
    for value in changes:
        webhook_store(
            request,
            account=account,
            external_id=graph_id(value["leadgen_id"]),
            subject=graph_id(value["form_id"]),
            body=json.dumps(value).encode(),
        )
    return JsonResponse({"received": len(changes)})


def _verification(request: HttpRequest, account: ChannelAccount) -> HttpResponse:
    """Meta's subscription check: the challenge back, as text, to the one who knows the
    account's verify token (an account without one verifies nobody)."""
    token = request.GET.get("hub.verify_token", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and account.verify_token
        and hmac.compare_digest(token.encode(), account.verify_token.encode())
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponse(_("Verification refused."), status=403, content_type="text/plain")


def _signed(request: HttpRequest, account: ChannelAccount) -> bool:
    secret = account.secret
    if not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Hub-Signature-256", "")
    return hmac.compare_digest(expected.encode(), given.encode())


def leadgen_changes(body: bytes) -> list[dict[str, Any]]:
    """The `value` of each `leadgen` change of a page webhook's body; Malformed names the
    first field of the wrong shape."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Malformed("body", _("The body is not JSON.")) from error
    if not isinstance(payload, dict):
        raise Malformed("body", _("The body must be a JSON object."))
    if payload.get("object") != "page":
        raise Malformed("object", _('Only "page" webhooks are taken.'))
    entries = _list(payload.get("entry"), "entry")
    changes = []
    for index, entry in enumerate(entries):
        where = f"entry[{index}]"
        if not isinstance(entry, dict):
            raise Malformed(where, _("Each entry must be a JSON object."))
        for number, change in enumerate(_list(entry.get("changes"), f"{where}.changes")):
            at = f"{where}.changes[{number}]"
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                raise Malformed(at, _("Each change must be an object with its field."))
            if change["field"] != "leadgen":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                raise Malformed(f"{at}.value", _("The change's value must be a JSON object."))
            for key in ("leadgen_id", "form_id"):
                if not graph_id(value.get(key)):
                    raise Malformed(f"{at}.value.{key}", _("Give the id as Meta does."))
            changes.append(value)
    return changes


def _list(value: Any, field: str) -> list:
    if not isinstance(value, list):
        raise Malformed(field, _("This must be a list."))
    return value
