"""Writes on leads: creating one by hand, moving it through the pipeline, closing it as a
failure and reopening it; each leaves a trace in the lead's history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from leads.models import FailureReason, Lead, LeadStatus
from leads.services.editing import lead_create
from leads.services.pipeline import lead_change_status, lead_mark_failed, lead_reactivate
from settings_app.models import CRMSettings
from tests.factories import (
    ClientFactory,
    InvestmentFactory,
    LeadFactory,
    UserFactory,
    source,
    status,
    win,
)

pytestmark = pytest.mark.django_db


def set_crm_settings(**values) -> None:
    settings_row = CRMSettings.get_solo()
    for name, value in values.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()


@pytest.fixture
def lead(advisor):
    return lead_create(user=advisor, source=source("www"))


@pytest.fixture
def price():
    return FailureReason.objects.get(name="Cena")


# -- lead_create ---------------------------------------------------------------------------


def test_lead_created_without_a_name_gets_the_default_name_from_the_settings(advisor):
    lead = lead_create(user=advisor, source=source("telefon"), name="   ")

    assert lead.name == "Zakup mieszkania"


def test_lead_created_without_a_name_follows_a_changed_default_name(advisor):
    set_crm_settings(default_lead_name="Zakup lokalu użytkowego")

    lead = lead_create(user=advisor, source=source("telefon"))

    assert Lead.objects.get(pk=lead.pk).name == "Zakup lokalu użytkowego"


def test_lead_created_with_a_name_keeps_it(advisor):
    lead = lead_create(user=advisor, source=source("telefon"), name=" Mieszkanie dla córki ")

    assert lead.name == "Mieszkanie dla córki"


def test_new_lead_belongs_to_the_creators_branch_and_starts_in_the_first_status(
    advisor, other_branch
):
    lead = lead_create(user=advisor, source=source("wizyta-w-biurze"))

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.branch == advisor.branch
    assert lead.branch != other_branch
    assert lead.status.name == "Nowy"
    assert lead.created_by == advisor
    assert lead.updated_by == advisor
    assert lead.closed_at is None


def test_creator_works_the_lead_when_nobody_else_is_given(advisor):
    lead = lead_create(user=advisor, source=source("telefon"))

    assert list(lead.employees.all()) == [advisor]


def test_lead_created_for_a_teammate_is_worked_by_the_teammate_only(advisor, teammate):
    lead = lead_create(user=advisor, source=source("telefon"), employees=[teammate])

    assert list(lead.employees.all()) == [teammate]


def test_lead_created_with_clients_and_investments_keeps_them(advisor):
    client = ClientFactory(branch=advisor.branch)
    investment = InvestmentFactory(name="Akacjowa", code="akacjowa")

    lead = lead_create(
        user=advisor, source=source("www"), clients=[client], investments=[investment]
    )

    assert list(lead.clients.all()) == [client]
    assert list(lead.investments.all()) == [investment]


def test_user_without_a_branch_cannot_create_a_lead():
    homeless = UserFactory(branch=None)

    with pytest.raises(ValidationError):
        lead_create(user=homeless, source=source("telefon"))

    assert not Lead.objects.exists()


def test_creation_is_recorded_in_history_with_its_author(advisor, lead):
    created = lead.history.get(history_type="+")

    assert created.history_user == advisor
    assert created.name == "Zakup mieszkania"


def test_creation_is_one_history_record_holding_the_relations(advisor, teammate):
    client = ClientFactory(branch=advisor.branch)
    investment = InvestmentFactory(name="Akacjowa", code="akacjowa")

    lead = lead_create(
        user=advisor,
        source=source("www"),
        clients=[client],
        investments=[investment],
        employees=[advisor, teammate],
    )

    (created,) = lead.history.all()
    assert (created.history_type, created.history_user) == ("+", advisor)
    assert [row.client_id for row in created.clients.all()] == [client.pk]
    assert [row.investment_id for row in created.investments.all()] == [investment.pk]
    assert {row.user_id for row in created.employees.all()} == {advisor.pk, teammate.pk}
    assert list(created.contractors.all()) == []
    # The board entries and the "created" event come with it.
    assert set(lead.board_entries.values_list("employee_id", flat=True)) == {
        advisor.pk,
        teammate.pk,
    }
    assert lead.events.get().at == lead.created_at


# -- lead_change_status --------------------------------------------------------------------


def test_advisor_moves_a_lead_to_the_next_status(advisor, lead):
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status.name == "Oferta"
    assert lead.closed_at is None
    assert lead.updated_by == advisor
    latest = lead.history.first()
    assert latest.status_id == status("oferta").pk
    assert latest.history_user == advisor


def test_manual_status_change_is_refused_when_the_settings_turn_it_off(advisor, lead):
    set_crm_settings(manual_status_change_allowed=False)

    with pytest.raises(ValidationError):
        lead_change_status(lead=lead, status=status("oferta"), user=advisor)

    assert Lead.objects.get(pk=lead.pk).status.name == "Nowy"


def test_status_of_a_failed_lead_cannot_be_changed(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)

    with pytest.raises(ValidationError):
        lead_change_status(lead=lead, status=status("oferta"), user=advisor)

    assert Lead.objects.get(pk=lead.pk).status.name == "Nowy"


def test_lead_cannot_be_moved_to_an_inactive_status(advisor, lead):
    retired = LeadStatus.objects.create(name="Archiwum", slug="archiwum", order=95, active=False)

    with pytest.raises(ValidationError):
        lead_change_status(lead=lead, status=retired, user=advisor)

    assert Lead.objects.get(pk=lead.pk).status.name == "Nowy"


def test_a_won_status_is_refused_by_hand_and_the_lead_stays_open(advisor, lead):
    """Only a contract wins a lead (tests/leads/test_won_only_by_contract.py)."""
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        lead_change_status(lead=lead, status=status("umowa"), user=advisor)

    assert "only by signing a contract" in " ".join(refused.value.messages)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == status("nowy")
    assert lead.closed_at is None
    assert Lead.objects.open().filter(pk=lead.pk).exists()


# -- lead_mark_failed ----------------------------------------------------------------------


def test_failure_without_a_reason_is_refused_on_the_reason_field(advisor, lead):
    with pytest.raises(ValidationError) as excinfo:
        lead_mark_failed(lead=lead, reason=None, user=advisor)

    assert "failure_reason" in excinfo.value.message_dict
    assert Lead.objects.get(pk=lead.pk).failed_at is None


def test_failure_with_a_reason_no_longer_used_is_refused(advisor, lead, price):
    price.active = False
    price.save()

    with pytest.raises(ValidationError) as excinfo:
        lead_mark_failed(lead=lead, reason=price, user=advisor)

    assert "failure_reason" in excinfo.value.message_dict
    assert Lead.objects.get(pk=lead.pk).failed_at is None


def test_lead_marked_as_failed_is_closed_with_its_reason_and_comment(advisor, lead, price):
    before = timezone.now()

    lead_mark_failed(lead=lead, reason=price, user=advisor, comment="  Za drogo o 10%.  ")

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.is_failed
    assert before <= lead.failed_at <= timezone.now()
    assert lead.closed_at == lead.failed_at
    assert lead.failure_reason == price
    assert lead.failure_comment == "Za drogo o 10%."
    assert not Lead.objects.open().filter(pk=lead.pk).exists()


def test_failure_is_recorded_in_history_with_the_advisor_who_marked_it(advisor, teammate, price):
    lead = lead_create(user=advisor, source=source("www"), employees=[advisor, teammate])

    lead_mark_failed(lead=lead, reason=price, user=teammate, comment="Kupili u konkurencji")

    latest = lead.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == teammate
    assert latest.failure_reason_id == price.pk
    assert latest.failure_comment == "Kupili u konkurencji"
    assert latest.failed_at is not None


def test_lead_already_failed_cannot_be_failed_again(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    failed_at = Lead.objects.get(pk=lead.pk).failed_at
    location = FailureReason.objects.get(name="Lokalizacja")

    with pytest.raises(ValidationError):
        lead_mark_failed(lead=lead, reason=location, user=advisor)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.failure_reason == price
    assert lead.failed_at == failed_at


def test_won_lead_cannot_be_marked_as_failed(advisor, lead, price):
    lead.clients.add(ClientFactory(branch=advisor.branch, caretaker=advisor))
    win(lead, advisor)

    with pytest.raises(ValidationError):
        lead_mark_failed(lead=lead, reason=price, user=advisor)

    assert Lead.objects.get(pk=lead.pk).failed_at is None


# -- lead_reactivate -----------------------------------------------------------------------


def test_reactivated_lead_is_open_again_without_its_failure(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor, comment="Za drogo")

    lead_reactivate(lead=lead, user=advisor)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.failed_at is None
    assert lead.closed_at is None
    assert lead.failure_reason is None
    assert lead.failure_comment == ""
    assert Lead.objects.open().filter(pk=lead.pk).exists()


def test_history_of_a_reactivated_lead_keeps_the_failure_that_was(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor, comment="Za drogo")

    lead_reactivate(lead=lead, user=advisor)

    history = list(lead.history.all())  # newest first
    assert history[0].failed_at is None
    assert history[0].history_user == advisor
    failed = [record for record in history if record.failed_at is not None]
    assert len(failed) == 1
    assert failed[0].failure_reason_id == price.pk
    assert failed[0].failure_comment == "Za drogo"


def test_reactivated_lead_can_be_moved_through_the_pipeline_again(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    lead_reactivate(lead=lead, user=advisor)

    lead_change_status(lead=lead, status=status("oferta"), user=advisor)

    assert Lead.objects.get(pk=lead.pk).status.name == "Oferta"


def test_open_lead_cannot_be_reactivated(advisor, lead):
    with pytest.raises(ValidationError):
        lead_reactivate(lead=lead, user=advisor)


# -- history of the lead's employees, clients and investments ------------------------------


def test_adding_an_employee_to_a_lead_is_recorded_with_both_employees(advisor, teammate, lead):
    records_before = lead.history.count()

    Lead.objects.get(pk=lead.pk).employees.add(teammate)

    assert lead.history.count() == records_before + 1
    latest = lead.history.first()
    # simple-history records an m2m change as a change ("~") of the lead, with a snapshot
    # of the whole relation at that moment.
    assert latest.history_type == "~"
    assert set(latest.employees.values_list("user_id", flat=True)) == {advisor.pk, teammate.pk}
    earlier = lead.history.all()[1]
    assert set(earlier.employees.values_list("user_id", flat=True)) == {advisor.pk}


def test_history_diff_shows_who_was_added_to_the_lead(advisor, teammate, lead):
    Lead.objects.get(pk=lead.pk).employees.add(teammate)

    latest, earlier = lead.history.all()[:2]
    changes = {change.field: change for change in latest.diff_against(earlier).changes}

    assert set(changes) == {"employees"}
    assert [row["user"] for row in changes["employees"].old] == [advisor.pk]
    assert sorted(row["user"] for row in changes["employees"].new) == sorted(
        [advisor.pk, teammate.pk]
    )


def test_removing_a_client_from_a_lead_is_recorded(advisor):
    client = ClientFactory(branch=advisor.branch)
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[client])
    assert set(lead.history.first().clients.values_list("client_id", flat=True)) == {client.pk}

    lead.clients.remove(client)

    latest = lead.history.first()
    assert latest.history_type == "~"
    assert not latest.clients.exists()


def test_lead_created_in_the_past_keeps_its_creation_date(advisor):
    created = timezone.now() - timedelta(days=30)

    lead = lead_create(user=advisor, source=source("telefon"), created_at=created)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.created_at == created
    assert lead.updated_at == created
