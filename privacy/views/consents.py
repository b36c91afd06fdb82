"""A person's consents (see privacy/urls.py): an employee records a consent given to them,
withdraws one in two clicks, records an objection to marketing (art. 21); the history of
the events and the scanned documents.

A person is a client (`client/<pk>`, scoped by clients.selectors) or an inquiry's contact
before the inquiry has a client (`lead/<pk>`, scoped as the lead page): whoever may not see
them gets a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clients.selectors import client_get_for_user
from consents.models import Action, ConsentEvent, Kind, Source
from consents.selectors import (
    Person,
    consent_history,
    controllers_for_person,
    person_suppressed_at,
)
from consents.services import ConsentRefused, consent_record, consents_withdraw, objection_record
from crm.core.forms import add_service_errors
from leads.detail_selectors import lead_get_light_for_user
from leads.views.documents import attachment_header
from privacy.forms.consents import ConsentGiveForm, ConsentWithdrawForm, ObjectionForm

PERSON_KINDS = ("client", "lead")


def person_get_for_user(*, user, person_kind: str, pk: int) -> Person:
    """The person the user may see (a client, or the contact of a lead without a client);
    404 otherwise."""
    if person_kind == "client":
        return Person(client=client_get_for_user(user=user, pk=pk))
    if person_kind == "lead":
        lead = lead_get_light_for_user(user=user, pk=pk)
        # A lead with clients: its people are its clients, with their own consents.
        if lead.clients.exists():
            raise Http404
        return Person(lead=lead)
    raise Http404


def _person_page(person: Person) -> str:
    return (person.client or person.lead).get_absolute_url()


def _back(request: HttpRequest, person: Person) -> HttpResponse:
    """Back to the page the action came from (`next`, this site's only), else the
    person's page, at its consent panel."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = _person_page(person)
    return redirect(f"{target.split('#')[0]}#consents")


def _given_at(day: dt.date) -> dt.datetime:
    """The moment a consent given on `day` is recorded at: now for today (it follows what
    was recorded earlier today), midday for an earlier day."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_give_view(request: HttpRequest, person_kind: str, pk: int) -> HttpResponse:
    """The form of a consent the person gave to an employee, and its recording."""
    person = person_get_for_user(user=request.user, person_kind=person_kind, pk=pk)
    posted = request.method == "POST"
    form = ConsentGiveForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        controllers=controllers_for_person(person),
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        document = data["document"]
        evidence = {"recorded_by_employee": request.user.get_username()}
        try:
            consent_record(
                person=person,
                kind=data["kind"],
                action=Action.GIVEN,
                clause=data["clause"],
                source=Source.EMPLOYEE,
                at=_given_at(data["given_on"]),
                evidence=evidence,
                document=document,
                note=data["note"],
                user=request.user,
                explicit=data["explicit"],
            )
        except ConsentRefused as refusal:
            form.add_error(None, refusal)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "at" in error.error_dict:
                error = ValidationError({"given_on": error.error_dict.pop("at")})
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return _back(request, person)
    context = {
        "person": person,
        "form": form,
        "person_url": _person_page(person),
        "suppressed_at": person_suppressed_at(person),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "privacy/consents/give.html", context, status=400 if posted else 200)


@require_POST
@login_required
def consent_withdraw_view(request: HttpRequest, person_kind: str, pk: int) -> HttpResponse:
    """A withdrawal the person asked for (art. 7(3)), confirmed on the panel."""
    person = person_get_for_user(user=request.user, person_kind=person_kind, pk=pk)
    form = ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the consent to withdraw."))
        return _back(request, person)
    kind = Kind(form.cleaned_data["kind"])
    try:
        consents_withdraw(person=person, kinds=[kind], user=request.user, source=Source.EMPLOYEE)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consent “%(kind)s” is withdrawn.") % {"kind": kind.label})
    return _back(request, person)


@require_POST
@login_required
def objection_view(request: HttpRequest, person_kind: str, pk: int) -> HttpResponse:
    """An objection to marketing (art. 21), confirmed on the panel: every marketing consent
    ends and the person's phone and email go on the suppression list."""
    person = person_get_for_user(user=request.user, person_kind=person_kind, pk=pk)
    form = ObjectionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    objection_record(person=person, user=request.user, source=Source.EMPLOYEE, note=note)
    messages.success(request, _("The objection to marketing is recorded."))
    return _back(request, person)


@login_required
@require_safe
def consent_history_view(request: HttpRequest, person_kind: str, pk: int) -> HttpResponse:
    """Every consent event of the person, newest first, with its clause's text."""
    person = person_get_for_user(user=request.user, person_kind=person_kind, pk=pk)
    events = consent_history(client=person.client, lead=person.lead)
    context = {
        "person": person,
        "person_url": _person_page(person),
        "person_kind": person_kind,
        "person_pk": pk,
        "events": [(event, evidence_summary(event.evidence)) for event in events],
        "suppressed_at": person_suppressed_at(person),
    }
    return render(request, "privacy/consents/history.html", context)


@login_required
@require_safe
def consent_document_view(request: HttpRequest, event_pk: int) -> HttpResponse:
    """An event's scanned document, to whoever may see its person; 404 to anyone else."""
    event = get_object_or_404(ConsentEvent.objects.exclude(document=""), pk=event_pk)
    if event.client_id is not None:
        client_get_for_user(user=request.user, pk=event.client_id)
    else:
        lead_get_light_for_user(user=request.user, pk=event.lead_id)
    try:
        stream = event.document.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    stored = event.evidence.get("document") or {}
    name = stored.get("name") or event.document.name.rsplit("/", 1)[-1]
    content_type = stored.get("content_type") or "application/octet-stream"
    response = FileResponse(stream, as_attachment=True, content_type=content_type)
    response["Content-Disposition"] = attachment_header(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# The evidence's keys as the register's writers name them, in words (others as they are).
EVIDENCE_LABELS = {
    "url": gettext_lazy("Form address"),
    "ip": gettext_lazy("IP address"),
    "user_agent": gettext_lazy("Browser"),
    "request_id": gettext_lazy("API request id"),
    "payload": gettext_lazy("Data sent"),
    "batch": gettext_lazy("Import"),
    "row": gettext_lazy("Row"),
    "portal": gettext_lazy("Portal"),
    "external_id": gettext_lazy("Id at the sender"),
    "recorded_by_employee": gettext_lazy("Recorded by"),
    "document": gettext_lazy("Scanned document"),
    "before_the_register": gettext_lazy("Before the register"),
}


def evidence_summary(evidence: dict) -> list[tuple[str, str]]:
    """An event's evidence in short: (name, value) per item, long values cut, nested ones
    (a raw payload) counted rather than shown."""
    summary = []
    for key, value in (evidence or {}).items():
        if isinstance(value, dict):
            flat = [(k, v) for k, v in value.items() if not isinstance(v, dict | list)]
            text = ", ".join(f"{k}: {v}" for k, v in flat)
            text = text or _("%(count)s fields") % {"count": len(value)}
        elif isinstance(value, list):
            text = _("%(count)s items") % {"count": len(value)}
        else:
            text = str(value)
        label = EVIDENCE_LABELS.get(key) or str(key).replace("_", " ")
        summary.append((str(label), text[:200] + ("…" if len(text) > 200 else "")))
    return summary


urlpatterns = [
    path("consents/<slug:person_kind>/<int:pk>/give/", consent_give_view, name="consent_give"),
    path(
        "consents/<slug:person_kind>/<int:pk>/withdraw/",
        consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("consents/<slug:person_kind>/<int:pk>/object/", objection_view, name="consent_object"),
    path(
        "consents/<slug:person_kind>/<int:pk>/history/",
        consent_history_view,
        name="consent_history",
    ),
    path("consents/documents/<int:event_pk>/", consent_document_view, name="consent_document"),
]
