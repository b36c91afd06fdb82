"""Forms of the lead screens. They only validate; the views hand cleaned_data to services."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clients.forms import ClientForm, VersionField
from clients.models import Client, Contractor, LeadSource
from clients.selectors import active_sources, clients_visible_to, contractors_visible_to
from crm.core.listing import PAGE_SIZES
from crm.core.models import User
from crm.core.params import whole_number
from investments.models import Investment
from leads.services.editing import MESSAGE_NO_EMPLOYEE
from leads.services.pipeline import statuses_for_manual_move
from leads.tables import column_labels
from settings_app.selectors import crm_settings

from ..models import FailureReason, Lead

# --- The lead page's actions: change status, mark as failure --------------------------------


class StatusSelect(forms.Select):
    def use_required_attribute(self, initial) -> bool:
        # Every option is a status, none is empty; Django would otherwise read the choices
        # once more (a second query) only to find that out.
        return False


class StatusChangeForm(forms.Form):
    """Move a lead to another active status (the service checks the settings and the lead).
    Won statuses are not offered: a contract wins a lead."""

    status = forms.ModelChoiceField(
        label=_("Status"),
        queryset=statuses_for_manual_move(),
        empty_label=None,
        widget=StatusSelect,
    )


class FailureForm(forms.Form):
    """Close a lead as a failure: an active reason and an optional comment."""

    failure_reason = forms.ModelChoiceField(
        label=capfirst(_("failure reason")),
        queryset=FailureReason.objects.filter(active=True),
        error_messages={"required": _("Choose the reason for the failure.")},
    )
    failure_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- The lead form (create / edit) ----------------------------------------------------------

# The source a lead entered by hand gets unless the user picks another.
DEFAULT_SOURCE_SLUG = "recznie"
# A client added in the lead form's dialog is kept in the form, signed, until the lead
# is saved (then `lead_create` / `lead_update` make it); a form left open longer is old.
NEW_CLIENT_SALT = "lejek.leads.new-client"
NEW_CLIENT_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class NewClient:
    """A client added in the lead form's "add client" dialog and not made yet: the
    client form's data (checked again when the lead is saved) and the existing clients
    the user saw and chose to create it beside."""

    token: str
    label: str
    data: dict
    seen_duplicates: list[int]

    @property
    def key(self) -> str:
        """A short id of this pending client for the page's chips."""
        return "new-" + hashlib.sha256(self.token.encode()).hexdigest()[:12]


def new_client_of(form: ClientForm) -> NewClient:
    """The dialog's valid client form as the lead form keeps it: its submitted fields,
    signed, so that only what this server checked comes back."""
    fields = [name for name in form.fields if name != "updated_at"]
    token = signing.dumps(
        {name: form.data.get(form.add_prefix(name), "") for name in fields}, salt=NEW_CLIENT_SALT
    )
    data = form.cleaned_data
    return NewClient(token, str(form.instance), data, data["seen_duplicates"])


