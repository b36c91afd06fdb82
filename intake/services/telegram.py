"""Writing through a Telegram bot: an employee's reply to the chat a lead came from.

The reply is sent first and logged after, as an outbound messenger conversation through
`leads`' `conversation_log` (so the lead's rules apply: an open lead, the user's name on
it). What Telegram does not take (the person blocked the bot, the API does not answer) is
shown to the user and nothing is logged: the conversations list only what was sent.
"""

from __future__ import annotations

import logging

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Activity, ActivityDirection, ActivityKind, Lead
from leads.services.conversations import conversation_log
from leads.services.pipeline import lead_closed_refusal

from ..models import TelegramChat

logger = logging.getLogger(__name__)

# sendMessage's limit on a message's text (Bot API).
TEXT_LIMIT = 4096
TIMEOUT_SECONDS = 10


def lead_telegram_chat(*, lead: Lead) -> TelegramChat | None:
    """The chat a reply to the lead goes to (its newest, should it have several), with its
    bot's account; one query."""
    return (
        TelegramChat.objects.filter(lead=lead)
        .select_related("account")
        .order_by("-created_at", "-id")
        .first()
    )


def telegram_reply(*, lead: Lead, user: User, text: str) -> Activity:
    """Send `text` to the lead's Telegram chat and log it as `user`'s outbound messenger
    conversation. Refused (ValidationError, nothing sent) when the text is empty or too
    long, the lead has no chat or takes no work; refused (nothing logged) when Telegram
    does not send it, with its reason."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")})
    if len(text) > TEXT_LIMIT:
        raise ValidationError(
            {"text": _("Telegram takes at most %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    chat = lead_telegram_chat(lead=lead)
    if chat is None:
        raise ValidationError(_("This lead has no Telegram chat."))
    if refusal := lead_closed_refusal(lead=lead, won_closes=False):
        raise ValidationError(refusal)
    _send_message(chat, text)
    return conversation_log(
        lead=lead,
        user=user,
        kind=ActivityKind.MESSENGER,
        done_at=timezone.now(),
        direction=ActivityDirection.OUTBOUND,
        notes=text,
    )


def _send_message(chat: TelegramChat, text: str) -> None:
    token = chat.account.secret
    if not token:
        raise ValidationError(
            _("The Telegram bot has no token: an administrator enters it in the channel account.")
        )
    url = f"{settings.LEJEK_TELEGRAM_API_URL.rstrip('/')}/bot{token}/sendMessage"
    try:
        response = httpx.post(
            url, json={"chat_id": chat.chat_id, "text": text}, timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        # Not the error's text: it may hold the URL, and the URL holds the bot's token.
        logger.warning("Telegram sendMessage of account %s: %s", chat.account_id, type(error))
        raise ValidationError(
            _("Telegram did not answer; the message was not sent. Try again in a moment.")
        ) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code == 200 and isinstance(answer, dict) and answer.get("ok") is True:
        return
    reason = answer.get("description") if isinstance(answer, dict) else None
    logger.warning(
        "Telegram sendMessage of account %s refused: %s", chat.account_id, response.status_code
    )
    raise ValidationError(
        _("Telegram did not send the message: %(reason)s")
        % {"reason": str(reason or f"HTTP {response.status_code}")[:300]}
    )
