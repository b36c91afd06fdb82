"""Forms of conversations: "Add conversation" (log a done one, plan the next one, or both)
and "Mark done". They only validate; the services decide (a planned time in the past, a
done time in the future)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client
from crm.core.models import User
from leads.models import ActivityDirection, ActivityKind, Lead

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _when_field(label, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        **kwargs,
    )


def _duration_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=0,
        max_value=24 * 60,
        error_messages={"min_value": _("The duration cannot be negative.")},
    )


class EmployeeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ConversationForm(forms.Form):
    """A done conversation, the next planned one, or both."""

    log_done = forms.BooleanField(label=_("Log a conversation that took place"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=ActivityDirection.choices,
        initial=ActivityDirection.OUTBOUND,
        required=False,
    )
    done_at = _when_field(_("When"), required=False)
    duration_minutes = _duration_field()
    notes = forms.CharField(
        label=_("Outcome and notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_marketing = forms.BooleanField(
        label=_("Marketing contact (an offer the person did not ask for)"), required=False
    )
    # Shown once the service warns that the person has no consent for the channel.
    confirm_marketing = forms.BooleanField(
        label=_("Log anyway"),
        required=False,
        help_text=_("The contact was allowed all the same (e.g. the person asked for it)."),
    )
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("— none —"),
        error_messages={"invalid_choice": _("Choose one of the lead's clients.")},
    )
    plan_next = forms.BooleanField(label=_("Plan the next conversation"), required=False)
    planned_kind = forms.ChoiceField(
        label=_("Kind of the next conversation"), choices=ActivityKind.choices, required=False
    )
    planned_at = _when_field(_("Planned for"), required=False)
    planned_employee = EmployeeField(
        # Its own context: the client form's "Who" heads the client's basic data.
        label=pgettext_lazy("who holds the next conversation", "Who"),
        queryset=User.objects.none(),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the lead's employees.")},
    )
    planned_notes = forms.CharField(
        label=_("Notes for the next conversation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args, lead: Lead, user: User, plan_only: bool = False, client_id=None, **kwargs
    ):
        """`plan_only`: the form opened to plan a next step (e.g. from "My day");
        `client_id`: the client just called (a tapped phone's "log this call"), chosen
        when it is one of the lead's."""
        kwargs.setdefault(
            "initial",
            {
                "log_done": not plan_only,
                "plan_next": plan_only,
                "kind": ActivityKind.PHONE,
                "direction": ActivityDirection.OUTBOUND,
                "done_at": timezone.localtime().replace(second=0, microsecond=0),
                "planned_kind": ActivityKind.PHONE,
                "planned_employee": user.pk,
            },
        )
        super().__init__(*args, **kwargs)
        if client_id is not None and not self.is_bound:
            self.initial["client"] = client_id
        self.fields["client"].queryset = lead.clients.all()
        self.fields["planned_employee"].queryset = (
            User.objects.filter(is_active=True)
            .filter(Q(pk=user.pk) | Q(pk__in=lead.employees.values("pk")))
            .order_by("first_name", "last_name", "pk")
        )

    def clean(self):
        data = super().clean()
        log_done, plan_next = data.get("log_done"), data.get("plan_next")
        if not log_done and not plan_next:
            raise forms.ValidationError(_("Log a conversation, plan the next one, or both."))
        required = []
        if log_done:
            required += [("kind", _("Choose the kind of conversation.")),
                         ("done_at", _("Give the time of the conversation."))]  # fmt: skip
        if plan_next:
            required += [("planned_kind", _("Choose the kind of the next conversation.")),
                         ("planned_at", _("Give the time of the next conversation."))]  # fmt: skip
        for name, message in required:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data

    def done_part(self) -> dict | None:
        """The done conversation's arguments for the service, if one is logged."""
        data = self.cleaned_data
        if not data.get("log_done"):
            return None
        return {
            "kind": data["kind"],
            "direction": data.get("direction") or ActivityDirection.OUTBOUND,
            "done_at": data["done_at"],
            "duration_minutes": data.get("duration_minutes"),
            "notes": data.get("notes", ""),
            "client": data.get("client"),
            "is_marketing": bool(data.get("is_marketing")),
        }

    @property
    def marketing_confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirm_marketing"))

    def planned_part(self) -> dict | None:
        """The planned conversation's arguments for the service, if one is planned."""
        data = self.cleaned_data
        if not data.get("plan_next"):
            return None
        return {
            "kind": data["planned_kind"],
            "planned_at": data["planned_at"],
            "employee": data.get("planned_employee"),
            "notes": data.get("planned_notes", ""),
            "client": data.get("client"),
        }


class MarkDoneForm(forms.Form):
    """The outcome of a planned conversation that took place."""

    done_at = _when_field(_("When"), required=False, help_text=_("Leave empty for now."))
    duration_minutes = _duration_field()
    notes = forms.CharField(
        label=_("Outcome and notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PostponeForm(forms.Form):
    """My day's "postpone": the new time of a planned conversation."""

    planned_at = _when_field(_("Postpone to"))
