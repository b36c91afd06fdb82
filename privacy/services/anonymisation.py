"""Erasure of a person (RODO art. 17): `person_anonymise` removes or replaces everything
Lejek holds about a client, or about an inquiry's contact that has no client, in one
transaction, and may be called again at any time (it then changes nothing).

What goes, for a client and every lead of theirs (for an inquiry: that lead):
- the client's names, email, phone, PESEL, accounting id, description and their lookup
  columns (the first name becomes "Anonimizowany", a company "Anonimizowany klient");
- each lead's contact snapshot, message, raw payload, UTM content and term, failure comment,
  and the person's strings in its name;
- conversations' notes, notes' text, offers' notes, contracts' cancellation reasons;
- documents and notes' attachments: the files are deleted from storage, the rows removed;
- the consent events' evidence (address, user agent, payload, the form's query), their
  notes and scanned documents: the events themselves stay (what, when, which clause), and
  the suppression list stays (an objection outlives the erasure: it holds only hashes);
- unsent outbox notifications about those leads (the sent ones hold no personal data);
- what arrived through the intake channels (`privacy.selectors.intake`): the raw log's
  entries of their leads, and those sent from one of their addresses that made no lead
  (junk, errors, tests), lose their content, headers, sender, subject, attribution and
  reason; each entry stays with its channel, account, dates and outcome (the channels page
  counts the same) and its id at the channel (a second delivery of the same email or event
  is still recognised, not made into a new lead), unless that id names them: a Telegram
  update's id holds the chat's (the person's Telegram id), a Message-ID may hold their
  address; such an id becomes "anonymised:<entry id>". The Telegram chats of their leads
  are deleted: a later message of that chat starts a new inquiry;
- the import batches that brought a lead of theirs: the row errors of the person's row,
  the person's strings in the other errors, and the uploaded file itself once the batch is
  finished (its counts stay; a running batch keeps its file until it ends, and the next
  run of the retention job, or a second anonymisation, removes it);
- background jobs' files (list exports, imports' rejected rows, personal data exports)
  finished since the person first appeared: any of them may list the person, so the file
  is deleted and the job's parameters (which may hold a search) emptied; the job row and
  its counts stay;
- the same in the simple-history tables (with queryset updates) and in the admin's log.
A lead shared with another client who is not anonymised keeps its content: the person's
strings are replaced in its texts, and its contact snapshot goes only when it is theirs;
its raw log entries go only when they name the person (an email or a webhook's body is
not rewritten), and its Telegram chat stays (it may be the other client's).

What stays: ids, counts, dates, statuses, sources, prices and sums, the report figures of
the leads, consent events without evidence: the reports read nothing that changes.

Legal hold. A person with a contract signed less than CRMSettings.legal_hold_years ago
keeps, until that anniversary of the latest signature: the client's kind, names, PESEL
and accounting id (who the contract is with, for accounting and warranty claims), the
contracts of their leads whole (with their history) and the documents of the leads that
have such a contract (the signed agreement, annexes, protocols). Everything else goes now,
the raw log's entries and Telegram chats included: they are how an inquiry arrived, not
the contract.
A PrivacyLog `legal_hold` row records until when; once the hold ends, the retention job
(`privacy.services.retention`) anonymises the person again, which removes the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case, Min, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from clients.models import Client, ClientKind
from consents.models import ConsentEvent
from crm.core.models import BackgroundJob, User
from crm.core.normalization import fold_name
from intake.models import ChannelKind, RawMessage
from leads.models import (
    Activity,
    Contract,
    Document,
    ImportBatch,
    ImportRowError,
    Lead,
    Note,
    Offer,
    SurveyAnswer,
)
from notifications.models import Notification
from privacy.models import PrivacyAction, PrivacyLog
from privacy.selectors.holds import (
    ANONYMISED_COMPANY,
    ANONYMISED_FIRST_NAME,
    client_keeps_held_data,
    legal_hold_until,
)
from privacy.selectors.imports import person_import_rows
from privacy.selectors.intake import person_emails, person_raw_messages, person_telegram_chats

ANONYMISED_LEAD_NAME = "Anonimizowane zapytanie"
# A text that may not be empty (a note's) once its content is gone.
REMOVED_TEXT = "—"
# Evidence of a consent that says nothing about the person: kept, the rest goes.
SAFE_EVIDENCE_KEYS = ("request_id", "before_the_register", "source", "clause")


class Reason(models.TextChoices):
    REQUEST = "request", "request"
    RETENTION = "retention", "retention"


@dataclass
class AnonymisationResult:
    """What an anonymisation did: whom, until when a legal hold keeps contract data, and
    how many rows of each kind it changed (no personal data)."""

    client_id: int | None
    lead_ids: list[int]
    changed: bool
    held_until: date | None = None
    counts: dict[str, int] = field(default_factory=dict)


class Scrubber:
    """Finds and replaces one person's strings (names, email, phone in any writing, PESEL,
    accounting id) in free text."""

    def __init__(self, *, names: Iterable[str], others: Iterable[str], phones: Iterable[str]):
        parts = []
        for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
            parts.append(rf"(?<!\w){re.escape(name)}(?!\w)")
        for other in {o.strip() for o in others if o and len(o.strip()) >= 3}:
            parts.append(re.escape(other))
        for phone in phones:
            digits = re.sub(r"\D", "", phone or "")
            national = digits[2:] if digits.startswith("48") and len(digits) == 11 else digits
            if len(national) >= 6:
                # "600 100 200", "600-100-200", "+48 600100200", "(48) 600 100 200"...
                parts.append(r"(?:\+?\(?48\)?[\s.\-]*)?" + r"[\s.\-()]*".join(national))
        parts.sort(key=len, reverse=True)
        self.pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def contains(self, text: Any) -> bool:
        return bool(self.pattern and text and self.pattern.search(str(text)))

    def scrub(self, text: str) -> str:
        if not self.pattern or not text:
            return text
        return self.pattern.sub("[…]", text)


@transaction.atomic
def person_anonymise(
    *,
    client: Client | None = None,
    lead: Lead | None = None,
    user: User | None = None,
    reason: str = Reason.REQUEST,
) -> AnonymisationResult:
    """Anonymise a client (with every lead of theirs) or an inquiry's contact (a lead with
    no client), keeping what a legal hold requires; see the module's docstring. Idempotent:
    a person already anonymised (and not waiting for a hold to end) is left as it is."""
    if (client is None) == (lead is None):
        raise ValueError("Anonymise either a client or a lead.")
    # A user needs the permission whatever the path; the retention job (no user) does not.
    if user is not None and not user.has_perm("privacy.anonymise_person"):
        raise PermissionDenied
    if client is not None:
        client = Client.objects.select_for_update().get(pk=client.pk)
        lead_ids = list(client.leads.order_by("pk").values_list("pk", flat=True))
    else:
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.clients.exists():
            raise ValueError("The inquiry has a client: anonymise the client.")
        lead_ids = [lead.pk]
    held_until = legal_hold_until(client=client, lead_ids=lead_ids)
    held = held_until is not None
    if _already_done(client=client, lead=lead, held=held):
        return AnonymisationResult(
            client_id=client.pk if client else None,
            lead_ids=lead_ids,
            changed=False,
            held_until=held_until,
        )

    shared = _shared_lead_ids(client, lead_ids) if client is not None else set()
    own = [pk for pk in lead_ids if pk not in shared]
    scrubber = _scrubber_for(client=client, lead_ids=lead_ids, own=own)
    # Read before the client's and the leads' addresses are emptied.
    emails = person_emails(client=client, lead_ids=own)
    held_leads = (
        set(Contract.objects.filter(lead_id__in=lead_ids).values_list("lead_id", flat=True))
        if held
        else set()
    )
    counts: dict[str, int] = {"leads": len(lead_ids)}
    import_rows = person_import_rows(lead_ids)
    files: list[tuple[Any, str]] = []
    now = timezone.now()

    if client is not None:
        counts["client"] = _client_anonymise(client, held=held, now=now)
    counts["lead_rows"] = _leads_anonymise(own, shared, scrubber, now=now)
    counts |= _work_anonymise(lead_ids, own, shared, scrubber, held=held)
    counts["documents"] = _documents_remove(lead_ids, keep=held_leads, files=files)
    counts["consent_events"] = _consent_evidence_remove(client, own, scrubber, files=files)
    counts["notifications"] = Notification.objects.filter(
        lead_id__in=own, sent_at__isnull=True
    ).delete()[0]
    counts["raw_messages"] = _raw_messages_anonymise(own, shared, emails, scrubber, now=now)
    counts["telegram_chats"] = person_telegram_chats(lead_ids=own).delete()[0]
    counts |= _imports_anonymise(import_rows, scrubber, files=files)
    counts["job_files"] = _job_files_remove(client, lead_ids, files=files)
    _admin_log_anonymise(client, lead_ids)
    transaction.on_commit(lambda: _files_delete(files))

    details = {"reason": str(reason), **counts}
    action = PrivacyAction.RETENTION if reason == Reason.RETENTION else PrivacyAction.ANONYMISATION
    person = {"client_id": client.pk if client else None, "lead_id": None if client else lead.pk}
    PrivacyLog.objects.create(action=action, user=user, details=details, **person)
    if held:
        PrivacyLog.objects.create(
            action=PrivacyAction.LEGAL_HOLD,
            user=user,
            details={"until": held_until.isoformat(), "kept": KEPT_UNDER_HOLD},
            **person,
        )
    return AnonymisationResult(
        client_id=person["client_id"],
        lead_ids=lead_ids,
        changed=True,
        held_until=held_until,
        counts=counts,
    )


# What a legal hold keeps, as the log and the confirmation page name it.
KEPT_UNDER_HOLD = ["client_name", "pesel", "accounting_id", "contracts", "contract_documents"]


def _already_done(*, client: Client | None, lead: Lead | None, held: bool) -> bool:
    if client is not None:
        return client.anonymised_at is not None and (held or not client_keeps_held_data(client))
    return lead.anonymised_at is not None


def _shared_lead_ids(client: Client, lead_ids: list[int]) -> set[int]:
    """The leads that also have another client who is not anonymised: theirs to keep."""
    through = Lead.clients.through
    return set(
        through.objects.filter(lead_id__in=lead_ids, client__anonymised_at__isnull=True)
        .exclude(client_id=client.pk)
        .values_list("lead_id", flat=True)
    )


def _scrubber_for(*, client: Client | None, lead_ids: list[int], own: list[int]) -> Scrubber:
    """The person's strings, as they are now and as the history remembers them."""
    names: set[str] = set()
    others: set[str] = set()
    phones: set[str] = set()
    if client is not None:
        person_fields = ("first_name", "last_name", "company_name", "email", "phone", "pesel")
        rows = [
            *Client.history.filter(id=client.pk).values_list(*person_fields, "accounting_id"),
            tuple(getattr(client, name) for name in (*person_fields, "accounting_id")),
        ]
        for first, last, company, email, phone, pesel, accounting_id in rows:
            if company != ANONYMISED_COMPANY:
                names.add(company)
            if first != ANONYMISED_FIRST_NAME:
                names.add(first)
            names.add(last)
            others.update((email, pesel, accounting_id))
            phones.add(phone)
    contact = ("contact_first_name", "contact_last_name", "contact_email", "contact_phone")
    for model in (Lead, Lead.history.model):
        for first, last, email, phone in model.objects.filter(
            **{"id__in" if model is not Lead else "pk__in": own}
        ).values_list(*contact):
            names.update((first, last))
            others.add(email)
            phones.add(phone)
    return Scrubber(names=names, others=others, phones=phones)


