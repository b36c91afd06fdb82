"""Conversations on a lead: logging a done one, planning the next step, both at once
("called; meeting on Friday 10:00"), and marking a planned one done.

A done conversation records the lead's first-activity event of its kind (the reports'
response times); every write touches the lead's "updated" stamp, not its history (the
History tab shows the conversation's own history).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from consents.models import ConsentState, Kind
from consents.selectors import lead_granted_q
from crm.core.models import User
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)
from settings_app.selectors import crm_settings

from .common import first_active_status
from .events import lead_event_record
from .figures import lead_figures_event
from .pipeline import lead_closed_refusal

FIRST_EVENT_OF_KIND = {
    ActivityKind.PHONE: LeadEventKind.FIRST_PHONE,
    ActivityKind.EMAIL: LeadEventKind.FIRST_EMAIL,
    ActivityKind.MEETING: LeadEventKind.FIRST_MEETING,
    ActivityKind.SMS: LeadEventKind.FIRST_SMS,
    # A messenger chat (Telegram) is a written message like an SMS, but the reports' SMS
    # figure means the phone's: it counts as "other".
    ActivityKind.MESSENGER: LeadEventKind.FIRST_OTHER,
    ActivityKind.OTHER: LeadEventKind.FIRST_OTHER,
}
# The planned part's fields as the "Add conversation" form names them (the done part keeps
# the plain names), so that a refusal lands next to the right field.
PLANNED_FIELDS = {"kind": "planned_kind", "employee": "planned_employee", "notes": "planned_notes"}
# The consent an outbound marketing contact needs, per kind of conversation (PKE art. 398).
MARKETING_CONSENT_OF_KIND = {
    ActivityKind.PHONE: Kind.MARKETING_PHONE,
    ActivityKind.SMS: Kind.MARKETING_SMS,
    ActivityKind.MESSENGER: Kind.MARKETING_SMS,
    ActivityKind.EMAIL: Kind.MARKETING_EMAIL,
}
# The form's "Log anyway" field, which a refusal for a missing consent names.
MARKETING_CONFIRM_FIELD = "confirm_marketing"


class MarketingWithoutConsent(ValidationError):
    """An outbound marketing call, SMS or email to people without the channel's consent:
    saved only once the user confirms it ("Log anyway")."""


def marketing_consent_missing(
    *, lead: Lead, kind: str, direction: str, is_marketing: bool, client: Client | None = None
) -> Kind | None:
    """The consent an outbound marketing call, SMS or email on this lead lacks: the chosen
    client's, or else that of every one of the lead's clients (or of the inquiry's contact
    while it has none). None when it has it or needs none."""
    consent = MARKETING_CONSENT_OF_KIND.get(kind)
    if not is_marketing or direction != ActivityDirection.OUTBOUND or consent is None:
        return None
    if client is not None:
        granted = ConsentState.objects.filter(client=client, kind=consent, granted=True)
    else:
        granted = Lead.objects.filter(pk=lead.pk).filter(lead_granted_q(consent))
    return None if granted.exists() else consent


def _check_marketing(lead: Lead, *, kind: str, confirmed: bool, **fields) -> None:
    consent = marketing_consent_missing(
        lead=lead,
        kind=kind,
        direction=fields.get("direction", ActivityDirection.OUTBOUND),
        is_marketing=fields.get("is_marketing", False),
        client=fields.get("client"),
    )
    if consent is not None and not confirmed:
        message = _(
            "The person has not consented to “%(consent)s” (PKE art. 398). Confirm “Log "
            "anyway” only if the contact was allowed all the same."
        ) % {"consent": consent.label}
        raise MarketingWithoutConsent(
            {MARKETING_CONFIRM_FIELD: ValidationError(message, code="no_marketing_consent")}
        )


def _locked_open_lead(lead: Lead) -> Lead:
    """The lead's row locked and re-read; refused when it is deleted or failed (work on
    it starts again once it is restored or reactivated)."""
    lead = Lead.objects.select_for_update(of=("self",)).select_related("status").get(pk=lead.pk)
    if refusal := lead_closed_refusal(lead=lead, won_closes=False):
        raise ValidationError(refusal)
    return lead


def _check_client(lead: Lead, client: Client | None) -> None:
    if client is not None and not lead.clients.filter(pk=client.pk).exists():
        raise ValidationError({"client": _("Choose one of the lead's clients.")})


def _check_kind(kind: str) -> None:
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose the kind of conversation.")})


def _save(activity: Activity, *, user: User) -> Activity:
    activity._history_user = user  # django-simple-history records who made the change
    activity.full_clean()
    activity.save()
    return activity


def first_conversation_event_record(activity: Activity) -> None:
    """The lead's first conversation of this kind: an earlier one logged late moves it back."""
    kind = FIRST_EVENT_OF_KIND[activity.kind]
    lead_event_record(lead=activity.lead, kind=kind, at=activity.done_at)
    moved = LeadEvent.objects.filter(lead=activity.lead, kind=kind, at__gt=activity.done_at).update(
        at=activity.done_at
    )
    if moved:
        lead_figures_event(lead_id=activity.lead_id, kind=kind, at=activity.done_at)