def new_client_from_token(token: str, *, user: User) -> NewClient:
    """The pending client of a token, its data checked again by the client form;
    ValidationError when the token is damaged, old or its data no longer valid."""
    try:
        raw = signing.loads(token, salt=NEW_CLIENT_SALT, max_age=NEW_CLIENT_MAX_AGE)
    except signing.BadSignature as error:
        raise forms.ValidationError(
            _("A new client of this form is too old or damaged; add the client again.")
        ) from error
    form = ClientForm(raw, user=user)
    if not form.is_valid():
        messages = [f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
        raise forms.ValidationError(
            _("The new client could not be kept (%(errors)s); add the client again.")
            % {"errors": "; ".join(messages)}
        )
    return NewClient(
        token, str(form.instance), form.cleaned_data, form.cleaned_data["seen_duplicates"]
    )


def _or_current(choices: QuerySet, current: list[Model]) -> QuerySet:
    """`choices` plus what the lead already has, so that saving the form never drops a
    relation the user could not pick again (an inactive investment, a deactivated
    employee, a client of another branch added by a manager)."""
    if not current:
        return choices
    return choices.model.objects.filter(
        Q(pk__in=choices.values("pk")) | Q(pk__in=[obj.pk for obj in current])
    )


class EmployeeChoiceField(forms.ModelMultipleChoiceField):
    show_branch = False

    def label_from_instance(self, obj: User) -> str:
        # Administrators choose among every branch's employees.
        if self.show_branch and obj.branch is not None:
            return f"{obj} · {obj.branch}"
        return str(obj)


class LeadForm(forms.Form):
    """Create or edit a lead. Clients and contractors are limited to those the user may
    see, sources to active ones; on edit the form carries the lead's `updated_at` so that
    a save over someone else's newer change is refused."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Give the lead a name.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    clients = forms.ModelMultipleChoiceField(
        label=_("Clients"),
        queryset=Client.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        help_text=_("Search by first, last or company name, email, phone or PESEL."),
        error_messages={
            "invalid_choice": _("This client does not exist or you may not see it."),
            "invalid_pk_value": _("This client does not exist or you may not see it."),
        },
    )
    contractors = forms.ModelMultipleChoiceField(
        label=_("Contractors"),
        queryset=Contractor.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        help_text=_("Search by name, NIP, KRS, email or phone."),
        error_messages={
            "invalid_choice": _("This contractor does not exist or you may not see it."),
            "invalid_pk_value": _("This contractor does not exist or you may not see it."),
        },
    )
    investments = forms.ModelMultipleChoiceField(
        label=_("Investments"),
        queryset=Investment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose every investment the lead is about."),
        error_messages={"invalid_choice": _("This investment cannot be chosen.")},
    )
    employees = EmployeeChoiceField(
        label=_("Employees"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each person listed here gets access to the lead."),
        error_messages={
            "required": MESSAGE_NO_EMPLOYEE,
            "invalid_choice": _("This employee cannot be chosen."),
        },
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=LeadSource.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose where the lead came from."),
            "invalid_choice": _("This source is not active; choose another one."),
        },
    )
    new_clients = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    updated_at = VersionField()

    def __init__(self, *args, user: User, lead: Lead | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.pending_clients: list[NewClient] = []
        current = self._current_relations(lead)
        self.fields["clients"].queryset = _or_current(clients_visible_to(user), current["clients"])
        self.fields["contractors"].queryset = _or_current(
            contractors_visible_to(user), current["contractors"]
        )
        self.fields["investments"].queryset = _or_current(
            Investment.objects.filter(active=True), current["investments"]
        )
        employees = User.objects.filter(is_active=True)
        if not user.is_administrator:
            employees = employees.filter(branch_id=user.branch_id)
        employees_field = self.fields["employees"]
        employees_field.queryset = (
            _or_current(employees, current["employees"])
            .select_related("branch")
            .order_by("last_name", "first_name", "username")
        )
        employees_field.show_branch = user.is_administrator
        sources = active_sources()
        if lead is not None:
            sources = LeadSource.objects.filter(Q(active=True) | Q(pk=lead.source_id))
        self.fields["source"].queryset = sources

        if lead is None:
            del self.fields["updated_at"]
            if not self.is_bound:
                self.initial.setdefault("name", crm_settings().default_lead_name)
                self.initial.setdefault("employees", [user.pk])
                default_source = sources.filter(slug=DEFAULT_SOURCE_SLUG).first()
                self.initial.setdefault("source", default_source)
        else:
            self.initial.setdefault("name", lead.name)
            self.initial.setdefault("source", lead.source_id)
            self.initial.setdefault("updated_at", lead.updated_at)
            for name, objects in current.items():
                self.initial.setdefault(name, objects)

    @staticmethod
    def _current_relations(lead: Lead | None) -> dict[str, list[Model]]:
        names = ("clients", "contractors", "investments", "employees")
        if lead is None:
            return {name: [] for name in names}
        return {name: list(getattr(lead, name).all()) for name in names}

    def clean_new_clients(self) -> list[NewClient]:
        """Each pending client checked once; the valid ones are kept for the chips of a
        page shown again (`new_clients_chosen`), the others are the field's errors."""
        tokens = list(dict.fromkeys(self.cleaned_data.get("new_clients") or []))[:20]
        errors = []
        for token in tokens:
            try:
                self.pending_clients.append(new_client_from_token(token, user=self.user))
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return self.pending_clients

    def new_clients_chosen(self) -> list[NewClient]:
        """The pending new clients to show as chips again (a refused save keeps them)."""
        return self.pending_clients

    def clean_updated_at(self):
        value = self.cleaned_data["updated_at"]
        if value is None:
            raise forms.ValidationError(_("The form was damaged; open it again."))
        return value

    def chosen(self, name: str) -> list[Model]:
        """The clients or contractors to show as chosen: the lead's own on an unbound
        form, else those of the submitted ids that the user may choose."""
        if not self.is_bound:
            return list(self.initial.get(name, []))
        submitted = (whole_number(str(value)) for value in self[name].value() or [])
        pks = [pk for pk in submitted if pk is not None]
        by_pk = self.fields[name].queryset.in_bulk(pks) if pks else {}
        return [by_pk[pk] for pk in dict.fromkeys(pks) if pk in by_pk]


# The lead list: bulk actions and the column chooser.


class BulkAction:
    ADD_EMPLOYEE = "add_employee"
    CHANGE_STATUS = "change_status"
    EXPORT = "export"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


class LeadBulkForm(forms.Form):
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=())
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (BulkAction.CHANGE_STATUS, _("Change status")),
            (BulkAction.ADD_EMPLOYEE, _("Assign an employee")),
            (BulkAction.EXPORT, _("Export to Excel")),
            (BulkAction.ARCHIVE, _("Archive")),
            (BulkAction.UNARCHIVE, _("Unarchive")),
        ],
    )
    status = forms.ModelChoiceField(
        label=_("New status"), queryset=statuses_for_manual_move(), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("Employee"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        employees = User.objects.filter(is_active=True)
        if not user.is_administrator:
            employees = employees.filter(branch_id=user.branch_id)
        self.fields["employee"].queryset = employees
        if not user.has_perm("leads.reassign_lead"):
            self.fields["action"].choices = [
                choice
                for choice in self.fields["action"].choices
                if choice[0] != BulkAction.ADD_EMPLOYEE
            ]
        if not user.has_perm("leads.export_lead"):
            self.fields["action"].choices = [
                choice for choice in self.fields["action"].choices if choice[0] != BulkAction.EXPORT
            ]
        # Any id is accepted here; the view keeps only the leads the user may see.
        self.fields["selected"].choices = (
            [
                (value, value)
                for value in self.data.getlist("selected")
                if whole_number(value) is not None
            ]
            if self.is_bound
            else []
        )

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == BulkAction.CHANGE_STATUS and not cleaned.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == BulkAction.ADD_EMPLOYEE and not cleaned.get("employee"):
            self.add_error("employee", _("Choose the employee."))
        return cleaned


class LeadColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Columns"), choices=column_labels, widget=forms.CheckboxSelectMultiple
    )
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"),
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
    )