def _client_anonymise(client: Client, *, held: bool, now) -> int:
    """The client row and its history rows: contact data always, identity unless held."""
    gone: dict[str, Any] = {
        "email": "",
        "phone": "",
        "description": "",
        "email_normalized": "",
        "phone_e164": "",
    }
    if not held:
        company = ANONYMISED_COMPANY if client.kind == ClientKind.COMPANY else ""
        gone |= {
            "first_name": ANONYMISED_FIRST_NAME,
            "last_name": "",
            "company_name": company,
            "pesel": "",
            "accounting_id": "",
            "first_name_folded": fold_name(ANONYMISED_FIRST_NAME),
            "last_name_folded": "",
            "company_name_folded": fold_name(company),
        }
    Client.objects.filter(pk=client.pk).update(anonymised_at=client.anonymised_at or now, **gone)
    Client.history.filter(id=client.pk).update(history_change_reason=None, **gone)
    client.refresh_from_db()
    return 1


LEAD_BLANK = {
    "contact_first_name": "",
    "contact_last_name": "",
    "contact_email": "",
    "contact_phone": "",
    "message": "",
    "raw_payload": {},
    "utm_content": "",
    "utm_term": "",
    "failure_comment": "",
}
LEAD_TEXTS = ("name", "message", "failure_comment", "utm_content", "utm_term")


