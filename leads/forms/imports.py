"""Forms of an import: the upload and the column mapping."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from leads.imports.encodings import ENCODINGS
from leads.imports.mapping import column_label, fields_of, mapping_errors
from leads.imports.reading import MAX_FILE_BYTES, MESSAGE_TOO_LARGE
from leads.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.TypedChoiceField(
        label=_("What the file holds"),
        choices=ImportKind.choices,
        initial=ImportKind.LEADS,
        required=False,
        empty_value=ImportKind.LEADS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "Excel (.xlsx) or CSV (UTF-8, Windows-1250 or ISO-8859-2, “;” or “,”), at most 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        choices=[("", _("Recognise it")), *ENCODINGS.items()],
        required=False,
        help_text=_("Lejek recognises it; choose one only when the names read wrong."),
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=LeadSource.objects.filter(active=True).order_by("order", "name"),
        help_text=_("Every imported lead (or client) gets this source."),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        help_text=_(
            "Import nothing if any row has an error (by default good rows are imported "
            "and bad ones listed)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(MESSAGE_TOO_LARGE)
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ImportEncodingForm(forms.Form):
    """Another encoding to read a CSV in (the mapping page)."""

    encoding = forms.ChoiceField(label=_("Encoding of the file"), choices=ENCODINGS.items())


class ImportMappingForm(forms.Form):
    """One select per column of the file: the field it fills, or nothing."""

    def __init__(
        self,
        *args,
        headers: list[str],
        initial_mapping: dict[str, str],
        samples: list[list[str]] = (),
        kind: str = ImportKind.LEADS,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [("", _("— skip this column —")), *fields_of(kind).items()]
        for index in range(len(headers)):
            values = [row[index] for row in samples if index < len(row) and row[index]]
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column_label(headers, index),
                choices=choices,
                required=False,
                initial=initial_mapping.get(str(index), ""),
                help_text=_("For example: %(values)s") % {"values": ", ".join(values)[:120]}
                if values
                else "",
            )

    def clean(self):
        cleaned = super().clean()
        errors = mapping_errors(self.mapping(), self.kind)
        for error in errors:
            self.add_error(None, error)
        return cleaned

    def mapping(self) -> dict[str, str]:
        """{column index: field} of the chosen columns."""
        return {
            name.removeprefix("column_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("column_") and value
        }
