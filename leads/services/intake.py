"""Receiving an inquiry (from the intake API or the public form) as a lead.

The steps, in one transaction once the assignee is known:
1. a client whose normalised phone or email matches makes it a repeat inquiry: linked to
   that client and given to its caretaker, or (the settings' alternative scenario) logged
   as an inbound message on the client's newest open lead;
2. otherwise a new lead for the assignment rules' pick, waiting for verification;
3. the "created" event, and the assignee's email queued for after the commit;
4. the consent register's events: the basis of handling the inquiry and the consents it
   carried (leads/services/inquiry_consents.py), for the matched client when the inquiry
   is linked or appended to one, else for the new lead's contact;
5. the delivery's receipt: its unique (source, external id) key decides, under concurrent
   retries too, that one delivery makes the lead; every other rolls back and is answered
   with the first one's lead.

A repeated delivery is not looked up first: almost no inquiry is one, and the unique keys
tell it anyway, at the cost of a wasted round-robin turn for the rare retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, LeadSource
from consents.models import Source
from consents.selectors import Person
from crm.core.models import Branch, User
from crm.core.normalization import normalize_email
from leads.intake_config import IntakeConfig, intake_config
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    IntakeOutcome,
    IntakeReceipt,
    Lead,
)
from leads.selectors.leads import repeat_client_ids
from notifications.models import NotificationKind
from notifications.services import notification_queue
from settings_app.models import RepeatInquiryScenario

from .assignment import assignee_for_inquiry
from .common import first_status, lead_insert
from .conversations import first_conversation_event_record
from .inquiry_consents import InquiryConsents, inquiry_consents_record


class Received:
    CREATED = "created"  # a new lead
    APPENDED = "appended"  # logged on the client's newest open lead
    DUPLICATE = "duplicate"  # this (source, external id) was received before


@dataclass(frozen=True)
class Receipt:
    lead: Lead
    outcome: str
    # The consents the register refused (the person objected to marketing): told to the
    # sender, never dropped silently.
    consents_refused: tuple[str, ...] = ()

    @property
    def is_new(self) -> bool:
        return self.outcome != Received.DUPLICATE


def lead_receive(
    *,
    source: LeadSource,
    data: dict[str, Any],
    raw_payload: Any = None,
    notify: bool = True,
    config: IntakeConfig | None = None,
    consents: InquiryConsents | None = None,
) -> Receipt:
    """Receive one inquiry whose fields were already checked (`read_intake_payload`, the
    public form or an import's row). Returns the lead it made or was added to, or the lead
    of the first delivery of the same external id. `notify` off: no email per inquiry (an
    import tells each assignee once, at its end). `config`: the rules as an import applies
    them (leads/imports/batch.py), instead of the intake's. `consents`: what the inquiry
    says about consents (None: the basis alone, given through the API), recorded in the
    same transaction; the receipt names the ones refused."""
    external_id = data.get("external_id") or ""
    config = config or intake_config()
    client = client_matching_contact(email=data.get("email", ""), phone=data.get("phone", ""))
    investments = config.investments_named(data.get("investment", ""))
    if consents is None:
        controller = config.inquiry_controller(investments)
        consents = InquiryConsents(source=Source.API, clauses=config.clauses_of(controller))
    caretaker = client.caretaker if client is not None else None
    if caretaker is not None and caretaker.is_active:
        assignee = caretaker
    else:
        # Round robin takes its turn in its own short transaction (see assignment.py).
        assignee = assignee_for_inquiry(config=config, source=source, investments=investments)
    try:
        with transaction.atomic():
            lead = None
            if client is not None and (
                config.settings.repeat_inquiry_scenario == RepeatInquiryScenario.ADD_TO_EXISTING
            ):
                lead = client.leads.open().order_by("-created_at", "-id").first()
            if lead is not None:
                _log_inquiry_on(lead, client=client, data=data, source=source, notify=notify)
                outcome = Received.APPENDED
            else:
                lead = _new_lead(
                    source, data, raw_payload, external_id, client, investments, assignee,
                    config=config, notify=notify,
                )  # fmt: skip
                outcome = Received.CREATED
            person = Person(client=client, lead=lead) if client is not None else Person(lead=lead)
            refused = inquiry_consents_record(
                person=person, consents=consents, at=data.get("submitted_at")
            )
            if external_id:
                # Last, so that a retry racing this delivery waits on the unique key only
                # for the commit: then it fails, and answers with this delivery's lead.
                IntakeReceipt.objects.create(source=source, external_id=external_id, lead=lead)
            return Receipt(lead, outcome, tuple(refused))
    except IntegrityError:
        # This external id was received before (or by a concurrent delivery that committed
        # first): its receipt, or the lead's own unique key, refused this one.
        known = _lead_of_delivery(source, external_id) if external_id else None
        if known is None:
            raise
        return Receipt(known, Received.DUPLICATE)


def _new_lead(
    source, data, raw_payload, external_id, client, investments, assignee, *, config, notify
) -> Lead:
    lead = lead_for_inquiry(
        source, data, raw_payload, external_id, client, investments, assignee, config=config
    )
    lead_insert(
        lead,
        user=None,
        employees=[assignee],
        clients=[client] if client is not None else [],
        investments=investments,
    )
    if notify:
        notification_queue(kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=assignee)
    return lead


def lead_for_inquiry(
    source, data, raw_payload, external_id, client, investments, assignee, *, config,
    is_repeat: bool | None = None,
) -> Lead:  # fmt: skip
    """The new lead of an inquiry, checked and not saved yet (also for the import, which
    inserts a chunk of them at once: leads/imports/batch.py, and says itself which of its
    leads are repeat ones, by the same `repeat_client_ids`)."""
    now = timezone.now()
    if is_repeat is None:
        is_repeat = client is not None and bool(repeat_client_ids([client.pk], before=now))
    investment_text = data.get("investment", "")
    lead = Lead(
        name=config.settings.default_lead_name,
        # None only while no status is active: first_status() says so to the caller.
        status=config.first_status or first_status(),
        branch_id=_branch_id(assignee, client),
        source=source,
        contact_first_name=one_line(data.get("first_name", "")),
        contact_last_name=one_line(data.get("last_name", "")),
        contact_email=data.get("email", ""),
        contact_phone=data.get("phone", ""),
        message=data.get("message", ""),
        investment_text=investment_text,
        investment_unknown=bool(investment_text) and not investments,
        external_id=external_id,
        raw_payload=raw_payload if raw_payload is not None else {},
        submitted_at=data.get("submitted_at"),
        intake_outcome=IntakeOutcome.LINKED if client is not None else IntakeOutcome.NEW,
        is_repeat=is_repeat,
        created_at=now,
        updated_at=now,
        **{f"utm_{key}": data.get(f"utm_{key}", "") for key in UTM_KEYS},
    )
    # The fields were checked on the way in and the constraints are the database's: the
    # model's constraint checks, and the existence checks of the status, branch and source
    # just read, would cost a query each on every inquiry.
    lead.clean_fields(exclude=["status", "branch", "source"])
    return lead


UTM_KEYS = ("source", "medium", "campaign", "content", "term")


def _log_inquiry_on(
    lead: Lead, *, client: Client, data: dict[str, Any], source, notify: bool
) -> None:
    """The repeat inquiry as a done inbound message on the lead, for its employees."""
    contact = " ".join(
        filter(None, [one_line(data.get("first_name", "")), one_line(data.get("last_name", ""))])
    )
    details = [
        _("New inquiry from %(source)s.") % {"source": source.name},
        contact,
        data.get("email", ""),
        data.get("phone", ""),
        data.get("investment", ""),
        data.get("message", ""),
    ]
    lead_message_receive(
        lead=lead,
        client=client,
        kind=ActivityKind.EMAIL if data.get("email") else ActivityKind.OTHER,
        text="\n".join(filter(None, details)),
        notify=notify,
    )


def lead_message_receive(
    *,
    lead: Lead,
    kind: str,
    text: str,
    client: Client | None = None,
    at=None,
    notify: bool = True,
) -> Activity:
    """A message the person sent about a lead they already have (a repeat inquiry, a reply
    to an email, the next message of a chat), as a done inbound conversation of the lead's
    first employee, each of whom is told."""
    employees = list(lead.employees.all())
    if client is None:
        client = lead.clients.order_by("id").first()
    employee = employees[0] if employees else (client.caretaker if client else None)
    activity = Activity.objects.create(
        lead=lead,
        client=client,
        employee=employee or intake_config().last_resort,
        kind=kind,
        direction=ActivityDirection.INBOUND,
        done_at=at or timezone.now(),
        notes=text,
    )
    # Like every done conversation: the lead's first of its kind moves the figures.
    first_conversation_event_record(activity)
    for employee in employees if notify else []:
        notification_queue(
            kind=NotificationKind.INQUIRY_ADDED,
            lead=lead,
            recipient=employee,
            about=str(activity.pk),
        )
    return activity


def _lead_of_delivery(source: LeadSource, external_id: str) -> Lead | None:
    """The lead of an earlier delivery of this external id."""
    receipt = (
        IntakeReceipt.objects.filter(source=source, external_id=external_id)
        .select_related("lead")
        .first()
    )
    return receipt.lead if receipt is not None else None


def _branch_id(assignee: User, client: Client | None) -> int:
    if client is not None:
        return client.branch_id
    if assignee.branch_id is not None:
        return assignee.branch_id
    return Branch.objects.order_by("id").values_list("id", flat=True).first()


def one_line(value: str) -> str:
    """A name on one line: line breaks and runs of spaces become one space."""
    return " ".join(value.split())


def client_matching_contact(*, email: str, phone: str) -> Client | None:
    """The client an inquiry comes from, by normalised phone (E.164) or email: one who
    matches both first, then the newest. Asked for every inquiry and most often the
    answer is none: the matches are read as a few plain columns, the client only once
    chosen."""
    email = normalize_email(email) if email else ""
    lookups = Q()
    if phone:
        lookups |= Q(phone_e164=phone)
    if email:
        lookups |= Q(email_normalized=email)
    if not lookups:
        return None
    matches = list(Client.objects.filter(lookups).values_list(*CLIENT_MATCH_COLUMNS))
    if not matches:
        return None
    chosen = best_client_match(matches, email=email, phone=phone)
    return Client.objects.select_related("caretaker").get(pk=chosen)


CLIENT_MATCH_COLUMNS = ("pk", "phone_e164", "email_normalized", "created_at")


def best_client_match(matches: list[tuple], *, email: str, phone: str) -> int:
    """The id of the client an inquiry comes from among those matching its phone or its
    (normalised) email, read as CLIENT_MATCH_COLUMNS: one who matches both first, then
    the newest."""
    chosen = min(
        matches,
        key=lambda match: (
            not (match[1] == phone and match[2] == email),
            -match[3].timestamp(),
            -match[0],
        ),
    )
    return chosen[0]