def _leads_anonymise(own: list[int], shared: set[int], scrubber: Scrubber, *, now) -> int:
    """The person's leads blanked; the shared ones have the person's strings replaced."""
    Lead.objects.filter(pk__in=own).update(**LEAD_BLANK)
    Lead.history.filter(id__in=own).update(**LEAD_BLANK)
    for model, key in ((Lead, "pk__in"), (Lead.history.model, "id__in")):
        owned = model.objects.filter(**{key: own})
        _scrub_column(owned, "name", scrubber, empty=ANONYMISED_LEAD_NAME)
        if model is not Lead:
            _scrub_column(owned, "history_change_reason", scrubber)
        shared_rows = model.objects.filter(**{key: shared})
        for column in LEAD_TEXTS:
            empty = ANONYMISED_LEAD_NAME if column == "name" else ""
            _scrub_column(shared_rows, column, scrubber, empty=empty)
        _scrub_contacts(shared_rows, scrubber)
        _scrub_payloads(shared_rows, scrubber)
    Lead.objects.filter(pk__in=own, anonymised_at__isnull=True).update(anonymised_at=now)
    return len(own) + len(shared)


def _scrub_contacts(rows: models.QuerySet, scrubber: Scrubber) -> None:
    """A shared lead's contact snapshot goes when it is the person's."""
    contact = ("contact_first_name", "contact_last_name", "contact_email", "contact_phone")
    for row in rows.values("pk", *contact):
        if any(scrubber.contains(row[name]) for name in contact):
            rows.model.objects.filter(pk=row["pk"]).update(**dict.fromkeys(contact, ""))