def _touch(lead: Lead, *, user: User) -> None:
    """The lead's "updated" stamp, without a history snapshot of the lead itself."""
    lead.updated_at = timezone.now()
    lead.updated_by = user
    Lead.objects.filter(pk=lead.pk).update(updated_at=lead.updated_at, updated_by=user)


def _done(
    lead: Lead,
    *,
    user: User,
    kind: str,
    done_at: datetime | None,
    marketing_confirmed: bool = False,
    **fields,
) -> Activity:
    _check_kind(kind)
    if done_at is None:
        raise ValidationError({"done_at": _("Give the time of the conversation.")})
    if done_at > timezone.now():
        raise ValidationError({"done_at": _("A done conversation cannot be in the future.")})
    _check_client(lead, fields.get("client"))
    _check_marketing(lead, kind=kind, confirmed=marketing_confirmed, **fields)
    activity = _save(
        Activity(lead=lead, kind=kind, done_at=done_at, created_by=user, **fields), user=user
    )
    first_conversation_event_record(activity)
    return activity


def _planned(
    lead: Lead,
    *,
    user: User,
    kind: str,
    planned_at: datetime | None,
    employee: User,
    marketing_confirmed: bool = False,
    **fields,
) -> Activity:
    _check_kind(kind)
    if planned_at is None:
        raise ValidationError({"planned_at": _("Give the time of the next conversation.")})
    # The form gives minutes: the current minute is not the past yet.
    if planned_at < timezone.now().replace(second=0, microsecond=0):
        raise ValidationError(
            {"planned_at": _("A planned conversation cannot be in the past; log it as done.")}
        )
    if not employee.is_active or (
        employee.pk != user.pk and not lead.employees.filter(pk=employee.pk).exists()
    ):
        raise ValidationError({"employee": _("Choose one of the lead's employees.")})
    _check_client(lead, fields.get("client"))
    _check_marketing(lead, kind=kind, confirmed=marketing_confirmed, **fields)
    return _save(
        Activity(
            lead=lead,
            kind=kind,
            planned_at=planned_at,
            employee=employee,
            created_by=user,
            **fields,
        ),
        user=user,
    )


@transaction.atomic
def conversation_log(
    *,
    lead: Lead,
    user: User,
    kind: str,
    done_at: datetime | None,
    direction: str = ActivityDirection.OUTBOUND,
    duration_minutes: int | None = None,
    notes: str = "",
    client: Client | None = None,
    employee: User | None = None,
    is_marketing: bool = False,
    marketing_confirmed: bool = False,
) -> Activity:
    """Log a conversation that took place (done_at now or earlier), by `employee` (the
    user by default), with one of the lead's clients or none. An outbound marketing call,
    SMS or email to people without that channel's consent is refused
    (MarketingWithoutConsent) unless `marketing_confirmed`."""
    lead = _locked_open_lead(lead)
    activity = _done(
        lead,
        user=user,
        kind=kind,
        done_at=done_at,
        direction=direction,
        duration_minutes=duration_minutes,
        notes=notes.strip(),
        client=client,
        employee=employee or user,
        is_marketing=is_marketing,
        marketing_confirmed=marketing_confirmed,
    )
    _touch(lead, user=user)
    return activity


@transaction.atomic
def conversation_plan(
    *,
    lead: Lead,
    user: User,
    kind: str,
    planned_at: datetime | None,
    direction: str = ActivityDirection.OUTBOUND,
    notes: str = "",
    client: Client | None = None,
    employee: User | None = None,
    is_marketing: bool = False,
    marketing_confirmed: bool = False,
) -> Activity:
    """Plan the lead's next conversation (not in the past) for `employee`: the user by
    default, or another of the lead's employees. A marketing one needs the channel's
    consent or `marketing_confirmed`, as in `conversation_log`."""
    lead = _locked_open_lead(lead)
    activity = _planned(
        lead,
        user=user,
        kind=kind,
        planned_at=planned_at,
        direction=direction,
        notes=notes.strip(),
        client=client,
        employee=employee or user,
        is_marketing=is_marketing,
        marketing_confirmed=marketing_confirmed,
    )
    _touch(lead, user=user)
    return activity


