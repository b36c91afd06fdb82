"""The channels in the admin: accounts (secrets write-only), listings and forms, portal
parsers (checked when saved, and tried on a pasted email), junk senders and the raw log
(read-only, filterable, replayable)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.core.admin import ReadOnlyAdmin

from .channels.email import parser_try
from .channels.portals import rules_parse
from .models import (
    ChannelAccount,
    JunkSender,
    Listing,
    MailboxFolder,
    Outcome,
    PortalParser,
    RawMessage,
)
from .secrets import secret_encrypt
from .services.mailbox import mailboxes_fetch_now
from .services.raw import raws_replay


def secret_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=help_text,
    )


class SecretsForm(forms.ModelForm):
    """Secrets are typed, never shown: each of `secret_fields` (form field → the model's
    encrypted column) is stored encrypted when given; an empty field keeps the stored one."""

    secret_fields: dict[str, str] = {}

    def save(self, commit=True):
        row = super().save(commit=False)
        for field, column in self.secret_fields.items():
            if self.cleaned_data.get(field):
                setattr(row, column, secret_encrypt(self.cleaned_data[field]))
        if commit:
            row.save()
            self.save_m2m()
        return row


class ChannelAccountForm(SecretsForm):
    secret_fields = {"secret": "secret_encrypted", "token": "token_encrypted"}

    secret = secret_field(
        _("password or secret"),
        _(
            "Mailbox: the password. Otodom: the webhook's shared secret. Meta: the app "
            "secret. Telegram: the bot's token. Stored encrypted; leave empty to keep it."
        ),
    )
    token = secret_field(
        _("access token"),
        _(
            "Meta: the page access token. Telegram: the webhook's secret token. Stored "
            "encrypted; leave empty to keep it."
        ),
    )

    class Meta:
        model = ChannelAccount
        fields = [
            "name", "kind", "active", "source", "default_investment", "host", "port", "use_tls",
            "username", "folders", "after_read", "move_to", "backfill_days", "external_id",
            "verify_token", "health_limit_minutes",
        ]  # fmt: skip


class MailboxFolderInline(admin.TabularInline):
    model = MailboxFolder
    extra = 0
    can_delete = False
    readonly_fields = ["name", "uidvalidity", "last_uid", "polled_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    form = ChannelAccountForm
    list_display = ["name", "kind", "active", "source", "last_success_at", "last_error_at"]
    list_filter = ["kind", "active"]
    list_select_related = ["source"]
    readonly_fields = ["has_secret", "has_token", "last_success_at", "last_error_at", "last_error"]
    inlines = [MailboxFolderInline]
    actions = ["fetch_now"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "active", "source", "default_investment"]}),
        (
            _("Mailbox (IMAP)"),
            {
                "fields": [
                    "host",
                    "port",
                    "use_tls",
                    "username",
                    "folders",
                    "after_read",
                    "move_to",
                    "backfill_days",
                ],  # fmt: skip
            },
        ),
        (_("Webhook or API"), {"fields": ["external_id", "verify_token"]}),
        (_("Secrets"), {"fields": ["secret", "has_secret", "token", "has_token"]}),
        (
            _("Health"),
            {"fields": ["health_limit_minutes", "last_success_at", "last_error_at", "last_error"]},
        ),
    ]

    @admin.action(description=_("Fetch now (mailboxes)"))
    def fetch_now(self, request, queryset):
        mailboxes = mailboxes_fetch_now(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d mailbox will be read in a moment.",
                "%(count)d mailboxes will be read in a moment.",
                len(mailboxes),
            )
            % {"count": len(mailboxes)},
            messages.SUCCESS if mailboxes else messages.WARNING,
        )

    @admin.display(description=_("secret stored"), boolean=True)
    def has_secret(self, account):
        return bool(account.secret_encrypted)

    @admin.display(description=_("token stored"), boolean=True)
    def has_token(self, account):
        return bool(account.token_encrypted)


class ListingForm(SecretsForm):
    secret_fields = {"form_key": "form_key_encrypted"}

    form_key = secret_field(
        _("form key"),
        _(
            "Google Ads: the key set on the lead form's webhook. Stored encrypted; leave "
            "empty to keep it."
        ),
    )

    class Meta:
        model = Listing
        fields = ["account", "key", "name", "investment", "unit", "field_map"]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    form = ListingForm
    list_display = ["key", "name", "account", "investment", "unit", "synced_at"]
    list_filter = ["account"]
    list_select_related = ["account", "investment", "unit__investment"]
    search_fields = ["key", "name"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["synced_at"]


class PortalParserForm(forms.ModelForm):
    """The rules and patterns are checked when saved, not when the first email fails."""

    class Meta:
        model = PortalParser
        fields = [
            "name", "active", "priority", "sender_domains", "subject_pattern", "rules",
            "prefer_reply_to", "source", "listing_pattern",
        ]  # fmt: skip

    def clean_rules(self):
        try:
            rules_parse(self.cleaned_data["rules"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return self.cleaned_data["rules"]

    def clean_subject_pattern(self):
        return _pattern_checked(self.cleaned_data["subject_pattern"], groups=0)

    def clean_listing_pattern(self):
        return _pattern_checked(self.cleaned_data["listing_pattern"], groups=1)


def _pattern_checked(pattern: str, *, groups: int) -> str:
    if not pattern:
        return pattern
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise forms.ValidationError(
            _("Not a valid regular expression: %(error)s.") % {"error": error}
        ) from error
    if compiled.groups < groups:
        raise forms.ValidationError(_("Put the id in parentheses: the first group is taken."))
    return pattern


class ParserTryForm(forms.Form):
    email = forms.CharField(
        label=_("email"),
        max_length=2_000_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "cols": 100, "spellcheck": "false"}),
        help_text=_(
            "The whole email with its headers, as your mail program shows it (“Show "
            "original”, “View source”)."
        ),
    )


@admin.register(PortalParser)
class PortalParserAdmin(admin.ModelAdmin):
    form = PortalParserForm
    list_display = ["name", "active", "priority", "source"]
    list_filter = ["active"]
    list_select_related = ["source"]

    def get_urls(self):
        return [
            path(
                "<int:parser_id>/try/",
                self.admin_site.admin_view(self.try_view),
                name="intake_portalparser_try",
            ),
            *super().get_urls(),
        ]

    def try_view(self, request, parser_id: int):
        """ "Try this parser on a pasted email": what it would read, or why it does not
        claim the email. Nothing is stored."""
        parser = get_object_or_404(PortalParser.objects.select_related("source"), pk=parser_id)
        if not self.has_view_permission(request, parser):
            raise PermissionDenied
        form = ParserTryForm(request.POST or None)
        trial = None
        if request.method == "POST" and form.is_valid():
            trial = parser_try(parser, form.cleaned_data["email"].encode("utf-8"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "parser": parser,
            "form": form,
            "trial": trial,
            "title": _("Try %(parser)s on an email") % {"parser": parser},
        }
        return TemplateResponse(request, "admin/intake/portalparser/try.html", context)


@admin.register(JunkSender)
class JunkSenderAdmin(admin.ModelAdmin):
    list_display = ["pattern", "note", "created_at", "created_by"]
    search_fields = ["pattern"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RawMessage)
class RawMessageAdmin(ReadOnlyAdmin):
    """What arrived, never edited; "replay" processes entries again after a parser, a
    mapping or the junk list was fixed (a lead already made stays the only one)."""

    list_display = ["received_at", "channel", "account", "sender", "subject", "outcome", "lead"]
    list_filter = ["channel", "outcome", "account", ("received_at", admin.DateFieldListFilter)]
    list_select_related = ["account", "lead"]
    search_fields = ["external_id", "sender", "subject"]
    date_hierarchy = "received_at"
    exclude = ["body"]
    readonly_fields = [
        "account", "channel", "external_id", "received_at", "location", "sender", "subject",
        "outcome", "reason", "lead", "attribution", "attempts", "processed_at", "headers",
        "content",
    ]  # fmt: skip
    actions = ["replay"]
    show_full_result_count = False

    @admin.display(description=_("content"))
    def content(self, raw):
        return bytes(raw.body).decode("utf-8", "replace")[:200_000]

    @admin.action(description=_("Replay the selected entries"))
    def replay(self, request, queryset):
        counts = raws_replay(queryset)
        summary = ", ".join(f"{Outcome(key).label}: {value}" for key, value in counts.items())
        self.message_user(
            request,
            ngettext(
                "Replayed %(count)d entry (%(summary)s).",
                "Replayed %(count)d entries (%(summary)s).",
                sum(counts.values()),
            )
            % {"count": sum(counts.values()), "summary": summary},
            messages.SUCCESS,
        )

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("intake.view_rawmessage")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("intake.replay_rawmessage"):
            actions.pop("replay", None)
        return actions
