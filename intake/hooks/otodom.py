"""Otodom's webhook, /hooks/otodom/<account id>/: OLX Group's Real Estate API posts its
notifications here (the app's "notification callback URL"); `intake.channels.otodom`
reads what it stores.

Authentication, as OLX's webhooks page documents it and OLX integrations implement it:
each notification carries `X-Signature`, the hex HMAC-SHA1 of "<object_id>,<transaction_id>"
keyed with the app's notification secret (the account's secret here), compared in
constant time. A notification without it (refused before its body is read), with a wrong
one, or for an account without a secret is refused (403) and nothing is stored. The
signature covers the two ids, not the body: what keeps a body from being altered on its
way is TLS, so the callback URL must be https.

OLX wants a 2xx within 2 seconds and otherwise retries, every 30 minutes for about 16
hours, and may deliver a notification more than once: the view only checks and stores
(`webhook_store`: one entry per `data.uuid`, a retry answered 200 without a second one)
and a worker reads it. A body that is not a notification is refused with 400 and the field
named (a retry cannot fix it). A notification of another flow than `incoming_message`
(the app subscribed to advert events too) is accepted (200, or OLX retries it for hours)
and logged: its reader calls it junk, with the flow named.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..channels import Malformed
from ..channels.otodom import (
    FLOW,
    Envelope,
    delivery_id,
    envelope_read,
    message_read,
)
from ..models import ChannelAccount, ChannelKind
from ..webhooks import too_large, webhook_store

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"


@csrf_exempt
@require_POST
def otodom_webhook(request: HttpRequest, account_id: int) -> JsonResponse:
    account = get_object_or_404(ChannelAccount, pk=account_id, kind=ChannelKind.OTODOM, active=True)
    if refusal := too_large(request):
        return refusal
    signature = request.headers.get(SIGNATURE_HEADER, "")
    try:
        envelope = envelope_read(request.body) if signature else None
        if envelope is None or not signed(envelope, account=account, signature=signature):
            logger.warning("Otodom webhook of account %s: no valid signature.", account.pk)
            return JsonResponse(
                {"errors": {"signature": [_("The signature is not valid.")]}}, status=403
            )
        message = message_read(envelope) if envelope.flow == FLOW else None
    except Malformed as error:
        return JsonResponse({"errors": {error.field: [error.message]}}, status=400)
    sender = (message.sender_email or message.sender_name) if message else envelope.flow
    raw, created = webhook_store(
        request,
        account=account,
        external_id=delivery_id(envelope, message),
        sender=sender,
        subject=_("Otodom listing %(listing)s") % {"listing": message.ad_id} if message else "",
    )
    return JsonResponse({"received": raw.external_id, "new": created})


def signed(envelope: Envelope, *, account: ChannelAccount, signature: str) -> bool:
    """Whether `signature` is OLX's for this notification under the account's secret."""
    secret = account.secret
    if not secret:
        return False
    signed_text = f"{envelope.object_id},{envelope.transaction_id}".encode()
    expected = hmac.new(secret.encode(), signed_text, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
