"""Reads of a lead's notes and documents. Each takes a lead the caller already got through
the user's scoping (`lead_get_light_for_user`): what the user may not see is a 404
before these are asked."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ..models import Document, Lead, Note


def lead_notes(*, lead: Lead) -> QuerySet[Note]:
    """The lead's notes, newest first, each with its author and its attachment joined (one
    query for a page of them)."""
    return Note.objects.filter(lead=lead).select_related("created_by", "attachment")


def lead_documents(*, lead: Lead) -> QuerySet[Document]:
    """Every file of the lead, note attachments included, newest first, with who uploaded
    it joined."""
    return Document.objects.filter(lead=lead).select_related("uploaded_by")


def lead_document_get(*, lead: Lead, pk: int) -> Document:
    """One document of this lead; 404 for any other, a document of another lead
    included."""
    document = get_object_or_404(Document.objects.filter(lead=lead), pk=pk)
    document.lead = lead
    return document
