"""Receiving an inquiry (from the intake API or the public form) as a lead.

The steps, in one transaction once the assignee is known:
1. a delivery with an external id is recorded first: its unique key decides, under
   concurrent retries too, that one delivery makes the lead and every other gets its answer;
2. a client whose normalised phone or email matches makes it a repeat inquiry: linked to
   that client and given to its caretaker, or (the settings' alternative scenario) logged
   as an inbound message on the client's newest open lead;
3. otherwise a new lead for the assignment rules' pick, waiting for verification;
4. the "created" event, and the assignee's email queued for after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, LeadSource
from crm.core.models import Branch, User
from crm.core.normalization import normalize_email
from investments.models import Investment
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    IntakeOutcome,
    IntakeReceipt,
    Lead,
    LeadEventKind,
)
from notifications.models import NotificationKind
from notifications.services import notification_queue
from settings_app.models import RepeatInquiryScenario
from settings_app.selectors import crm_settings

from .assignment import assignee_for_inquiry
from .board import board_entries_refresh
from .common import first_status
from .events import lead_event_record


class Received:
    CREATED = "created"  # a new lead
    APPENDED = "appended"  # logged on the client's newest open lead
    DUPLICATE = "duplicate"  # this (source, external id) was received before


@dataclass(frozen=True)
class Receipt:
    lead: Lead
    outcome: str

    @property
    def is_new(self) -> bool:
        return self.outcome != Received.DUPLICATE


def lead_receive(*, source: LeadSource, data: dict[str, Any], raw_payload: Any = None) -> Receipt:
    """Receive one inquiry whose fields were already checked (`read_intake_payload` or the
    public form). Returns the lead it made or was added to, or the lead of the first
    delivery of the same external id."""
    external_id = data.get("external_id") or ""
    if external_id:
        known = _lead_of_delivery(source, external_id)
        if known is not None:
            return Receipt(known, Received.DUPLICATE)
    client = client_matching_contact(email=data.get("email", ""), phone=data.get("phone", ""))
    investments = investments_named(data.get("investment", ""))
    caretaker = client.caretaker if client is not None else None
    if caretaker is not None and caretaker.is_active:
        assignee = caretaker
    else:
        # Round robin takes its turn in its own short transaction (see assignment.py).
        assignee = assignee_for_inquiry(source=source, investments=investments)
    try:
        with transaction.atomic():
            return _receive(source, data, raw_payload, external_id, client, investments, assignee)
    except IntegrityError:
        # A concurrent delivery of the same external id committed first.
        known = _lead_of_delivery(source, external_id) if external_id else None
        if known is None:
            raise
        return Receipt(known, Received.DUPLICATE)


def _receive(source, data, raw_payload, external_id, client, investments, assignee) -> Receipt:
    receipt = (
        IntakeReceipt.objects.create(source=source, external_id=external_id)
        if (external_id)
        else None
    )
    lead = None
    if client is not None and (
        crm_settings().repeat_inquiry_scenario == RepeatInquiryScenario.ADD_TO_EXISTING
    ):
        lead = client.leads.open().order_by("-created_at", "-id").first()
    if lead is not None:
        _log_inquiry_on(lead, client=client, data=data, source=source)
        outcome = Received.APPENDED
    else:
        lead = _new_lead(source, data, raw_payload, external_id, client, investments, assignee)
        outcome = Received.CREATED
    if receipt is not None:
        receipt.lead = lead
        receipt.save(update_fields=["lead"])
    return Receipt(lead, outcome)


def _new_lead(source, data, raw_payload, external_id, client, investments, assignee) -> Lead:
    now = timezone.now()
    investment_text = data.get("investment", "")
    lead = Lead(
        name=crm_settings().default_lead_name,
        status=first_status(),
        branch_id=_branch_id(assignee, client),
        source=source,
        contact_first_name=one_line(data.get("first_name", "")),
        contact_last_name=one_line(data.get("last_name", "")),
        contact_email=data.get("email", ""),
        contact_phone=data.get("phone", ""),
        message=data.get("message", ""),
        consent_processing=bool(data.get("consents_processing")),
        consent_marketing=bool(data.get("consents_marketing")),
        investment_text=investment_text,
        investment_unknown=bool(investment_text) and not investments,
        external_id=external_id,
        raw_payload=raw_payload if raw_payload is not None else {},
        intake_outcome=IntakeOutcome.LINKED if client is not None else IntakeOutcome.NEW,
        is_repeat=client is not None,
        created_at=now,
        updated_at=now,
        **{f"utm_{key}": data.get(f"utm_{key}", "") for key in UTM_KEYS},
    )
    # The fields were checked on the way in and the constraints are the database's: the
    # model's constraint checks, and the existence checks of the status, branch and source
    # just read, would cost a query each on every inquiry.
    lead.clean_fields(exclude=["status", "branch", "source"])
    lead.save()
    lead.employees.add(assignee)
    if client is not None:
        lead.clients.add(client)
    if investments:
        lead.investments.add(*investments)
    board_entries_refresh(lead=lead)
    lead_event_record(lead=lead, kind=LeadEventKind.CREATED, at=now)
    notification_queue(kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=assignee)
    return lead


UTM_KEYS = ("source", "medium", "campaign", "content", "term")


def _log_inquiry_on(lead: Lead, *, client: Client, data: dict[str, Any], source) -> None:
    """The repeat inquiry as a done inbound message on the lead, for its employees."""
    employees = list(lead.employees.all())
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
    activity = Activity.objects.create(
        lead=lead,
        client=client,
        employee=employees[0] if employees else client.caretaker,
        kind=ActivityKind.EMAIL if data.get("email") else ActivityKind.OTHER,
        direction=ActivityDirection.INBOUND,
        done_at=timezone.now(),
        notes="\n".join(filter(None, details)),
    )
    for employee in employees:
        notification_queue(
            kind=NotificationKind.INQUIRY_ADDED,
            lead=lead,
            recipient=employee,
            about=str(activity.pk),
        )


def _lead_of_delivery(source: LeadSource, external_id: str) -> Lead | None:
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
    matches both first, then the newest."""
    email = normalize_email(email) if email else ""
    if not (email or phone):
        return None
    by_phone = Q(phone_e164=phone) if phone else Q(pk__in=[])
    by_email = Q(email_normalized=email) if email else Q(pk__in=[])
    return (
        Client.objects.filter(by_phone | by_email)
        .select_related("caretaker")
        .annotate(
            both=Case(
                When(by_phone & by_email, then=Value(0)), default=1, output_field=IntegerField()
            )
        )
        .order_by("both", "-created_at", "-id")
        .first()
    )


def investments_named(text: str) -> list[Investment]:
    """The investment an inquiry names, by code or by name (any case); none if unknown."""
    text = text.strip()
    if not text:
        return []
    return list(Investment.objects.filter(Q(code__iexact=text) | Q(name__iexact=text))[:1])