@transaction.atomic
def conversation_log_and_plan(
    *,
    lead: Lead,
    user: User,
    done: dict | None = None,
    planned: dict | None = None,
    marketing_confirmed: bool = False,
) -> tuple[Activity | None, Activity | None]:
    """Log a done conversation, plan the next one, or both in one transaction: two rows,
    the done one and the planned one. `done` and `planned` hold the keyword arguments of
    `conversation_log` and `conversation_plan`; a refusal of the planned part names the
    form's planned_* fields. A marketing contact without the channel's consent needs
    `marketing_confirmed` (see `conversation_log`)."""
    if not done and not planned:
        raise ValidationError(_("Log a conversation, plan the next one, or both."))
    lead = _locked_open_lead(lead)
    done_activity = planned_activity = None
    if done:
        fields = {**done, "notes": done.get("notes", "").strip()}
        fields["employee"] = fields.get("employee") or user
        done_activity = _done(lead, user=user, marketing_confirmed=marketing_confirmed, **fields)
    if planned:
        fields = {**planned, "notes": planned.get("notes", "").strip()}
        fields["employee"] = fields.get("employee") or user
        try:
            planned_activity = _planned(
                lead, user=user, marketing_confirmed=marketing_confirmed, **fields
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {PLANNED_FIELDS.get(field, field): errors for field, errors in error}
            ) from error
    _touch(lead, user=user)
    return done_activity, planned_activity


@transaction.atomic
def conversation_mark_done(
    *,
    activity: Activity,
    user: User,
    done_at: datetime | None = None,
    notes: str = "",
    duration_minutes: int | None = None,
) -> Activity:
    """Mark a planned conversation done (now, or at `done_at` not in the future), adding
    its outcome to its notes; it stays planned for the time it was planned for."""
    lead = _locked_open_lead(activity.lead)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.done_at is not None:
        raise ValidationError(_("This conversation is already marked as done."))
    now = timezone.now()
    done_at = done_at or now
    if done_at > now:
        raise ValidationError({"done_at": _("A done conversation cannot be in the future.")})
    activity.lead = lead
    activity.done_at = done_at
    activity.duration_minutes = duration_minutes
    outcome = notes.strip()
    activity.notes = "\n\n".join(filter(None, [activity.notes, outcome]))
    _save(activity, user=user)
    first_conversation_event_record(activity)
    _touch(lead, user=user)
    return activity


@transaction.atomic
def conversation_postpone(
    *, activity: Activity, user: User, planned_at: datetime | None
) -> Activity:
    """Move a planned conversation to a later time (My day's "postpone"). Refused when it
    is done already, when the new time is in the past or not later than the planned one,
    and on a closed lead; the history records who moved it."""
    lead = _locked_open_lead(activity.lead)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.done_at is not None:
        raise ValidationError(_("This conversation is already marked as done."))
    if planned_at is None:
        raise ValidationError({"planned_at": _("Give the time of the next conversation.")})
    # The form gives minutes: the current minute is not the past yet.
    if planned_at < timezone.now().replace(second=0, microsecond=0):
        raise ValidationError(
            {"planned_at": _("A planned conversation cannot be in the past; log it as done.")}
        )
    if planned_at <= activity.planned_at:
        raise ValidationError({"planned_at": _("Postpone it to a later time than planned.")})
    activity.lead = lead
    activity.planned_at = planned_at
    _save(activity, user=user)
    _touch(lead, user=user)
    return activity


def conversation_status_suggestion(*, lead: Lead) -> LeadStatus | None:
    """The status to offer after a conversation on a lead still in the first status: the
    next active one, when the settings ask for suggestions and allow manual changes."""
    settings = crm_settings()
    if not (settings.suggest_status_after_conversation and settings.manual_status_change_allowed):
        return None
    first = first_active_status()
    if first is None or lead.status_id != first.pk or lead.is_failed or lead.is_deleted:
        return None
    return (
        LeadStatus.objects.filter(active=True, is_won=False)
        .exclude(pk=first.pk)
        .filter(order__gte=first.order)
        .order_by("order", "id")
        .first()
    )
