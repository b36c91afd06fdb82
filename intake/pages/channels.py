"""The channels page for administrators: each account's last successful poll or
delivery, its errors of the last day, the leads per day per channel, "fetch now" for a
mailbox and "replay" of an account's errors of the last day."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from reports.charts import line_chart

from ..models import ChannelAccount, ChannelKind, Outcome
from ..selectors import channel_accounts, leads_per_day
from ..services.mailbox import mailboxes_fetch_now
from ..services.raw import REPLAY_LIMIT, account_errors_replay


def _require_administrator(request: HttpRequest) -> None:
    if not request.user.has_perm("intake.view_rawmessage"):
        raise PermissionDenied


@login_required
@require_safe
def channels_view(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    days, series = leads_per_day()
    labels = [day.strftime("%d.%m") for day in days]
    chart = line_chart(_("Leads per day"), labels, sorted(series.items())) if series else None
    rows = channel_accounts()
    log_url = reverse("admin:intake_rawmessage_changelist")
    for row in rows:
        row.errors_url = f"{log_url}?" + urlencode(
            {"account__id__exact": row.account.pk, "outcome__exact": Outcome.ERROR}
        )
    context = {
        "rows": rows,
        "chart": chart,
        "table_days": labels,
        "table_series": sorted(series.items()),
        "log_url": log_url,
        "add_url": reverse("admin:intake_channelaccount_add"),
        "can_replay": request.user.has_perm("intake.replay_rawmessage"),
    }
    return render(request, "intake/channels.html", context)


@login_required
@require_POST
def fetch_now_view(request: HttpRequest, account_id: int) -> HttpResponse:
    _require_administrator(request)
    account = get_object_or_404(ChannelAccount, pk=account_id, kind=ChannelKind.MAILBOX)
    mailboxes_fetch_now(ChannelAccount.objects.filter(pk=account.pk))
    messages.success(
        request, _("%(account)s will be read in a moment.") % {"account": account.name}
    )
    return redirect("channels:index")


@login_required
@require_POST
def replay_errors_view(request: HttpRequest, account_id: int) -> HttpResponse:
    _require_administrator(request)
    if not request.user.has_perm("intake.replay_rawmessage"):
        raise PermissionDenied
    account = get_object_or_404(ChannelAccount, pk=account_id)
    counts = account_errors_replay(account)
    replayed = sum(counts.values())
    fixed = replayed - counts.get(Outcome.ERROR, 0)
    messages.success(
        request,
        ngettext(
            "Replayed %(count)d entry: %(fixed)d no longer an error.",
            "Replayed %(count)d entries: %(fixed)d no longer errors.",
            replayed,
        )
        % {"count": replayed, "fixed": fixed},
    )
    if replayed == REPLAY_LIMIT:
        messages.warning(
            request,
            _("Only the first %(limit)d were replayed: replay again for the rest.")
            % {"limit": REPLAY_LIMIT},
        )
    return redirect("channels:index")


app_name = "channels"
urlpatterns = [
    path("", channels_view, name="index"),
    path("<int:account_id>/fetch/", fetch_now_view, name="fetch_now"),
    path("<int:account_id>/replay/", replay_errors_view, name="replay_errors"),
]
