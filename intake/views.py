"""Inquiries from outside: the intake API for websites and portals, its OpenAPI
document, and the public inquiry form a source's website can embed.

Every refusal of the API is JSON: {"errors": {field: [messages]}}, the field being the
sender's own name ("consents.processing") or, for the request itself, "authorization",
"source", "body", "content_type" or "rate".
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clients.models import LeadSource
from consents.models import Source
from consents.selectors import kinds_offered
from crm.core.logs import request_id_var
from crm.core.params import whole_number
from crm.core.ratelimit import client_address, rate_limit_hit
from intake.openapi import intake_openapi_document
from intake.payload import (
    MAX_BODY_BYTES,
    IntakePayload,
    PublicInquiryForm,
    consent_field_name,
    read_given_clauses,
    read_intake_payload,
    utm_from_query,
)
from leads.intake_config import intake_config
from leads.services.assignment import NoAssignee
from leads.services.inquiry_consents import InquiryConsents, legacy_marketing
from leads.services.intake import Received, lead_receive

logger = logging.getLogger(__name__)

# The public form: inquiries per visitor's address and source in FORM_WINDOW_SECONDS.
FORM_LIMIT_PER_IP = 5
FORM_WINDOW_SECONDS = 600
# When nobody can be given an inquiry, the sender is asked to come back after this long.
NO_ASSIGNEE_RETRY_SECONDS = 300


def _errors(status: int, field: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"errors": {field: [message]}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt
@require_POST
def intake_api_view(request: HttpRequest) -> HttpResponse:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _errors(
            401,
            "authorization",
            _("Send the source's token: Authorization: Bearer <token>."),
            WWW_Authenticate="Bearer",
        )
    source = intake_config().source_for_token(token.strip())
    if source is None:
        return _errors(
            401, "authorization", _("The token is not valid."), WWW_Authenticate="Bearer"
        )
    if not source.active:
        return _errors(403, "source", _("This source is inactive; inquiries are refused."))
    retry_after = rate_limit_hit(
        f"intake:{source.pk}", limit=source.intake_rate_per_minute, window_seconds=60
    )
    if retry_after is not None:
        return _errors(
            429,
            "rate",
            _("Too many inquiries from this source; try again in %(seconds)s s.")
            % {"seconds": retry_after},
            Retry_After=str(retry_after),
        )
    refusal = _body_refusal(request)
    if refusal is not None:
        return refusal
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _errors(413, "body", _("The body is larger than 64 KiB."))
    try:
        decoded = json.loads(
            body.decode("utf-8"), parse_constant=_refuse_number, parse_float=_finite_float
        )
    except UnicodeDecodeError:
        return _errors(400, "body", _("The body is not valid UTF-8."))
    except RecursionError:
        return _errors(400, "body", _("The body is nested too deeply."))
    except ValueError as error:
        return _errors(400, "body", _("The body is not valid JSON: %(error)s.") % {"error": error})
    unstorable = _unstorable_text(decoded)
    if unstorable:
        return JsonResponse({"errors": unstorable}, status=400)
    payload = read_intake_payload(decoded)
    if not payload.is_valid:
        return JsonResponse({"errors": payload.errors}, status=400)
    consents, errors = _api_consents(payload, decoded)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    try:
        receipt = lead_receive(
            source=source, data=payload.data, raw_payload=decoded, consents=consents
        )
    except NoAssignee:
        logger.error("Inquiry from %s refused: nobody active can receive it.", source)
        return _errors(
            503,
            "assignment",
            _("Nobody in Lejek can take inquiries at the moment; please try again later."),
            Retry_After=str(NO_ASSIGNEE_RETRY_SECONDS),
        )
    url = request.build_absolute_uri(receipt.lead.get_absolute_url())
    response = JsonResponse(
        {
            "id": receipt.lead.pk,
            "url": url,
            "outcome": receipt.outcome,
            "consents_refused": list(receipt.consents_refused),
        },
        status=200 if receipt.outcome == Received.DUPLICATE else 201,
    )
    response["Location"] = url
    return response


def _api_consents(
    payload: IntakePayload, body: dict
) -> tuple[InquiryConsents | None, dict[str, list[str]]]:
    """What the API's inquiry records in the consent register (see
    leads/services/inquiry_consents.py and the OpenAPI document): the basis, the consents
    `consents.given` names (explicit, by clause version), and `consents.marketing: true`
    as marketing by email and by phone call (not explicit). Errors: unknown clause
    versions, by the sender's field."""
    config = intake_config()
    controller = config.inquiry_controller(
        config.investments_named(payload.data.get("investment", ""))
    )
    clauses = config.clauses_of(controller)
    given, errors = read_given_clauses(payload.data["consents_given"], controller=controller)
    if errors:
        return None, errors
    consents = InquiryConsents(
        source=Source.API,
        clauses=clauses,
        given=given,
        implied=legacy_marketing(clauses) if payload.data.get("consents_marketing") else (),
        evidence={"request_id": request_id_var.get(), "payload": body},
    )
    return consents, {}


