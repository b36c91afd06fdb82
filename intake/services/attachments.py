"""An inquiry's attachments (a portal's or a person's email) kept as the new lead's
documents, by the same rules as a file an employee uploads (`leads.uploads`): what fails
them (a program, a type the CRM settings do not allow, more than 10 MB) is skipped and
said in the raw log's reason, not a reason to lose the lead."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from leads.models import Lead
from leads.services.documents import document_upload
from leads.uploads import filename_sanitize

from ..channels import Attachment

# More than this many files in one email is not an inquiry's paperwork.
MAX_ATTACHMENTS = 20


def attachments_keep(lead: Lead, attachments: list[Attachment]) -> str:
    """Keep each attachment that passes the document rules as the lead's document
    ("received by the intake": no employee uploaded it). Returns what was skipped and
    why, "" when everything was kept."""
    skipped = []
    for attachment in attachments[:MAX_ATTACHMENTS]:
        name = filename_sanitize(attachment.name or "")
        try:
            document_upload(lead=lead, upload=ContentFile(attachment.content, name=name), user=None)
        except ValidationError as error:
            skipped.append(
                _("%(name)s (%(reason)s)") % {"name": name, "reason": " ".join(error.messages)}
            )
    if len(attachments) > MAX_ATTACHMENTS:
        skipped.append(
            _("files beyond the first %(limit)d: %(count)d")
            % {"count": len(attachments) - MAX_ATTACHMENTS, "limit": MAX_ATTACHMENTS}
        )
    if not skipped:
        return ""
    return _("Attachments not kept: %(files)s.") % {"files": "; ".join(skipped)}
