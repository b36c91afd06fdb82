"""A file that came with an inquiry (an email's attachment the intake received) becomes a
document of the new lead with no employee as its uploader: the same checks as an upload,
no one's permission asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from leads.models import Document
from leads.services.documents import document_upload
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_file_received_with_an_inquiry_is_kept_with_no_uploader():
    lead = LeadFactory()
    document = document_upload(lead=lead, upload=ContentFile(PDF, name="rzut.pdf"), user=None)
    assert (document.lead, document.original_name, document.uploaded_by) == (lead, "rzut.pdf", None)
    assert document.history.get().history_user is None


def test_a_received_file_still_passes_every_rule():
    program = b"MZ\x90\x00" + b"\x00" * 100
    with pytest.raises(ValidationError):
        document_upload(lead=LeadFactory(), upload=ContentFile(program, name="a.pdf"), user=None)
    assert not Document.objects.exists()


def test_a_user_without_the_permission_is_still_refused():
    nobody = UserFactory(username="bez-uprawnien")
    nobody.groups.clear()
    with pytest.raises(PermissionDenied):
        document_upload(lead=LeadFactory(), upload=ContentFile(PDF, name="rzut.pdf"), user=nobody)
