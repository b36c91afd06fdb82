"""Forms of notes and documents. They only take the input: the file itself (size, type
from its content, name) is checked by `leads.uploads.upload_check`, whose
refusals the views show next to the file field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import FocusFirstErrorMixin

from ..services.documents import NOTE_MAX_LENGTH
from ..uploads import FileKind


def _file_input(kinds: list[FileKind]) -> forms.FileInput:
    # The browser's file picker offers the allowed types first; the server decides.
    accept = ",".join(ext for kind in kinds for ext in kind.extensions)
    return forms.FileInput(attrs={"accept": accept} if accept else {})


class NoteForm(FocusFirstErrorMixin, forms.Form):
    prefix = "note"
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the note.")},
    )
    file = forms.FileField(
        label=_("Attachment"),
        required=False,
        allow_empty_file=True,  # refused by the service, with its own message
        help_text=_("Optional: one file of at most 10 MB."),
    )

    def __init__(self, *args, kinds: list[FileKind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget = _file_input(kinds)


class DocumentForm(FocusFirstErrorMixin, forms.Form):
    prefix = "document"
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        help_text=_("At most 10 MB."),
        error_messages={"required": _("Choose a file.")},
    )

    def __init__(self, *args, kinds: list[FileKind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget = _file_input(kinds)
