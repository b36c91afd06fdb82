"""The confirmation of an anonymisation: it cannot be undone, so the user ticks it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the anonymisation cannot be undone."),
        error_messages={"required": _("Tick the box to confirm the anonymisation.")},
    )
