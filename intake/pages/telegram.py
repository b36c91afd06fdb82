"""Telegram on the lead page: the panel with the chat and its reply form (registered with
`leads.panels` by `IntakeAppConfig.ready`) and the reply view it posts to,
/channels/telegram/leads/<lead id>/reply/ (mounted by crm/urls.py).

The reply is for those who may work the lead (`leads`' scoping: a lead the user cannot
see does not exist for them, 404) and goes through `intake.services.telegram`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from leads.detail_selectors import lead_get_light_for_user
from leads.models import Lead

from ..models import ChannelKind
from ..services.telegram import TEXT_LIMIT, lead_telegram_chat, telegram_reply


class TelegramReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def panel_context(request: HttpRequest, lead: Lead) -> dict | None:
    """The panel's context: the lead's chat, or None when it has none. Only a lead the bot
    made can have one (a chat moves to the next lead it opens): any other lead's page,
    almost all of them, pays no query for it."""
    payload = lead.raw_payload if isinstance(lead.raw_payload, dict) else {}
    attribution = payload.get("attribution")
    if not isinstance(attribution, dict) or attribution.get("channel") != ChannelKind.TELEGRAM:
        return None
    chat = lead_telegram_chat(lead=lead)
    if chat is None:
        return None
    username = attribution.get("username", "")
    is_open = not (lead.is_deleted or lead.is_failed)
    return {
        "chat": chat,
        "username": username,
        "form": TelegramReplyForm(auto_id="telegram-%s") if is_open else None,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def telegram_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the reply form on a page of its own; POST: send it and go back to the lead's
    conversations, or show the form again with why it was not sent."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    chat = lead_telegram_chat(lead=lead)
    if chat is None:
        raise Http404
    posted = request.method == "POST"
    form = TelegramReplyForm(request.POST if posted else None, auto_id="telegram-%s")
    if posted and form.is_valid():
        try:
            telegram_reply(lead=lead, user=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The message is sent on Telegram."))
            return redirect(f"{lead.get_absolute_url()}?tab=conversations")
    context = {"lead": lead, "chat": chat, "form": form}
    return render(request, "intake/telegram_reply.html", context, status=400 if posted else 200)


app_name = "telegram"
urlpatterns = [
    path("leads/<int:pk>/reply/", telegram_reply_view, name="reply"),
]
