"""What the channels page and the health check read: each account's state, its errors of
the last day and the leads per day per channel, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ChannelAccount, ChannelKind, Outcome, RawMessage

# Leads per day are shown for this many last days.
DAYS = 14
OK, DEGRADED, FAILING, INACTIVE = "ok", "degraded", "failing", "inactive"
# Short names for the chart's legend and the table's rows.
CHANNEL_SHORT = {
    ChannelKind.MAILBOX: _("Mailboxes"),
    ChannelKind.OTODOM: "Otodom",
    ChannelKind.META: "Facebook / Instagram",
    ChannelKind.GOOGLE: "Google Ads",
    ChannelKind.TELEGRAM: "Telegram",
}


@dataclass
class AccountState:
    account: ChannelAccount
    errors_last_day: int
    arrived_last_day: int

    @property
    def state(self) -> str:
        return account_state(self.account, timezone.now())


def account_state(account: ChannelAccount, now: datetime) -> str:
    """ok; degraded: no successful poll or delivery within the account's limit (counted
    from its creation while it has none); failing: its last error is newer than its last
    success."""
    if not account.active:
        return INACTIVE
    if account.last_error_at and (
        account.last_success_at is None or account.last_error_at > account.last_success_at
    ):
        return FAILING
    if account.health_limit_minutes:
        since = account.last_success_at or account.created_at
        if since < now - timedelta(minutes=account.health_limit_minutes):
            return DEGRADED
    return OK


def channel_accounts() -> list[AccountState]:
    """Every account with its errors and arrivals of the last 24 hours (two queries)."""
    day_ago = timezone.now() - timedelta(days=1)
    counts = {
        row["account"]: row
        for row in RawMessage.objects.filter(received_at__gte=day_ago)
        .values("account")
        .annotate(
            errors=Count("pk", filter=Q(outcome=Outcome.ERROR)),
            arrived=Count("pk"),
        )
        .order_by()
    }
    return [
        AccountState(
            account=account,
            errors_last_day=counts.get(account.pk, {}).get("errors", 0),
            arrived_last_day=counts.get(account.pk, {}).get("arrived", 0),
        )
        for account in ChannelAccount.objects.select_related("source").order_by("kind", "name")
    ]


def leads_per_day(*, days: int = DAYS, today: date | None = None) -> tuple[list[date], dict]:
    """The leads each channel made on each of the last `days` days (one query): the days
    and, per channel label, a count per day."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        RawMessage.objects.filter(outcome=Outcome.CREATED, received_at__gte=start)
        .annotate(day=TruncDate("received_at"))
        .values("channel", "day")
        .annotate(leads=Count("pk"))
        .order_by()
    )
    days_list = [first + timedelta(days=n) for n in range(days)]
    series: dict[str, list[int]] = {}
    for row in rows:
        label = str(CHANNEL_SHORT[row["channel"]])
        values = series.setdefault(label, [0] * days)
        if row["day"] in days_list:
            values[days_list.index(row["day"])] += row["leads"]
    return days_list, series


def degraded_accounts(now: datetime | None = None) -> list[str]:
    """The names of active accounts that are not ok (for /healthz/; one query)."""
    now = now or timezone.now()
    return [
        account.name
        for account in ChannelAccount.objects.filter(active=True).only(
            "name",
            "active",
            "health_limit_minutes",
            "last_success_at",
            "last_error_at",
            "created_at",
        )  # fmt: skip
        if account_state(account, now) != OK
    ]
