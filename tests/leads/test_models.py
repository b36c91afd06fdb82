"""Rules on leads that must never break, held by the database as well as by full_clean(),
and the pipeline, reasons and sources that a fresh installation starts with."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from clients.models import LeadSource
from leads.models import DeletionReason, FailureReason, IntakeOutcome, Lead, LeadStatus
from tests.constraints import assert_violates, constraint_message
from tests.factories import LeadFactory, source

pytestmark = pytest.mark.django_db


def refusal(instance) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value


# -- one lead per source and external id ---------------------------------------------------


def test_repeated_delivery_with_the_same_external_id_from_the_same_source_is_refused(branch):
    LeadFactory(branch=branch, source=source("obido"), external_id="OB-1001")

    error = refusal(LeadFactory.build(branch=branch, source=source("obido"), external_id="OB-1001"))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(Lead, "lead_unique_external_id_per_source")
    ]


def test_database_refuses_a_second_lead_with_the_same_source_and_external_id(branch):
    LeadFactory(branch=branch, source=source("obido"), external_id="OB-1001")

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        LeadFactory.build(branch=branch, source=source("obido"), external_id="OB-1001").save()

    assert_violates(excinfo.value, "lead_unique_external_id_per_source")
    assert Lead.objects.filter(external_id="OB-1001").count() == 1


def test_same_external_id_from_another_source_is_another_lead(branch):
    LeadFactory(branch=branch, source=source("obido"), external_id="1001")

    LeadFactory(branch=branch, source=source("tabela-ofert"), external_id="1001")

    assert Lead.objects.filter(external_id="1001").count() == 2


def test_leads_without_an_external_id_may_repeat(branch):
    LeadFactory(branch=branch, source=source("telefon"), external_id="")
    LeadFactory(branch=branch, source=source("telefon"), external_id="")

    assert Lead.objects.filter(source=source("telefon"), external_id="").count() == 2


# -- failure reasons -----------------------------------------------------------------------


def test_failure_reason_in_use_cannot_be_deleted(branch):
    reason = FailureReason.objects.get(name="Cena")
    now = timezone.now()
    LeadFactory(branch=branch, failed_at=now, closed_at=now, failure_reason=reason)

    with pytest.raises(ProtectedError), transaction.atomic():
        reason.delete()

    assert FailureReason.objects.filter(pk=reason.pk).exists()


def test_unused_failure_reason_can_be_deleted():
    reason = FailureReason.objects.create(name="Pomyłka w zgłoszeniu")

    reason.delete()

    assert not FailureReason.objects.filter(name="Pomyłka w zgłoszeniu").exists()


def test_failed_lead_without_a_reason_is_refused(branch):
    error = refusal(LeadFactory.build(branch=branch, failed_at=timezone.now()))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(Lead, "lead_failure_has_reason")
    ]


def test_database_refuses_a_failed_lead_without_a_reason(branch):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        LeadFactory.build(branch=branch, failed_at=timezone.now()).save()

    assert_violates(excinfo.value, "lead_failure_has_reason")


def test_database_refuses_a_failure_reason_on_a_lead_that_has_not_failed(branch):
    lead = LeadFactory(branch=branch)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(failure_reason=FailureReason.objects.first())

    assert_violates(excinfo.value, "lead_failure_has_reason")


def test_deleted_inquiry_without_a_deletion_reason_is_refused(branch):
    error = refusal(LeadFactory.build(branch=branch, intake_outcome=IntakeOutcome.DELETED))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(Lead, "lead_deleted_has_reason")
    ]


def test_deletion_reason_in_use_cannot_be_deleted(branch):
    spam = DeletionReason.objects.get(name="Spam")
    LeadFactory(branch=branch, intake_outcome=IntakeOutcome.DELETED, deletion_reason=spam)

    with pytest.raises(ProtectedError), transaction.atomic():
        spam.delete()


# -- statuses ------------------------------------------------------------------------------


def test_status_colour_must_be_a_hex_colour():
    error = refusal(LeadStatus(name="Do oddzwonienia", slug="do-oddzwonienia", colour="red"))

    assert error.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(LeadStatus, "leadstatus_colour_hex")
    ]


def test_status_in_use_cannot_be_deleted(branch):
    lead = LeadFactory(branch=branch)

    with pytest.raises(ProtectedError), transaction.atomic():
        lead.status.delete()


def test_lead_queryset_open_leaves_out_failed_won_and_deleted_leads(branch):
    now = timezone.now()
    open_lead = LeadFactory(branch=branch)
    LeadFactory(branch=branch, failed_at=now, failure_reason=FailureReason.objects.first())
    LeadFactory(branch=branch, status=LeadStatus.objects.get(slug="umowa"), closed_at=now)
    LeadFactory(
        branch=branch,
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.first(),
    )

    assert list(Lead.objects.open()) == [open_lead]
    assert Lead.objects.not_deleted().count() == 3


# -- what migrations seed ------------------------------------------------------------------


def test_pipeline_is_seeded_with_the_nine_statuses_in_order():
    assert list(LeadStatus.objects.values_list("name", flat=True)) == [
        "Nowy",
        "Oferta",
        "Oczekujący",
        "Lead aktywny",
        "Wstępnie wybrany lokal",
        "Weryfikacja zdolności kredytowej",
        "Negocjacje",
        "Rezerwacja wstępna",
        "Umowa",
    ]


def test_only_the_contract_status_is_won():
    assert list(LeadStatus.objects.filter(is_won=True).values_list("name", flat=True)) == ["Umowa"]
    assert not LeadStatus.objects.filter(active=False).exists()


def test_failure_reasons_are_seeded():
    assert set(FailureReason.objects.filter(active=True).values_list("name", flat=True)) == {
        "Cena",
        "Brak kontaktu z klientem",
        "Lokalizacja",
        "Brak finansowania",
        "Rezygnacja klienta",
        "Wybór konkurencji",
    }


def test_deletion_reasons_are_seeded():
    assert set(DeletionReason.objects.filter(active=True).values_list("name", flat=True)) == {
        "Spam",
        "Test",
        "Duplikat",
    }


PORTALS_ADDED = ["Otodom", "Morizon", "Gratka", "Domiporta", "OLX"]


def test_the_sources_are_seeded_in_order_without_intake_tokens():
    # The eight of the first migration, then the portals the default parsers read
    # (intake 0003).
    assert list(LeadSource.objects.values_list("name", flat=True)) == [
        "www",
        "Tabela Ofert",
        "Obido",
        "rynekpierwotny.pl",
        "Facebook",
        "Telefon",
        "Wizyta w biurze",
        "Ręcznie",
        *PORTALS_ADDED,
    ]
    assert not LeadSource.objects.exclude(intake_token_hash="").exists()
    assert LeadSource.objects.filter(active=True).count() == 8 + len(PORTALS_ADDED)
