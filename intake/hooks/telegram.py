"""A Telegram bot's webhook, /hooks/telegram/<account id>/; `intake.channels.telegram`
reads what it stores.

The account's secret is the bot's token and its token the webhook's secret token: the
webhook is set (setWebhook) with `secret_token` and Telegram sends it back in
`X-Telegram-Bot-Api-Secret-Token` with every update. A missing or wrong one, or an account
without one, is refused (403) before the body is read; the header is never stored.

An update is stored under "<chat id>:<update id>" (Telegram retries an update it got no 2xx
for, with the same id), and answered with an empty 200 at once (a JSON body would be read
by Telegram as a method to call). Only updates with a `message` are stored: a private
chat's is an inquiry or a reply, a group's or channel's is logged as junk with the reason.
An update of another kind (an edited message, a button's callback, the bot blocked) is
answered 200 and not stored: it is no inquiry, and the webhook is meant to be set with
`allowed_updates=["message"]`, so that Telegram does not send them at all.
"""

from __future__ import annotations

import hmac
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..channels import Malformed
from ..channels.telegram import update_read
from ..models import ChannelAccount, ChannelKind
from ..webhooks import too_large, webhook_store

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(
        ChannelAccount, pk=account_id, kind=ChannelKind.TELEGRAM, active=True
    )
    if not _authentic(request, account):
        logger.warning("Telegram webhook of account %s: no valid secret token.", account.pk)
        return JsonResponse(
            {"errors": {"secret_token": [_("The secret token is not valid.")]}}, status=403
        )
    if refusal := too_large(request):
        return refusal
    try:
        update = update_read(request.body)
    except Malformed as error:
        return JsonResponse({"errors": {error.field: [error.message]}}, status=400)
    message = update.message
    if message is not None:
        sender = f"@{message.username}" if message.username else message.first_name
        webhook_store(
            request,
            account=account,
            external_id=update.external_id,
            sender=" ".join(filter(None, [sender, f"({message.chat_id})"])),
        )
    return HttpResponse(status=200)


def _authentic(request: HttpRequest, account: ChannelAccount) -> bool:
    expected = account.token
    given = request.headers.get(SECRET_HEADER, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
