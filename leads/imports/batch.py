"""A chunk of an import's rows received as inquiries at once: the same leads, links,
history, board entries, events and receipts as `lead_receive` gives each of them, written
with one statement per table for the whole chunk instead of some ten per row.

What it shares with the intake, so that the two cannot drift apart: the lead itself
(`lead_for_inquiry`: fields, branch, intake outcome, repeat flag, field checks), the client
chosen among the matches (`best_client_match`), the assignment rules (the rule's round
robin takes the chunk's turns in one statement, in row order; "fewest open leads" counts
once and then adds each lead it gives) and the report figures (`leads.services.figures`).
tests/leads/test_imports.py compares a lead imported here with one `lead_receive` made.
The consent register's events too (`inquiry_consents` below): the basis of each inquiry,
and the "marketing" column as the API's marketing boolean (not explicit: an objection
refuses it, and the refusal is the row's report, the row itself imported), once the
chunk's leads exist, in a few statements for the chunk (`consents_record_many`).

What it leaves to `lead_receive`, row by row:
- under the "add to the client's newest open lead" scenario, rows of a known client (one
  row may open the lead the next one is added to);
- a chunk whose insert hits a unique key (another import of the same rows committed in
  between): it is rolled back to its savepoint and received row by row, where the keys
  make the rows duplicates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, LeadSource
from clients.selectors import clients_with_contacts
from consents.models import Kind, Source
from consents.selectors import Person
from consents.services import Given, ToRecord, consents_record_many
from crm.core.models import User
from crm.core.normalization import normalize_email
from leads.intake_config import IntakeConfig, RoutingRule, intake_config
from leads.models import (
    AssignmentStrategy,
    ImportBatch,
    IntakeOutcome,
    IntakeReceipt,
    Lead,
)
from leads.selectors.leads import repeat_client_ids
from leads.services.assignment import (
    NoAssignee,
    last_resort,
    matching_rule,
    open_lead_counts,
    take_turn,
)
from leads.services.board import board_entries_create_many
from leads.services.common import leads_history_record_created, leads_link
from leads.services.events import lead_events_record_created
from leads.services.figures import lead_figures_returning, lead_figures_status
from leads.services.inquiry_consents import InquiryConsents, consent_moment, given_for_import
from leads.services.intake import (
    CLIENT_MATCH_COLUMNS,
    Received,
    best_client_match,
    lead_for_inquiry,
    lead_receive,
)
from settings_app.models import RepeatInquiryScenario


@dataclass
class Inquiry:
    """One row to receive: its number, its intake data (with the external id) and its
    raw payload; `outcome` (a Received value) or `error` once received."""

    number: int
    data: dict[str, Any]
    raw_payload: dict[str, Any]
    outcome: str = ""
    lead: Lead | None = None
    error: str = ""
    # Consents of the row the register refused (the person objected to marketing).
    consents_refused: list[str] = field(default_factory=list)
    # Filled while received in bulk.
    client: Client | None = None
    investments: list = field(default_factory=list)
    assignee: User | None = None


def receive_chunk(*, batch: ImportBatch, inquiries: list[Inquiry]) -> None:
    """Receive the chunk's inquiries (inside the caller's transaction), setting each one's
    outcome and lead, or its error (a field check or nobody to assign it to)."""
    config = importer_config(intake_config(), importer=batch.created_by)
    source = batch.source
    _match_clients(inquiries)
    adding = config.settings.repeat_inquiry_scenario == RepeatInquiryScenario.ADD_TO_EXISTING
    one_by_one = [i for i in inquiries if adding and i.client is not None]
    together = [i for i in inquiries if not (adding and i.client is not None)]
    for inquiry in one_by_one:
        _receive_one(inquiry, batch=batch, source=source, config=config)
    if not together:
        return
    try:
        with transaction.atomic():
            _insert_together(together, batch=batch, config=config)
    except IntegrityError:
        for inquiry in together:
            inquiry.outcome, inquiry.lead, inquiry.error = "", None, ""
            _receive_one(inquiry, batch=batch, source=source, config=config)


def importer_config(config: IntakeConfig, *, importer: User) -> IntakeConfig:
    """The intake's rules as an import applies them. A manager's import lands in the
    manager's branch: each rule keeps only its pool's advisors of that branch (else its
    fallback pool's; a rule left with nobody is passed over), and the manager is the last
    resort. An administrator's import (or one by a user of no branch) is the company's
    and follows the rules as the intake does."""
    branch_id = importer.branch_id
    if importer.is_administrator or branch_id is None:
        return config
    rules = tuple(
        replace(
            rule,
            members=tuple(user for user in rule.members if user.branch_id == branch_id)
            or tuple(user for user in rule.fallback_members if user.branch_id == branch_id),
        )
        for rule in config.rules
    )
    last = importer if importer.is_active else config.last_resort
    return replace(config, rules=rules, last_resort=last)


def inquiry_consents(
    inquiry: Inquiry, *, batch: ImportBatch, config: IntakeConfig
) -> InquiryConsents:
    """What an imported row records in the consent register (see the module's docstring)."""
    investments = config.investments_named(inquiry.data.get("investment", ""))
    clauses = config.clauses_of(config.inquiry_controller(investments))
    return InquiryConsents(
        source=Source.IMPORT,
        clauses=clauses,
        implied=given_for_import(inquiry.data, clauses),
        evidence={"batch": batch.pk, "row": inquiry.number},
    )


def _receive_one(
    inquiry: Inquiry, *, batch: ImportBatch, source: LeadSource, config: IntakeConfig
) -> None:
    try:
        receipt = lead_receive(
            source=source,
            data=inquiry.data,
            raw_payload=inquiry.raw_payload,
            notify=False,
            config=config,
            consents=inquiry_consents(inquiry, batch=batch, config=config),
        )
    except ValidationError as error:
        inquiry.error = "; ".join(error.messages)
        return
    except NoAssignee:
        inquiry.error = _nobody_message()
        return
    inquiry.outcome, inquiry.lead = receipt.outcome, receipt.lead
    inquiry.consents_refused = list(receipt.consents_refused)


def _nobody_message() -> str:
    return _(
        "Nobody can receive this lead: no active advisor, manager or administrator. "
        "Activate one and import the file again."
    )


def _match_clients(inquiries: list[Inquiry]) -> None:
    """Each inquiry's client, as `client_matching_contact` chooses it: one query for the
    matches of the whole chunk, one for the chosen clients."""
    phones = {i.data["phone"] for i in inquiries if i.data.get("phone")}
    emails = {normalize_email(i.data["email"]) for i in inquiries if i.data.get("email")}
    if not phones and not emails:
        return
    by_phone: dict[str, list[tuple]] = defaultdict(list)
    by_email: dict[str, list[tuple]] = defaultdict(list)
    found = clients_with_contacts(phones=phones, emails=emails)
    for match in found.values_list(*CLIENT_MATCH_COLUMNS):
        if match[1] in phones:
            by_phone[match[1]].append(match)
        if match[2] in emails:
            by_email[match[2]].append(match)
    chosen: dict[int, int] = {}  # id(inquiry) → client id
    for inquiry in inquiries:
        phone = inquiry.data.get("phone", "")
        email = normalize_email(inquiry.data["email"]) if inquiry.data.get("email") else ""
        both = [*by_phone.get(phone, []), *by_email.get(email, [])]
        if both:
            matches = list({match[0]: match for match in both}.values())
            chosen[id(inquiry)] = best_client_match(matches, email=email, phone=phone)
    clients = Client.objects.select_related("caretaker").in_bulk(set(chosen.values()))
    for inquiry in inquiries:
        if id(inquiry) in chosen:
            inquiry.client = clients[chosen[id(inquiry)]]


def _insert_together(inquiries: list[Inquiry], *, batch: ImportBatch, config: IntakeConfig):
    source = batch.source
    for inquiry in inquiries:
        inquiry.investments = config.investments_named(inquiry.data.get("investment", ""))
    _assign(inquiries, config=config, source=source)
    # Repeat leads as `lead_receive` would mark them row after row: the client had a lead
    # before the chunk, or an earlier row of the chunk made one.
    repeat = repeat_client_ids(
        {i.client.pk for i in inquiries if i.client is not None}, before=timezone.now()
    )
    leads = []
    for inquiry in inquiries:
        if inquiry.error:
            continue
        data = inquiry.data
        client_id = inquiry.client.pk if inquiry.client is not None else None
        try:
            lead = lead_for_inquiry(
                source, data, inquiry.raw_payload, data["external_id"], inquiry.client,
                inquiry.investments, inquiry.assignee, config=config,
                is_repeat=client_id in repeat,
            )  # fmt: skip
        except ValidationError as error:
            inquiry.error = "; ".join(error.messages)
            continue
        if client_id is not None:
            repeat.add(client_id)
        lead.import_batch = batch
        lead_figures_status(lead)
        inquiry.lead, inquiry.outcome = lead, Received.CREATED
        leads.append(lead)
    received = [inquiry for inquiry in inquiries if inquiry.lead is not None]
    if not received:
        return
    Lead.objects.bulk_create(leads)
    targets = {
        "clients": [(i.lead, i.client.pk) for i in received if i.client is not None],
        "investments": [(i.lead, inv.pk) for i in received for inv in i.investments],
        "employees": [(i.lead, i.assignee.pk) for i in received],
    }
    links = {name: leads_link(name, pairs) for name, pairs in targets.items() if pairs}
    lead_figures_returning(lead_ids=[i.lead.pk for i in received if i.client is not None])
    leads_history_record_created(leads, user=None, links=links)
    board_entries_create_many(targets["employees"])
    lead_events_record_created(leads)
    _consents_record(received, batch=batch, config=config)
    # Last, as in lead_receive: a concurrent import of the same rows fails here.
    IntakeReceipt.objects.bulk_create(
        IntakeReceipt(source=source, external_id=i.data["external_id"], lead=i.lead)
        for i in received
        if i.data.get("external_id")
    )


def _consents_record(received: list[Inquiry], *, batch: ImportBatch, config: IntakeConfig):
    """The chunk's consent events, now that its leads exist: for the matched client (the
    lead linked to it), else the new lead's contact, as `lead_receive` records them."""
    items, owners = [], []
    for inquiry in received:
        consents = inquiry_consents(inquiry, batch=batch, config=config)
        person = Person(client=inquiry.client, lead=inquiry.lead)
        at = consent_moment(inquiry.data.get("submitted_at"))
        basis = consents.clauses.get(Kind.INQUIRY)
        given = ((Given(Kind.INQUIRY, basis),) if basis is not None else ()) + consents.implied
        for item in given:
            items.append(ToRecord(person, item, at, dict(consents.evidence)))
            owners.append(inquiry)
    for index, reason in consents_record_many(items=items, source=Source.IMPORT):
        owners[index].consents_refused.append(reason)


def _assign(inquiries: list[Inquiry], *, config: IntakeConfig, source: LeadSource) -> None:
    """Each inquiry's assignee, as `assignee_for_inquiry` would pick them one after the
    other: the client's active caretaker, else the first matching rule's pick, else the
    last resort (none: the row's error)."""
    by_rule: dict[int, list[Inquiry]] = defaultdict(list)
    rules = {rule.pk: rule for rule in config.rules}
    for inquiry in inquiries:
        caretaker = inquiry.client.caretaker if inquiry.client is not None else None
        if caretaker is not None and caretaker.is_active:
            inquiry.assignee = caretaker
            continue
        rule = matching_rule(config=config, source=source, investments=inquiry.investments)
        if rule is not None:
            by_rule[rule.pk].append(inquiry)
            continue
        try:
            inquiry.assignee = last_resort(config)
        except NoAssignee:
            inquiry.error = _nobody_message()
    for pk, members_of in by_rule.items():
        _pick_for(rules[pk], members_of, config=config)


def _pick_for(rule: RoutingRule, inquiries: list[Inquiry], *, config: IntakeConfig) -> None:
    members = rule.members
    if rule.strategy == AssignmentStrategy.FEWEST_OPEN:
        counts = open_lead_counts(members)
        # Each new lead is open (unless leads start won), as the next pick would count.
        opens = config.first_status is not None and not config.first_status.is_won
        for inquiry in inquiries:
            inquiry.assignee = min(members, key=lambda user: (counts.get(user.pk, 0), user.pk))
            counts[inquiry.assignee.pk] = counts.get(inquiry.assignee.pk, 0) + int(opens)
        return
    last = take_turn(rule.pk, len(inquiries))
    for turn, inquiry in enumerate(inquiries, start=last - len(inquiries) + 1):
        inquiry.assignee = members[(turn - 1) % len(members)]


def is_linked(inquiry: Inquiry) -> bool:
    """Whether the row went to a known client (added to its lead, or a lead linked to it)."""
    return inquiry.outcome == Received.APPENDED or (
        inquiry.lead is not None and inquiry.lead.intake_outcome == IntakeOutcome.LINKED
    )