def _scrub_payloads(rows: models.QuerySet, scrubber: Scrubber) -> None:
    for row in rows.values("pk", "raw_payload"):
        if scrubber.contains(row["raw_payload"]):
            rows.model.objects.filter(pk=row["pk"]).update(raw_payload={})


def _scrub_column(rows: models.QuerySet, column: str, scrubber: Scrubber, empty: str = "") -> int:
    """Replace the person's strings in one text column, one update per distinct value."""
    changed = 0
    values = rows.exclude(**{f"{column}__isnull": True}).order_by().values_list(column, flat=True)
    for value in values.distinct():
        if scrubber.contains(value):
            scrubbed = scrubber.scrub(value)
            if not re.search(r"\w", scrubbed.replace("[…]", "")):
                scrubbed = empty
            changed += rows.filter(**{column: value}).update(**{column: scrubbed})
    return changed


def _history_reasons(model, rows_filter: dict, scrubber: Scrubber) -> None:
    _scrub_column(model.history.filter(**rows_filter), "history_change_reason", scrubber)


def _work_anonymise(
    lead_ids: list[int], own: list[int], shared: set[int], scrubber: Scrubber, *, held: bool
) -> dict[str, int]:
    """What was done on the leads: the person's leads' texts blanked, the shared leads'
    texts scrubbed, each with its history rows."""
    counts = {}
    texts = (
        (Activity, "notes", ""),
        (Note, "text", REMOVED_TEXT),
        (Offer, "notes", ""),
        (Contract, "cancellation_reason", ""),
    )
    for model, column, blank in texts:
        if model is Contract and held:
            continue  # kept whole under the hold
        changed = (
            model.objects.filter(lead_id__in=own)
            .exclude(**{column: blank})
            .update(**{column: blank})
        )
        model.history.filter(lead_id__in=own).update(**{column: blank})
        changed += _scrub_column(model.objects.filter(lead_id__in=shared), column, scrubber)
        _scrub_column(model.history.filter(lead_id__in=shared), column, scrubber)
        _history_reasons(model, {"lead_id__in": lead_ids}, scrubber)
        counts[model._meta.model_name] = changed
    counts["survey_answers"] = (
        SurveyAnswer.objects.filter(response__lead_id__in=own).exclude(value="").update(value="")
    )
    return counts


def _documents_remove(lead_ids: list[int], *, keep: set[int], files: list) -> int:
    """Documents and notes' attachments: files deleted after the commit, rows removed,
    their history rows emptied. Those of leads under a legal hold stay."""
    leads = [pk for pk in lead_ids if pk not in keep]
    documents = Document.objects.filter(lead_id__in=leads)
    history = Document.history.filter(lead_id__in=leads)
    storage = Document._meta.get_field("file").storage
    names = {*documents.values_list("file", flat=True), *history.values_list("file", flat=True)}
    files.extend((storage, name) for name in names if name)
    history.update(file="", original_name=REMOVED_TEXT, history_change_reason=None)
    return documents.delete()[0]


def _consent_evidence_remove(
    client: Client | None, lead_ids: list[int], scrubber: Scrubber, *, files: list
) -> int:
    """The events stay (what, when, which clause); their evidence, note and document go."""
    query = Q(lead_id__in=lead_ids)
    if client is not None:
        query |= Q(client=client)
    storage = ConsentEvent._meta.get_field("document").storage
    changed = 0
    for event in ConsentEvent.objects.filter(query).only("pk", "evidence", "document", "note"):
        evidence = {
            key: value
            for key, value in (event.evidence or {}).items()
            if key in SAFE_EVIDENCE_KEYS
            and isinstance(value, str | int | bool)
            and not scrubber.contains(value)
        }
        if evidence != event.evidence or event.document or event.note:
            if event.document:
                files.append((storage, event.document.name))
            ConsentEvent.objects.filter(pk=event.pk).update(evidence=evidence, document="", note="")
            changed += 1
    return changed


