"""The webhook phase of `bench_channels`: deliveries POSTed one after another to a real
gunicorn (production settings, DEBUG off) while no Celery worker consumes the queue (the
worker lags: every delivery's task piles up in Redis), each answer timed; some deliveries
are sent again, as OLX and Google retry. Then the backlog is processed (`raw_process` for
every waiting entry, in this process) and the rows counted: each delivery made exactly
one lead, a delivery sent again none.

The webhook is Otodom's (`intake:otodom_webhook`), each delivery signed as OLX signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from clients.models import LeadSource
from leads.bench.intake_server import Gunicorn, ServerConfig, http_request
from leads.models import Lead

from ..models import ChannelAccount, ChannelKind, Outcome, RawMessage
from ..secrets import secret_encrypt
from ..services.raw import raw_process
from .common import ACCOUNT_PREFIX, median, percentile, tasks_waiting
from .mail import person_for

TARGET_P95_MS = 100
# Deliveries per gunicorn worker sent first, untimed (counted in the checks): a worker's
# first requests import the code and open the database and Redis connections.
WARM_PER_WORKER = 3
# Every this many deliveries, one is sent again once all have been sent.
RESEND_EVERY = 10


@dataclass
class WebhookFigures:
    url: str
    deliveries: int  # timed
    warm: int  # sent first, untimed
    timings_ms: list[float] = field(default_factory=list)
    resent_timings_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    queued: int = 0
    waiting: int = 0
    backlog_s: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    leads: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def resent(self) -> int:
        return len(self.resent_timings_ms)

    def summary(self) -> dict[str, float]:
        return {
            "median_ms": median(self.timings_ms),
            "p95_ms": percentile(self.timings_ms, 0.95),
            "max_ms": max(self.timings_ms, default=float("nan")),
            "resent_p95_ms": percentile(self.resent_timings_ms, 0.95),
        }


class WebhookServer(Gunicorn):
    """gunicorn as bench_intake runs it, reading the channel secrets with this process's
    key (the server's SECRET_KEY is a random one of its own)."""

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "LEJEK_CHANNEL_KEY": settings.LEJEK_CHANNEL_KEY}


def webhook_account(source: LeadSource) -> tuple[ChannelAccount, str]:
    """The bench's Otodom account (made once, then reused) with a fresh notification
    secret."""
    account, _created = ChannelAccount.objects.get_or_create(
        name=f"{ACCOUNT_PREFIX} otodom", defaults={"kind": ChannelKind.OTODOM, "source": source}
    )
    secret = secrets.token_urlsafe(24)
    account.kind, account.source, account.active = ChannelKind.OTODOM, source, True
    account.secret_encrypted = secret_encrypt(secret)
    account.save()
    return account, secret


def delivery(*, run_id: str, number: int, secret: str, rng) -> tuple[str, bytes, dict]:
    """(its uuid, the body, the headers) of one incoming_message notification, as OLX
    sends it."""
    person = person_for(run_id, 100_000 + number, rng)
    message_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{number}"))
    body = {
        "transaction_id": str(uuid.uuid4()),
        "object_id": message_uuid,
        "flow": "incoming_message",
        "event_type": "incoming_message_success",
        "timestamp": int(time.time() * 1000),
        "data": {
            "uuid": message_uuid,
            "ad_id": 9_846_400 + number % 40,
            "conversation_id": f"{run_id}-{number}",
            "id": number,
            "sender_name": person.full_name,
            "sender_email": person.email,
            "sender_phone": person.phone.removeprefix("+48"),
            "message": "Dzień dobry, proszę o kontakt w sprawie mieszkania z ogłoszenia.",
            "created_at": timezone.now().isoformat(),
            "from": "otodom",
        },
    }
    signed = f"{body['object_id']},{body['transaction_id']}".encode()
    signature = hmac.new(secret.encode(), signed, hashlib.sha1).hexdigest()
    return message_uuid, json.dumps(body).encode(), {"X-Signature": signature}


def webhook_phase(
    *, count: int, run_id: str, source: LeadSource, redis_url: str, workers: int, workdir: Path
) -> WebhookFigures:
    account, secret = webhook_account(source)
    path = reverse("intake:otodom_webhook", args=[account.pk])
    rng = random.Random(run_id)
    warm = workers * WARM_PER_WORKER
    figures = WebhookFigures(url=path, deliveries=count, warm=warm)
    sent = [delivery(run_id=run_id, number=n, secret=secret, rng=rng) for n in range(warm + count)]
    first_id = RawMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    config = ServerConfig(workers=workers, redis_url=redis_url)
    with WebhookServer(config, log_path=workdir / "gunicorn.log") as server:
        headers = {"Content-Type": "application/json"}
        for number, (_key, body, extra) in enumerate(sent):
            status, took = _post(server.base_url, path, body, {**headers, **extra})
            figures.statuses[status] += 1
            if number >= warm:
                figures.timings_ms.append(took)
        for _key, body, extra in sent[::RESEND_EVERY]:
            status, took = _post(server.base_url, path, body, {**headers, **extra})
            figures.statuses[status] += 1
            figures.resent_timings_ms.append(took)
    figures.queued = tasks_waiting(redis_url, "intake.tasks.process_raw_message")
    entries = RawMessage.objects.filter(account=account, pk__gt=first_id)
    waiting = list(
        entries.filter(outcome=Outcome.PENDING).order_by("pk").values_list("pk", flat=True)
    )
    figures.waiting = len(waiting)
    with override_settings(DEBUG=False):
        started = time.perf_counter()
        for raw_id in waiting:
            raw_process(raw_id)
        figures.backlog_s = time.perf_counter() - started
    figures.outcomes = dict(entries.values_list("outcome").annotate(n=Count("pk")).order_by())
    figures.problems = _problems(figures, entries, [key for key, _b, _h in sent])
    return figures


def _post(base_url: str, path: str, body: bytes, headers: dict) -> tuple[int, float]:
    started = time.perf_counter()
    status, _answer = http_request(base_url, "POST", path, body, headers)
    return status, (time.perf_counter() - started) * 1000


def _problems(figures: WebhookFigures, entries, keys: list[str]) -> list[str]:
    problems = []
    not_ok = {code: n for code, n in figures.statuses.items() if code != 200}
    if not_ok:
        problems.append(f"answers other than 200: {not_ok}")
    if figures.queued < len(keys):
        problems.append(f"{figures.queued} tasks waited in Redis for {len(keys)} deliveries")
    if figures.waiting != len(keys):
        problems.append(
            f"{figures.waiting} entries waited for the worker, {len(keys)} deliveries were new"
        )
    per_key = Counter(entries.values_list("external_id", flat=True))
    lost = [key for key in keys if key not in per_key]
    doubled = [key for key, n in per_key.items() if n > 1]
    if lost or doubled or len(per_key) != len(keys):
        problems.append(f"raw log: {len(lost)} deliveries lost, {len(doubled)} doubled")
    created = figures.outcomes.get(Outcome.CREATED, 0)
    if created != len(keys):
        problems.append(f"{len(keys)} deliveries, {created} leads created ({figures.outcomes})")
    leads = Counter(
        Lead.objects.filter(external_id__in=[f"otodom:{key}" for key in keys]).values_list(
            "external_id", flat=True
        )
    )
    figures.leads = sum(leads.values())
    if len(leads) != len(keys) or any(n != 1 for n in leads.values()):
        problems.append(f"{len(keys)} deliveries, {figures.leads} leads with their ids")
    return problems
