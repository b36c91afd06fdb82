"""The lead and everything done on it, one module per sub-domain."""

from .activities import Activity, ActivityDirection, ActivityKind
from .board import BoardEntry
from .documents import Document, Note, document_upload_to
from .events import EVENT_COLUMNS, FIRST_CONTACT_KINDS, LeadEvent, LeadEventKind
from .imports import ImportBatch, ImportKind, ImportRowError, ImportStatus, import_upload_to
from .intake import AssignmentRule, AssignmentStrategy, IntakeReceipt
from .lead import IntakeOutcome, Lead, LeadQuerySet
from .pipeline import DeletionReason, FailureReason, LeadStatus, Reason
from .sales import (
    Contract,
    ContractKind,
    Offer,
    OfferChannel,
    OfferItem,
    OfferStatus,
    Reservation,
    ReservationStatus,
    UnitHold,
)
from .surveys import QuestionKind, SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyTemplate

__all__ = [
    "EVENT_COLUMNS",
    "FIRST_CONTACT_KINDS",
    "Activity",
    "ActivityDirection",
    "ActivityKind",
    "AssignmentRule",
    "AssignmentStrategy",
    "BoardEntry",
    "Contract",
    "ContractKind",
    "DeletionReason",
    "Document",
    "FailureReason",
    "ImportBatch",
    "ImportKind",
    "ImportRowError",
    "ImportStatus",
    "IntakeOutcome",
    "IntakeReceipt",
    "Lead",
    "LeadEvent",
    "LeadEventKind",
    "LeadQuerySet",
    "LeadStatus",
    "Note",
    "Offer",
    "OfferChannel",
    "OfferItem",
    "OfferStatus",
    "QuestionKind",
    "Reason",
    "Reservation",
    "ReservationStatus",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyTemplate",
    "UnitHold",
    "document_upload_to",
    "import_upload_to",
]
