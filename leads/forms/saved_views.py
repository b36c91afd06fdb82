"""Saving the lead list as a named view."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.models import SavedView


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the view"),
        max_length=SavedView._meta.get_field("name").max_length,
        error_messages={"required": _("Give the view a name.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Hot leads of Turzany")}),
    )
    shared = forms.BooleanField(label=_("Share with my branch"), required=False)
    # What the list showed when the user pressed "Save": filled in by the page.
    query = forms.CharField(
        required=False,
        max_length=SavedView._meta.get_field("query").max_length,
        widget=forms.HiddenInput,
    )
    layout = forms.ChoiceField(choices=SavedView.Layout.choices, widget=forms.HiddenInput)
