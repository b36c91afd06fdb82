"""What every webhook does the same way: refuse a body that is too large, store what
arrived byte for byte with its headers (before anything else, so that the sender is
answered in milliseconds and nothing it sent can be lost), and leave the processing to a
worker once the entry is committed. Each channel's view checks its own authentication and
names the delivery's stable id."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse

from .models import ChannelAccount, RawMessage
from .services.raw import account_succeeded, raw_store

# Headers never stored: they authenticate the sender to us, or are the browser's.
HEADERS_NOT_KEPT = {"authorization", "cookie", "x-telegram-bot-api-secret-token"}


def too_large(request: HttpRequest) -> JsonResponse | None:
    """413 when the body is larger than a webhook body may be (read no further)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.LEJEK_INTAKE_MAX_WEBHOOK_BYTES
    if length > limit or len(request.body) > limit:
        return JsonResponse(
            {"errors": {"body": [f"The body is larger than {limit} bytes."]}}, status=413
        )
    return None


def kept_headers(request: HttpRequest) -> dict[str, str]:
    return {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in HEADERS_NOT_KEPT
    }


def webhook_store(
    request: HttpRequest, *, account: ChannelAccount, external_id: str, sender: str = "",
    subject: str = "", body: bytes | None = None,
) -> tuple[RawMessage, bool]:  # fmt: skip
    """Log one delivery (`body`: the request's, or one item of a batch) and have a worker
    process it after the commit; a delivery seen before is answered without a second
    entry."""
    from .tasks import process_raw_message

    with transaction.atomic():
        raw, created = raw_store(
            account=account,
            external_id=external_id,
            body=request.body if body is None else body,
            headers=kept_headers(request),
            sender=sender,
            subject=subject,
        )
        if created:
            transaction.on_commit(lambda: process_raw_message.delay(raw.pk))
    account_succeeded(account)
    return raw, created
