"""Retention: the dry run lists who the policy anonymises and why (ids only), skips anyone
with an active lead or a contract under its legal hold, and the monthly job anonymises
them, completing too the anonymisations whose legal hold has ended; the raw log's entries
that made no lead are deleted after 90 days."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings as project_settings
from django.core.management import call_command
from django.utils import timezone, translation

from clients.models import Client
from intake.models import ChannelAccount, ChannelKind, Outcome, RawMessage
from intake.services.raw import raw_store
from leads.models import DeletionReason, FailureReason, IntakeOutcome, Lead
from leads.services.conversations import conversation_log
from privacy.models import PrivacyAction, PrivacyLog
from privacy.selectors.retention import (
    REASON_HOLD_ENDED,
    REASON_INACTIVE,
    SKIP_ACTIVE_LEAD,
    SKIP_HOLD,
    retention_entries,
)
from privacy.services.anonymisation import person_anonymise
from privacy.services.retention import retention_run
from privacy.tasks import run_retention
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, LeadFactory, source, win

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=3 * 365)


def old_client(branch, **kwargs) -> Client:
    client = ClientFactory(branch=branch, **kwargs)
    Client.objects.filter(pk=client.pk).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    client.refresh_from_db()
    return client


def failed(**kwargs) -> dict:
    return {"failed_at": LONG_AGO, "failure_reason": FailureReason.objects.first(), **kwargs}


@pytest.fixture
def people(advisor, manager):
    """Who is who: an inactive client and an inactive deleted inquiry (both due), a
    client with an open lead, an inquiry still open, a client whose contract is under its
    legal hold, and a client active last week."""
    branch = advisor.branch
    inactive = old_client(branch, last_name="Dawny")
    LeadFactory(branch=branch, clients=[inactive], created_at=LONG_AGO, **failed())
    spam = LeadFactory(
        branch=branch,
        created_at=LONG_AGO,
        contact_last_name="Spam",
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.first(),
    )
    waiting = old_client(branch, last_name="Czeka")
    LeadFactory(branch=branch, clients=[waiting], created_at=LONG_AGO)
    open_inquiry = LeadFactory(branch=branch, created_at=LONG_AGO)
    buyer = old_client(branch, last_name="Kupiec")
    bought = LeadFactory(branch=branch, clients=[buyer], employees=[advisor], created_at=LONG_AGO)
    win(bought, manager, clients=[buyer], signed_at=timezone.localdate() - timedelta(days=800))
    Lead.objects.filter(pk=bought.pk).update(updated_at=LONG_AGO)
    recent = old_client(branch, last_name="Świeży")
    talked = LeadFactory(branch=branch, clients=[recent], employees=[advisor], created_at=LONG_AGO)
    Lead.objects.filter(pk=talked.pk).update(updated_at=LONG_AGO)
    conversation_log(
        lead=talked, user=advisor, kind="phone", done_at=timezone.now() - timedelta(days=7)
    )
    return {
        "inactive": inactive,
        "spam": spam,
        "waiting": waiting,
        "open_inquiry": open_inquiry,
        "buyer": buyer,
        "recent": recent,
    }


def test_the_dry_run_lists_who_goes_and_who_stays_with_the_reasons(people):
    entries = {(entry.kind, entry.pk): entry for entry in retention_entries()}

    due = {key for key, entry in entries.items() if entry.due}
    assert due == {("client", people["inactive"].pk), ("inquiry", people["spam"].pk)}
    assert entries[("client", people["inactive"].pk)].reason == REASON_INACTIVE
    assert entries[("client", people["waiting"].pk)].reason == SKIP_ACTIVE_LEAD
    assert entries[("inquiry", people["open_inquiry"].pk)].reason == SKIP_ACTIVE_LEAD
    assert entries[("client", people["buyer"].pk)].reason == SKIP_HOLD
    assert ("client", people["recent"].pk) not in entries
    # The dry run changes nothing.
    assert not Client.objects.filter(anonymised_at__isnull=False).exists()


def test_the_report_command_prints_ids_reasons_and_counts_only(people):
    out = io.StringIO()
    # In English whatever language an earlier test left active (Polish is the default).
    with translation.override("en"):
        call_command("retention_report", stdout=out)

    text = out.getvalue()
    assert f"+ client {people['inactive'].pk}: No contract and no activity since" in text
    assert f"- client {people['waiting'].pk}: Skipped: has an active lead" in text
    assert "To anonymise: 1 clients, 1 inquiries; kept: 3." in text
    assert "Dawny" not in text and "Spam" not in text


def test_the_policy_turned_off_lists_nobody(people):
    CRMSettings.objects.update(retention_months=0)

    assert retention_entries() == []


def test_the_monthly_job_anonymises_the_inactive_and_no_one_else(people):
    run_retention.delay()

    anonymised = Client.objects.filter(anonymised_at__isnull=False)
    assert set(anonymised.values_list("pk", flat=True)) == {people["inactive"].pk}
    leads = Lead.objects.filter(anonymised_at__isnull=False)
    assert set(leads.values_list("pk", flat=True)) == {
        people["spam"].pk,
        *people["inactive"].leads.values_list("pk", flat=True),
    }
    assert PrivacyLog.objects.filter(action=PrivacyAction.RETENTION).count() == 2
    assert retention_entries()[0].due is False  # nothing left to do


def test_the_job_completes_an_anonymisation_whose_hold_has_ended(advisor, manager, administrator):
    client = ClientFactory(branch=advisor.branch, last_name="Nabywca", pesel="44051401359")
    lead = LeadFactory(branch=advisor.branch, clients=[client], employees=[advisor])
    win(lead, manager, clients=[client], signed_at=timezone.localdate() - timedelta(days=400))
    person_anonymise(client=client, user=administrator)
    client.refresh_from_db()
    assert client.last_name == "Nabywca"  # kept under the hold
    assert [entry.reason for entry in retention_entries()] == [SKIP_HOLD]

    CRMSettings.objects.update(legal_hold_years=1)
    assert [entry.reason for entry in retention_entries()] == [REASON_HOLD_ENDED]
    run_retention.delay()

    client.refresh_from_db()
    assert (client.last_name, client.pesel) == ("", "")
    assert retention_entries() == []


def test_the_job_deletes_the_raw_log_entries_that_made_no_lead_after_90_days():
    mailbox = ChannelAccount.objects.create(
        name="Biuro", kind=ChannelKind.MAILBOX, source=source("www")
    )
    lead = LeadFactory(created_at=LONG_AGO)

    def arrived(external_id: str, days_ago: int, outcome: str, **fields) -> RawMessage:
        raw, _new = raw_store(
            account=mailbox,
            external_id=external_id,
            body=b"Od: ktos@example.pl",
            received_at=timezone.now() - timedelta(days=days_ago),
        )
        RawMessage.objects.filter(pk=raw.pk).update(outcome=outcome, **fields)
        return raw

    arrived("<newsletter@x>", 91, Outcome.JUNK, reason="Newsletter")
    arrived("<zepsuty@x>", 120, Outcome.ERROR, reason="Nieczytelny")
    arrived("<test@x>", 400, Outcome.TEST, reason="Test")
    recent = arrived("<wczoraj@x>", 89, Outcome.JUNK, reason="Newsletter")
    inquiry = arrived("<zapytanie@x>", 400, Outcome.CREATED, lead=lead)
    out = io.StringIO()
    with translation.override("en"):
        call_command("retention_report", stdout=out)
    assert "To delete: 3 raw log entries without a lead, older than 90 days." in out.getvalue()
    assert RawMessage.objects.count() == 5  # the dry run deletes nothing

    run = retention_run()

    assert run.raw_messages_deleted == 3
    assert set(RawMessage.objects.values_list("pk", flat=True)) == {recent.pk, inquiry.pk}


def test_the_job_runs_monthly_from_the_beat_schedule():
    entry = project_settings.CELERY_BEAT_SCHEDULE["run-retention"]
    assert entry["task"] == "privacy.tasks.run_retention"
    assert (entry["schedule"].day_of_month, entry["schedule"].hour) == ({1}, {3})


# -- the dry run's page ---------------------------------------------------------------------


def browser_of(user):
    from django.test import Client as HttpClient

    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


def test_an_administrator_reads_the_dry_run_on_its_page(people, administrator):
    from django.urls import reverse

    response = browser_of(administrator).get(reverse("privacy:retention"))

    assert response.status_code == 200
    text = response.content.decode()
    assert f"Client #{people['inactive'].pk}" in text
    assert f"Inquiry #{people['spam'].pk}" in text
    assert f"Client #{people['waiting'].pk}" in text  # kept: its lead is active
    # Ids and reasons only: the page shows nobody's name.
    assert "Dawny" not in text and "Spam" not in text
    assert [entry.pk for entry in response.context["page"].object_list][:2] == [
        entry.pk for entry in retention_entries()[:2]
    ]


def test_the_dry_run_page_is_for_who_may_anonymise_and_changes_nothing(
    people, advisor, manager, administrator
):
    from django.urls import reverse

    url = reverse("privacy:retention")
    assert browser_of(advisor).get(url).status_code == 403
    assert browser_of(manager).get(url).status_code == 403
    assert browser_of(administrator).post(url).status_code == 405
    response = browser_of(administrator).get(url, {"page": "9999999999999999999999"})
    assert response.status_code == 200
    assert not Client.objects.filter(anonymised_at__isnull=False).exists()


def test_the_sidebar_links_the_dry_run_for_administrators_only(people, advisor, administrator):
    from django.urls import reverse

    url = reverse("privacy:retention")
    assert url in browser_of(administrator).get(reverse("home")).content.decode()
    assert url not in browser_of(advisor).get(reverse("home")).content.decode()
