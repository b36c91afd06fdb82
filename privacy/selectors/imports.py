"""Where a person's imported rows are: the import batches that brought their leads, each
with the rows' numbers (an imported lead keeps its row in raw_payload["import"]["row"]).
The export shows those rows' reports, the anonymisation removes them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from leads.models import ImportRowError, Lead


def person_import_rows(lead_ids: list[int]) -> dict[int, set[int]]:
    """{batch id: {row number, ...}} for the batches that brought these leads (read before
    an anonymisation empties the leads' raw payloads)."""
    rows_of: dict[int, set[int]] = {}
    for batch_id, payload in Lead.objects.filter(
        pk__in=lead_ids, import_batch__isnull=False
    ).values_list("import_batch_id", "raw_payload"):
        row = (payload or {}).get("import", {}).get("row") if isinstance(payload, dict) else None
        rows_of.setdefault(batch_id, set()).update([row] if isinstance(row, int) else [])
    return rows_of


def person_import_row_errors(
    rows_of: dict[int, set[int]], *, mentions: Iterable[str] = ()
) -> list[ImportRowError]:
    """The import reports' lines about the person, in the batches that brought their
    leads: those of their rows, and those whose message names them (a refused row of
    theirs made no lead, so only its text tells it is theirs). `mentions`: their email,
    PESEL, last name, phone (a phone is compared by its digits)."""
    words = [word.casefold() for word in mentions if word and len(word.strip()) >= 3]
    digits = [d for d in (re.sub(r"\D", "", word) for word in words) if len(d) >= 9]
    found = []
    errors = ImportRowError.objects.filter(batch_id__in=list(rows_of)).select_related("batch")
    for error in errors.order_by("batch_id", "row", "id"):
        message = error.message.casefold()
        if (
            error.row in rows_of[error.batch_id]
            or any(word in message for word in words)
            or any(d[-9:] in re.sub(r"\D", "", message) for d in digits)
        ):
            found.append(error)
    return found
