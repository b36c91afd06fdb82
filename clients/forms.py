"""Forms of clients and contractors. They only validate; the views hand `cleaned_data` to
clients/services.py."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.forms import FocusFirstErrorMixin
from crm.core.models import User
from crm.core.params import whole_number

from .models import Client, ClientKind, Contractor, LeadSource

MESSAGE_EMAIL_OR_PHONE = _("Give the client an email address or a phone number.")
MESSAGE_COMPANY_NAME = _("A company client needs a company name.")


class VersionField(forms.CharField):
    """The `updated_at` of the record when the form was opened, carried as a hidden ISO
    timestamp (a DateTimeField would drop the microseconds and never match)."""

    widget = forms.HiddenInput
    default_error_messages = {"required": _("The form was damaged; open it again.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> datetime | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("The form was damaged; open it again."), code="invalid"
            ) from exc

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, datetime) else value


def employees_for(user: User, *, include: int | None = None):
    """Employees a user may name as a caretaker: the active staff of the user's branch
    (every active employee for an administrator without a branch), plus the current one."""
    employees = User.objects.filter(is_active=True)
    if user.branch_id:
        employees = employees.filter(branch_id=user.branch_id)
    elif not user.is_administrator:
        employees = employees.none()
    if include:
        employees = User.objects.filter(Q(pk__in=employees.values("pk")) | Q(pk=include))
    return employees.order_by("last_name", "first_name", "username")


class SeenDuplicatesField(forms.CharField):
    """The ids of the existing clients the duplicate check showed the user before they
    chose to create the client anyway, carried as a hidden "1,2,3"."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        text = super().to_python(value) or ""
        pks = (whole_number(part.strip()) for part in text.split(","))
        return [pk for pk in pks if pk is not None][:50]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(pk) for pk in value)
        return value


class ClientForm(FocusFirstErrorMixin, forms.ModelForm):
    updated_at = VersionField()
    seen_duplicates = SeenDuplicatesField()
    first_field = "kind"

    class Meta:
        model = Client
        fields = [
            "kind",
            "company_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "pesel",
            "accounting_id",
            "caretaker",
            "source",
            "preferred_investment",
            "description",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance
        self.fields["caretaker"].queryset = employees_for(user, include=instance.caretaker_id)
        sources = LeadSource.objects.filter(active=True)
        if instance.source_id:
            sources = LeadSource.objects.filter(Q(active=True) | Q(pk=instance.source_id))
        self.fields["source"].queryset = sources
        if instance.pk:
            # The version the form was opened on: the service refuses a stale save.
            self.fields["updated_at"].initial = instance.updated_at
            self.fields["updated_at"].required = True
        elif not user.is_manager and not user.is_administrator:
            # An advisor adding a client becomes its caretaker unless they pick a teammate.
            self.fields["caretaker"].initial = user.pk
        self._focus_first_field()

    def show_duplicates(self, candidates) -> None:
        """The duplicate check found these clients: the form's next submission means
        "create it anyway" for them (and only them)."""
        self.data = self.data.copy()
        self.data[self.add_prefix("seen_duplicates")] = ",".join(
            str(candidate.client.pk) for candidate in candidates
        )
        self.duplicates = candidates

    def clean(self) -> dict:
        cleaned = super().clean()
        if "email" in cleaned and "phone" in cleaned:
            if not cleaned["email"] and not cleaned["phone"]:
                self.add_error("email", MESSAGE_EMAIL_OR_PHONE)
                self.add_error("phone", MESSAGE_EMAIL_OR_PHONE)
        if cleaned.get("kind") == ClientKind.COMPANY and not cleaned.get("company_name"):
            self.add_error("company_name", MESSAGE_COMPANY_NAME)
        return cleaned


class ContractorForm(FocusFirstErrorMixin, forms.ModelForm):
    updated_at = VersionField()
    first_field = "name"

    class Meta:
        model = Contractor
        fields = ["name", "nip", "krs", "regon", "email", "phone", "street", "postal_code", "city"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["updated_at"].initial = self.instance.updated_at
            self.fields["updated_at"].required = True
        self._focus_first_field()
