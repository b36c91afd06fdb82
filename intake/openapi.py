"""The intake API's OpenAPI 3 document, for partners (served at /api/schema/).

Written by hand next to the view it describes; tests post every documented example and
schemathesis fuzzes the API from this document, so a drift shows up as a failing test."""

from __future__ import annotations

from typing import Any

from consents.models import Channel, Purpose
from intake.payload import MAX_BODY_BYTES
from leads.forms.inquiry import IntakePayloadForm


def _string(field_name: str, **extra: Any) -> dict[str, Any]:
    field = IntakePayloadForm.base_fields[field_name]
    return {"type": "string", "nullable": True, "maxLength": field.max_length, **extra}


# The submission times the API takes (leads/forms/inquiry.py: IntakePayloadForm): RFC 3339
# with seconds and an offset, years 2000–2100, offsets -14:00 to +14:00.
SUBMITTED_AT_PATTERN = (
    r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$"
)
# An empty string is "not given", like null. (No "type" in the alternatives: a null must
# pass them, and OpenAPI's "nullable" speaks only for the property's own "type".)
EMPTY = {"maxLength": 0}


def _error(description: str, example_field: str, example: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Errors"},
                "example": {"errors": {example_field: [example]}},
            }
        },
    }


def intake_openapi_document(*, server_url: str) -> dict[str, Any]:
    consent_given = {
        "type": "object",
        "required": ["purpose", "channel", "clause_version"],
        "properties": {
            "purpose": {
                "type": "string",
                "enum": [purpose for purpose in Purpose.values if purpose != Purpose.INQUIRY],
            },
            "channel": {
                "type": "string",
                "enum": Channel.values,
                "description": (
                    "marketing: email, phone (calls) or sms (SMS and messengers); "
                    "automated_calling: phone; profiling: any."
                ),
            },
            "clause_version": {
                "type": "integer",
                "minimum": 1,
                "description": (
                    "The version of the controller's clause of this purpose and channel the "
                    "person agreed to (a version offered now or an earlier one)."
                ),
            },
        },
    }
    inquiry = {
        "type": "object",
        "description": (
            "One inquiry. Give an email or a phone (or both). Fields not listed here are "
            f"kept with the lead as its raw payload. At most {MAX_BODY_BYTES} bytes, in UTF-8, "
            "with a Content-Length. A field that is null is not given."
        ),
        "properties": {
            "external_id": _string(
                "external_id",
                description=(
                    "Your id of the inquiry. Sending the same id again (a retry) returns "
                    "the first answer's lead with status 200 and never makes a second lead."
                ),
            ),
            "first_name": _string("first_name"),
            "last_name": _string("last_name"),
            "email": _string(
                "email",
                anyOf=[{"format": "email"}, EMPTY],
                description="An email address; empty or null when not given.",
            ),
            "phone": _string(
                "phone", description="Polish numbers without a country code are accepted."
            ),
            "message": _string("message"),
            "investment": _string(
                "investment",
                description="The investment's code or name; an unknown one is kept as text.",
            ),
            "consents": {
                "type": "object",
                "nullable": True,
                "description": (
                    "What the person agreed to, recorded in Lejek's consent register for the "
                    "data controller of the inquiry: the investment's own controller when it "
                    "has one, else the developer's. Nothing is implied: an inquiry without "
                    "consents records no marketing consent. Consents refused because the "
                    "person objected to marketing are listed in the answer's "
                    "consents_refused."
                ),
                "properties": {
                    "processing": {
                        "type": "boolean",
                        "nullable": True,
                        "description": (
                            "Kept for compatibility. Handling the inquiry needs no consent (GDPR "
                            "art. 6(1)(b)): it is recorded as the basis of every inquiry, "
                            "whatever this says."
                        ),
                    },
                    "marketing": {
                        "type": "boolean",
                        "nullable": True,
                        "description": (
                            "Kept for compatibility. true: marketing by email and by phone call, "
                            "with the clause versions the controller offers now (not by SMS, "
                            "not automated calling). It is not an explicit consent: for a person "
                            "who objected to marketing it is refused (see consents_refused). A "
                            "kind also named in given is recorded from given."
                        ),
                    },
                    "given": {
                        "type": "array",
                        "nullable": True,
                        "description": (
                            "The consents the person gave, each to the clause version they "
                            "read: explicit, so they also lift an earlier objection to "
                            "marketing. An unknown purpose, channel, combination or clause "
                            "version is refused with 400, naming the item's field "
                            "(consents.given[0].channel)."
                        ),
                        "items": consent_given,
                    },
                },
            },
            "utm": {
                "type": "object",
                "nullable": True,
                "properties": {
                    key: {"type": "string", "nullable": True, "maxLength": 200}
                    for key in ("source", "medium", "campaign", "content", "term")
                },
            },
            "submitted_at": {
                "type": "string",
                "nullable": True,
                "anyOf": [
                    {"format": "date-time", "pattern": SUBMITTED_AT_PATTERN},
                    EMPTY,
                ],
                "description": (
                    "When the inquiry was sent, in RFC 3339 with seconds and the time zone "
                    "offset (2026-03-01T10:15:00+01:00): years 2000 to 2100, offsets from "
                    "-14:00 to +14:00. Empty or null when not known."
                ),
            },
        },
        "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
        "example": {
            "external_id": "otodom-123456",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "email": "jan.kowalski@example.pl",
            "phone": "600 100 200",
            "message": "Proszę o ofertę mieszkania 3-pokojowego.",
            "investment": "zielone-tarasy",
            "consents": {
                "processing": True,
                "given": [{"purpose": "marketing", "channel": "email", "clause_version": 1}],
            },
            "utm": {"source": "otodom", "medium": "portal"},
        },
    }
    created = {
        "type": "object",
        "required": ["id", "url", "outcome", "consents_refused"],
        "properties": {
            "id": {"type": "integer", "description": "The lead's id."},
            "url": {"type": "string", "format": "uri", "description": "The lead's page."},
            "outcome": {
                "type": "string",
                "enum": ["created", "appended", "duplicate"],
                "description": (
                    "created: a new lead; appended: added to the client's open lead; "
                    "duplicate: this external_id was received before."
                ),
            },
            "consents_refused": {
                "type": "array",
                "items": {"type": "string"},
                "description": (
                    "Why consents of the inquiry were not recorded (the person objected to "
                    "marketing and only a new explicit consent, in consents.given, counts). "
                    "The inquiry itself was received."
                ),
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Lejek intake API",
            "version": "1.0",
            "description": (
                "Post inquiries from your website or portal into Lejek. Each source has "
                "its own token, given by the Lejek administrator."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"sourceToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Inquiry": inquiry,
                "Received": created,
                "Errors": {
                    "type": "object",
                    "required": ["errors"],
                    "properties": {
                        "errors": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "array",
                                "items": {"type": "string"},
                            },
                        }
                    },
                },
            },
        },
        "security": [{"sourceToken": []}],
        "paths": {
            "/api/intake/leads/": {
                "post": {
                    "operationId": "createInquiry",
                    "summary": "Send an inquiry",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Inquiry"}}
                        },
                    },
                    "responses": {
                        "201": _received("The inquiry was received."),
                        "200": _received("This external_id was received before."),
                        "400": _error(
                            "A field is wrong; every problem is listed by field.",
                            "email",
                            "Enter a valid email address.",
                        ),
                        "401": _error(
                            "No token, or a wrong one.", "authorization", "The token is not valid."
                        ),
                        "403": _error(
                            "The source is inactive.",
                            "source",
                            "This source is inactive; inquiries are refused.",
                        ),
                        "411": _error(
                            "The body was sent without a Content-Length (chunked).",
                            "body",
                            "Send the body with a Content-Length header, not in chunks.",
                        ),
                        "413": _error("The body is too large.", "body", "The body is too large."),
                        "415": _error(
                            "The body is not JSON, or not in UTF-8.",
                            "content_type",
                            "Send the inquiry as application/json.",
                        ),
                        "429": {
                            **_error("Too many inquiries.", "rate", "Too many inquiries."),
                            "headers": RETRY_AFTER,
                        },
                        "503": {
                            **_error(
                                "Nobody in Lejek can take inquiries now (no active advisor, "
                                "manager or administrator); nothing was stored.",
                                "assignment",
                                "Nobody in Lejek can take inquiries at the moment; please try "
                                "again later.",
                            ),
                            "headers": RETRY_AFTER,
                        },
                    },
                }
            }
        },
    }


RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def _received(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Received"}}},
    }