def _body_refusal(request: HttpRequest) -> JsonResponse | None:
    """What is wrong with the body as sent, before it is read: its length (411, 413), its
    type or charset (415)."""
    declared = request.META.get("CONTENT_LENGTH")
    if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
        # A body sent in chunks, without a length, would be read as empty: say so instead.
        message = _("Send the body with a Content-Length header, not in chunks.")
        return _errors(411, "body", message)
    # Unreadable ("abc") is no length, as Django reads it: the body is then empty.
    if (whole_number(declared) or 0) > MAX_BODY_BYTES:
        return _errors(413, "body", _("The body is larger than 64 KiB."))
    if request.content_type != "application/json":
        return _errors(415, "content_type", _("Send the inquiry as application/json."))
    charset = request.content_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        # The body is read as UTF-8, as JSON must be: another charset would be misread.
        return _errors(415, "content_type", _("Send the inquiry in UTF-8 (charset=utf-8)."))
    return None


def _refuse_number(name: str):
    """NaN and Infinity are not JSON (Python's parser accepts them; PostgreSQL does not)."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large a number")
    return number


def _unstorable_text(body) -> dict[str, list[str]]:
    """Strings PostgreSQL cannot store, in text or JSON columns: a NUL character, or a lone
    UTF-16 surrogate (valid JSON escapes both). Refused by the sender's field name (the
    top-level key, "group.key" inside an object), "body" for a key. Walked without
    recursion: a deeply nested body is no reason for an error page."""
    errors: dict[str, list[str]] = {}
    stack = [(body, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if _text_problem(key):
                    errors.setdefault("body", [_text_problem(key)])
                stack.append(
                    (item, key if not path else f"{path}.{key}" if "." not in path else path)
                )
        elif isinstance(value, list):
            stack.extend((item, path) for item in value)
        elif isinstance(value, str) and _text_problem(value):
            errors.setdefault(path or "body", [_text_problem(value)])
    return errors


def _text_problem(text: str) -> str:
    if "\x00" in text:
        return _("Contains a NUL character (\\u0000), which cannot be stored.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("Contains an invalid character (a lone UTF-16 surrogate).")
    return ""


@require_safe
def intake_schema_view(request: HttpRequest) -> JsonResponse:
    server = request.build_absolute_uri("/").rstrip("/")
    return JsonResponse(intake_openapi_document(server_url=server))


def _framable_by(response: HttpResponse, source: LeadSource) -> HttpResponse:
    """Only the source's configured sites may show the form in a frame: the rest of the
    Content Security Policy stays as for every page (django-csp reads this attribute)."""
    response._csp_replace = {"frame-ancestors": source.frame_origins or ["'none'"]}
    return response


def _public_source(slug: str) -> LeadSource:
    return get_object_or_404(LeadSource, slug=slug, active=True, intake_form_enabled=True)


# No CSRF check: the form is meant to be posted from other sites' frames, where browsers
# withhold our (SameSite=Lax) cookie; it acts for nobody's session, and the honeypot and
# the per-address limit guard it instead.
@csrf_exempt
@never_cache
@xframe_options_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def public_inquiry_view(request: HttpRequest, slug: str) -> HttpResponse:
    source = _public_source(slug)
    status = 200
    if request.method != "POST":
        chosen = request.GET.get("investment", "")
        form = _public_form(None, chosen, initial={"investment": chosen})
    else:
        form = _public_form(request.POST, request.POST.get("investment", ""))
        retry_after = rate_limit_hit(
            f"form:{source.pk}:{client_address(request)}",
            limit=FORM_LIMIT_PER_IP,
            window_seconds=FORM_WINDOW_SECONDS,
        )
        if retry_after is not None:
            form.add_error(
                None,
                _("Too many inquiries from your address; please try again in %(minutes)s min.")
                % {"minutes": retry_after // 60 + 1},
            )
            status = 429
        elif form.is_valid():
            # A bot filled the field people never see: it gets the thank-you page, and
            # nothing is stored.
            if form.is_bot:
                return redirect(reverse("intake_form_thanks", args=[source.slug]))
            if form.consents_changed():
                form, status = _consents_to_read_again(form, request.POST), 400
            elif _form_inquiry_received(request, form, source):
                return redirect(reverse("intake_form_thanks", args=[source.slug]))
            else:
                status = 503
        else:
            status = 400
    response = render(request, "intake/form.html", {"form": form, "source": source}, status=status)
    return _framable_by(response, source)


def _public_form(data, investment_code: str, **kwargs) -> PublicInquiryForm:
    """The public form with the consents of the controller of the investment chosen, as
    an inquiry's consents are given (`IntakeConfig.inquiry_controller`: the investment's
    own controller when it offers clauses, else the default controller)."""
    config = intake_config()
    controller = config.inquiry_controller(config.investments_named(investment_code))
    return PublicInquiryForm(
        data,
        controller=controller,
        clauses=config.clauses_of(controller),
        kinds=kinds_offered(),
        **kwargs,
    )


def _consents_to_read_again(form: PublicInquiryForm, posted) -> PublicInquiryForm:
    """The form again, with the consents of the investment's controller unticked and a
    word why: a tick is recorded only against the text the visitor read."""
    data = posted.copy()
    for kind in form.consent_kinds:
        data.pop(consent_field_name(kind), None)
    data["consents_shown"] = form.consents_signature
    again = PublicInquiryForm(
        data, controller=form.controller, clauses=form.clauses, kinds=form.consent_kinds
    )
    again.is_valid()
    again.add_error(None, PublicInquiryForm.MESSAGE_CONSENTS_CHANGED)
    return again


def _form_inquiry_received(request: HttpRequest, form: PublicInquiryForm, source) -> bool:
    """Store the form's inquiry with what the visitor ticked (explicit consents, with the
    form's address, the visitor's and their browser's as evidence); False, with the form's
    error, when nobody can take it."""
    utm = utm_from_query(request.GET)
    consents = InquiryConsents(
        source=Source.PUBLIC_FORM,
        clauses=form.clauses,
        given=form.consents_given(),
        evidence={
            "url": request.build_absolute_uri(),
            "ip": client_address(request),
            "user_agent": request.headers.get("User-Agent", "")[:500],
        },
    )
    try:
        lead_receive(
            source=source,
            data={**form.cleaned_data, **utm},
            raw_payload={"form": form.submitted_values(), **utm},
            consents=consents,
        )
    except NoAssignee:
        logger.error("Inquiry form of %s refused: nobody active can receive it.", source)
        form.add_error(
            None, _("We cannot take your inquiry at the moment; please try again later or call us.")
        )
        return False
    return True


@xframe_options_exempt
@require_safe
def public_inquiry_thanks_view(request: HttpRequest, slug: str) -> HttpResponse:
    source = _public_source(slug)
    return _framable_by(render(request, "intake/thanks.html", {"source": source}), source)
