"""PKE art. 398: the conversation form warns before an outbound marketing call, SMS or
email is logged for people without that channel's consent; nothing is saved until the
user confirms "Log anyway"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consents.models import Action, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record
from leads.models import Activity, ActivityDirection, ActivityKind
from leads.services.conversations import (
    MarketingWithoutConsent,
    conversation_log,
    conversation_plan,
)
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ela(advisor):
    ela = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    # She ticked marketing by email only on the form.
    consent_record(
        person=Person(client=ela), kind=Kind.MARKETING_EMAIL, action=Action.GIVEN,
        clause=clauses_offered(controller_default())[Kind.MARKETING_EMAIL],
        source=Source.PUBLIC_FORM,
    )  # fmt: skip
    return ela


@pytest.fixture
def lead(advisor, ela):
    return LeadFactory(branch=advisor.branch, employees=[advisor], clients=[ela])


def form_data(**changes):
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "log_done": "on", "kind": ActivityKind.PHONE, "direction": ActivityDirection.OUTBOUND,
        "done_at": now.strftime("%Y-%m-%dT%H:%M"), "notes": "Oferta na Akacjowej",
        "is_marketing": "on", **changes,
    }  # fmt: skip


def test_logging_a_marketing_call_without_consent_warns_and_saves_nothing(web, lead):
    response = web.post(reverse("leads:conversation_add", args=[lead.pk]), form_data())
    assert response.status_code == 400
    assert 'id="conversation-marketing-warning"' in response.text
    assert "has not consented to “Marketing by phone call”" in response.text
    assert "Log anyway" in response.text
    assert not Activity.objects.exists()


def test_log_anyway_saves_the_marketing_call(web, lead):
    url = reverse("leads:conversation_add", args=[lead.pk])
    response = web.post(url, form_data(confirm_marketing="on"))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.is_marketing and activity.kind == ActivityKind.PHONE


def test_a_marketing_email_to_who_consented_to_emails_is_saved_without_a_warning(web, lead):
    url = reverse("leads:conversation_add", args=[lead.pk])
    assert web.post(url, form_data(kind=ActivityKind.EMAIL)).status_code == 302
    assert Activity.objects.get().is_marketing


@pytest.mark.parametrize(
    "changes",
    [
        {"is_marketing": ""},  # not marketing: the person asked
        {"direction": ActivityDirection.INBOUND},  # the person called
        {"kind": ActivityKind.MEETING},  # not a channel of art. 398
    ],
)
def test_no_warning_when_no_consent_is_needed(web, lead, changes):
    url = reverse("leads:conversation_add", args=[lead.pk])
    assert web.post(url, form_data(**changes)).status_code == 302


def test_the_form_offers_the_marketing_checkbox(web, lead):
    text = web.get(reverse("leads:conversation_add", args=[lead.pk])).text
    assert "Marketing contact (an offer the person did not ask for)" in text
    assert "Log anyway" not in text


def test_the_service_refuses_an_sms_to_an_inquiry_contact_without_consent(advisor):
    inquiry = LeadFactory(branch=advisor.branch, employees=[advisor], contact_phone="600100200")
    with pytest.raises(MarketingWithoutConsent):
        conversation_log(
            lead=inquiry, user=advisor, kind=ActivityKind.SMS, done_at=timezone.now(),
            is_marketing=True,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        conversation_plan(
            lead=inquiry, user=advisor, kind=ActivityKind.SMS,
            planned_at=timezone.now().replace(second=0) + timezone.timedelta(days=1),
            is_marketing=True,
        )  # fmt: skip
    assert not Activity.objects.exists()
    conversation_log(
        lead=inquiry, user=advisor, kind=ActivityKind.SMS, done_at=timezone.now(),
        is_marketing=True, marketing_confirmed=True,
    )  # fmt: skip
    assert Activity.objects.get().is_marketing


def test_the_chosen_clients_consent_decides(web, advisor, lead, ela):
    other = ClientFactory(branch=advisor.branch)
    lead.clients.add(other)
    url = reverse("leads:conversation_add", args=[lead.pk])
    emailing_other = form_data(kind=ActivityKind.EMAIL, client=other.pk)
    assert web.post(url, emailing_other).status_code == 400
    assert web.post(url, form_data(kind=ActivityKind.EMAIL, client=ela.pk)).status_code == 302
