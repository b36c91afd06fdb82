"""Forms of the consent register's actions on a person: a consent an employee records
(with its clause version, date and an optional scanned document), a withdrawal and an
objection. They only validate; consents.services decides (an objection refuses a new
marketing consent that is not explicit)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from consents.models import Clause, Controller, Kind
from consents.selectors import kinds_offered
from crm.core.forms import FocusFirstErrorMixin
from leads.uploads import DOCUMENT_MAX_SIZE, GIF, JPEG, PDF, PNG, WEBP, filename_sanitize, sniff

# A scanned consent is a PDF or a picture of the paper; nothing else is evidence.
SCAN_KINDS = (PDF, PNG, JPEG, GIF, WEBP)


class ClauseField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Clause) -> str:
        return _("%(kind)s · version %(version)s · %(controller)s") % {
            "kind": obj.get_kind_display(),
            "version": obj.version,
            "controller": obj.controller.name,
        }


class ConsentGiveForm(FocusFirstErrorMixin, forms.Form):
    """A consent the person gave to an employee (on the phone, in the office, on paper)."""

    kind = forms.ChoiceField(label=_("Purpose and channel"))
    clause = ClauseField(
        label=_("Clause version"),
        queryset=Clause.objects.none(),
        help_text=_("The text the person agreed to."),
        error_messages={"invalid_choice": _("Choose one of the controller's clauses.")},
    )
    given_on = forms.DateField(
        label=_("Given on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. how the person said it: on the phone, in the office, in writing."),
    )
    document = forms.FileField(
        label=_("Scanned document"),
        required=False,
        allow_empty_file=True,
        help_text=_("Optional: a PDF or an image of at most 10 MB."),
        widget=forms.FileInput(
            attrs={"accept": ",".join(ext for kind in SCAN_KINDS for ext in kind.extensions)}
        ),
    )
    explicit = forms.BooleanField(
        label=_("The person agreed anew, explicitly"),
        required=False,
        help_text=_("Needed when the person objected to marketing: it ends the objection."),
    )

    def __init__(self, *args, controllers: list[Controller], **kwargs) -> None:
        kwargs.setdefault("initial", {"given_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        offered = kinds_offered()
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in offered]
        self.fields["clause"].queryset = (
            Clause.objects.filter(controller__in=controllers, kind__in=offered, is_legacy=False)
            .select_related("controller")
            .order_by("controller__name", "kind", "-version")
        )

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("A consent cannot be dated in the future."))
        return given_on

    def clean_document(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > DOCUMENT_MAX_SIZE:
            raise forms.ValidationError(
                _("The file is larger than 10 MB (it has %(size)s bytes); choose a smaller one.")
                % {"size": number_format(upload.size, force_grouping=True)}
            )
        kind = sniff(upload)
        if kind not in SCAN_KINDS:
            raise forms.ValidationError(
                _("A scanned consent is a PDF or an image (PNG, JPEG, GIF, WebP).")
            )
        # The name shown and offered for download; its extension the content's.
        name = filename_sanitize(upload.name or "")
        stem = name.rsplit(".", 1)[0] if "." in name else name
        upload.name = filename_sanitize(stem + kind.extensions[0])
        upload.content_type = kind.content_type
        return upload

    def clean(self):
        data = super().clean()
        clause, kind = data.get("clause"), data.get("kind")
        if clause is not None and kind and clause.kind != kind:
            self.add_error("clause", _("This clause is for another purpose or channel."))
        return data


class ConsentWithdrawForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(kind.value, kind.label) for kind in Kind if kind != Kind.INQUIRY]
    )


class ObjectionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