RAW_BLANK = {"body": b"", "headers": {}, "sender": "", "subject": "", "attribution": {}}


def _raw_messages_anonymise(
    own: list[int], shared: set[int], emails: set[str], scrubber: Scrubber, *, now
) -> int:
    """The person's raw log entries emptied (see the module's docstring); a reason stays
    a dash where it was written (an error must give one), so the outcome still reads."""
    ids = set(
        person_raw_messages(lead_ids=own, emails=emails)
        .filter(anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )
    on_shared = RawMessage.objects.filter(lead_id__in=shared, anonymised_at__isnull=True)
    for raw in on_shared.only("pk", "sender", "subject", "body", "headers", "attribution"):
        content = bytes(raw.body).decode("utf-8", errors="replace")
        if any(
            scrubber.contains(text)
            for text in (raw.sender, raw.subject, content, raw.headers, raw.attribution)
        ):
            ids.add(raw.pk)
    entries = RawMessage.objects.filter(pk__in=ids)
    naming = [
        pk
        for pk, channel, external_id in entries.values_list("pk", "channel", "external_id")
        if channel == ChannelKind.TELEGRAM or scrubber.contains(external_id)
    ]
    RawMessage.objects.filter(pk__in=naming).update(
        external_id=Concat(Value("anonymised:"), Cast("pk", output_field=models.CharField()))
    )
    return entries.update(
        **RAW_BLANK,
        reason=Case(When(reason="", then=Value("")), default=Value(REMOVED_TEXT)),
        anonymised_at=now,
    )


def _imports_anonymise(
    rows_of: dict[int, set[int]], scrubber: Scrubber, *, files: list
) -> dict[str, int]:
    """The batches that brought a lead of the person's: the person's row's errors go, the
    others lose the person's strings, and a finished batch's uploaded file is deleted."""
    errors = files_removed = 0
    storage = ImportBatch._meta.get_field("file").storage
    for batch in ImportBatch.objects.filter(pk__in=rows_of):
        row_errors = ImportRowError.objects.filter(batch=batch)
        errors += row_errors.filter(row__in=rows_of[batch.pk]).delete()[0]
        errors += _scrub_column(row_errors, "message", scrubber)
        _scrub_column(ImportBatch.objects.filter(pk=batch.pk), "error", scrubber)
        _scrub_column(ImportBatch.objects.filter(pk=batch.pk), "file_name", scrubber)
        if batch.is_finished and batch.file:
            files.append((storage, batch.file.name))
            ImportBatch.objects.filter(pk=batch.pk).update(file="")
            files_removed += 1
    return {"import_row_errors": errors, "import_files": files_removed}


def _job_files_remove(client: Client | None, lead_ids: list[int], *, files: list) -> int:
    """Background jobs' files made since the person first appeared (any list export,
    import check or personal data export may hold them): deleted, with the job's
    parameters; the job row stays with its counts."""
    moments = [
        Lead.objects.filter(pk__in=lead_ids).aggregate(at=Min("created_at"))["at"],
        ImportBatch.objects.filter(leads__pk__in=lead_ids).aggregate(at=Min("created_at"))["at"],
        client.created_at if client is not None else None,
    ]
    since = min((moment for moment in moments if moment is not None), default=None)
    if since is None:
        return 0
    jobs = BackgroundJob.objects.filter(finished_at__gte=since).exclude(file="")
    storage = BackgroundJob._meta.get_field("file").storage
    names = list(jobs.values_list("file", flat=True))
    files.extend((storage, name) for name in names)
    return jobs.update(file="", params={})


def _admin_log_anonymise(client: Client | None, lead_ids: list[int]) -> None:
    """The admin's log names what it changed: the person's rows are named by their id."""
    if not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import LogEntry

    targets = [(Lead, [str(pk) for pk in lead_ids])]
    if client is not None:
        targets.append((Client, [str(client.pk)]))
    for model, ids in targets:
        content_type = ContentType.objects.get_for_model(model)
        LogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(
            object_repr=f"#{model._meta.model_name}", change_message=""
        )


def _files_delete(files: list[tuple[Any, str]]) -> None:
    """After the commit: a rolled back anonymisation must not have lost the files."""
    for storage, name in files:
        if name:
            storage.delete(name)
