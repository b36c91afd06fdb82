"""What the ad platforms' lead forms (Meta's lead ads, Google Ads' lead forms) share: a
person's answers, each under the form's own key (Meta's field name, Google's column id),
turned into an inquiry's fields and the marketing consents the form really asked for.

A key is looked up in the form's `Listing.field_map` first (the administrator's word),
then in the platform's defaults for its standard questions. A target is one of the
inquiry's fields (`PERSON_FIELDS`) or a marketing consent kind ("marketing:email"): a
consent answer gives the consent only when it reads as a yes (`YES`), and is never put
in the message. Every other answer (a custom question, the city, a target the mapping
misspelt) is appended to the message as "Question: answer", so that nothing the person
wrote is lost. The person's fields are then made as every webhook channel makes them
(`intake.channels.person`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consents.models import Kind
from crm.core.normalization import strip_invisible

from .person import UTM_LENGTH, name_split, person_fields

PERSON_FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "message")
# The basis of handling the inquiry is recorded for every inquiry; a form gives only these.
CONSENT_TARGETS = frozenset(kind.value for kind in Kind if kind != Kind.INQUIRY)
# Answers that tick a consent: a checkbox's "1", a yes in English or Polish.
YES = frozenset(
    ["1", "true", "t", "y", "yes", "on", "checked", "agree", "i agree", "tak", "zgadzam się",
     "wyrażam zgodę"]
)  # fmt: skip


@dataclass(frozen=True)
class Answer:
    key: str  # the form's field name or column id, as `Listing.field_map` names it
    label: str  # the question as the message shows it
    value: str


def answers_read(
    answers: Iterable[Answer], *, field_map: Any, defaults: Mapping[str, str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The inquiry's person fields and message, and the consent kinds given. The first
    answer for a field wins; a second one (a work email beside the email) goes to the
    message."""
    mapping = _mapping(field_map)
    found: dict[str, str] = {}
    written: list[str] = []  # answers mapped to the message, as they are
    lines: list[str] = []  # everything else, with its question
    given: list[str] = []
    for answer in answers:
        target = mapping.get(answer.key.casefold()) or defaults.get(answer.key, "")
        value = strip_invisible(answer.value)
        if target in CONSENT_TARGETS:
            if value.casefold() in YES and target not in given:
                given.append(target)
        elif not value:
            continue
        elif target == "message":
            written.append(value)
        elif target in PERSON_FIELDS and target not in found:
            found[target] = value
        else:
            lines.append(f"{strip_invisible(answer.label)[:200]}: {value}")
    first, last = found.get("first_name", ""), found.get("last_name", "")
    if not (first or last):
        first, last = name_split(found.get("full_name", ""))
    data = person_fields(
        first_name=first,
        last_name=last,
        email=found.get("email", ""),
        phone=found.get("phone", ""),
        message="\n".join(written + lines),
    )
    return data, tuple(given)


def _mapping(field_map: Any) -> dict[str, str]:
    """The administrator's mapping, keys matched in any case; a target that is neither a
    field nor a consent kind is ignored (the answer then goes to the message)."""
    if not isinstance(field_map, dict):
        return {}
    mapping = {}
    for key, target in field_map.items():
        target = str(target).strip().lower()
        if target in PERSON_FIELDS or target in CONSENT_TARGETS:
            mapping[str(key).casefold()] = target
    return mapping


def utm(**values: Any) -> dict[str, str]:
    """The inquiry's utm_* fields: the given ones, as text within their limit."""
    return {
        f"utm_{key}": strip_invisible(str(value))[:UTM_LENGTH]
        for key, value in values.items()
        if value not in (None, "")
    }


def moment(value: Any) -> datetime | None:
    """A platform's time (Unix seconds, or ISO 8601 as Meta writes it, "+0000" included),
    when it is one between the years 2000 and 2100 with its time zone; else None."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            result = datetime.fromtimestamp(value, tz=UTC)
        elif isinstance(value, str) and len(value) <= 40:
            result = datetime.fromisoformat(value)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if result.tzinfo is None or not 2000 <= result.year <= 2100:
        return None
    return result


def text(value: Any) -> str:
    """An id, a name or an answer of a JSON body as text with nothing invisible in it:
    strings and integers (ids come as either), nothing else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return strip_invisible(str(value))


def objects(value: Any) -> list[dict]:
    """The JSON objects of a list (anything else in it, or instead of it, ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
