"""What an inquiry records in the consent register, whatever path it came by (the public
form, the intake API, an import): the basis of handling it (RODO art. 6(1)(b), recorded
for every inquiry, no consent being needed) and the marketing consents it carried.

Whom they are given to (the controller): the chosen investment's controller, when it has
one offering clauses, else the default controller of the settings
(`IntakeConfig.inquiry_controller`, for the public form too).

Nothing is implied: an inquiry that says nothing about marketing (a portal's, an ad
form's) records no marketing consent. The old `consents.marketing: true` of the API and
the "marketing" column of an import stand for marketing by email and by phone call (what
the old checkbox said) with the controller's clauses offered now, and are not explicit:
they cannot lift an objection (art. 21), so such a consent for a person who objected is
refused, and the refusal reported to the sender, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from consents.models import Action, Clause, Kind
from consents.selectors import Person
from consents.services import Given, consent_record, consents_record_given

# The kinds the old marketing boolean stands for ("by email and phone").
LEGACY_MARKETING_KINDS = (Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE)


@dataclass(frozen=True)
class InquiryConsents:
    """The consents an inquiry came with, recorded with its lead by `lead_receive`.

    `clauses`: the controller's clauses offered now (the basis is its inquiry clause);
    `given`: the consents the person ticked or named (the public form, the API's
    `consents.given`): explicit, they lift an objection; `implied`: the old marketing
    boolean's (the API's `consents.marketing`, an import's column), which do not."""

    source: str
    clauses: Mapping[str, Clause] = field(default_factory=dict)
    given: tuple[Given, ...] = ()
    implied: tuple[Given, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)


def legacy_marketing(clauses: Mapping[str, Clause]) -> tuple[Given, ...]:
    """The old marketing boolean: marketing by email and by phone call, with the clause
    versions offered now."""
    return tuple(Given(kind, clauses[kind]) for kind in LEGACY_MARKETING_KINDS if kind in clauses)


def inquiry_consents_record(
    *, person: Person, consents: InquiryConsents, at: datetime | None = None
) -> list[str]:
    """Record the inquiry's basis and consents for the person (inside the caller's
    transaction); returns the reasons of the consents refused (an objection)."""
    at = consent_moment(at)
    evidence = dict(consents.evidence)
    basis = consents.clauses.get(Kind.INQUIRY)
    if basis is not None:
        consent_record(
            person=person,
            kind=Kind.INQUIRY,
            action=Action.GIVEN,
            clause=basis,
            source=consents.source,
            at=at,
            evidence=evidence,
        )
    refused = []
    named = {item.kind for item in consents.given}
    for given, explicit in (
        (consents.given, True),
        (tuple(item for item in consents.implied if item.kind not in named), False),
    ):
        _events, not_recorded = consents_record_given(
            person=person,
            given=given,
            source=consents.source,
            at=at,
            evidence=evidence,
            explicit=explicit,
        )
        refused.extend(not_recorded)
    return list(dict.fromkeys(refused))  # one objection refuses email and phone alike


def consent_moment(at: datetime | None) -> datetime:
    """The inquiry's own moment (a sender's submitted_at, an import's date), unless it is
    in the future: a consent is never dated ahead."""
    now = timezone.now()
    return at if at is not None and at <= now else now


def given_for_import(data: Mapping[str, Any], clauses: Mapping[str, Clause]) -> tuple[Given, ...]:
    """An import row's consents: its "marketing" column as the API's marketing boolean."""
    return legacy_marketing(clauses) if data.get("consents_marketing") else ()
