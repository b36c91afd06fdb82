"""The pipeline cannot be put in an impossible state: a lead is won only by signing a
contract and leaves that state only when a manager cancels it; a lead holding a signed
contract is not moved, failed or deleted; only an inquiry still to verify is deleted;
a lead made by hand with its client is verified at once. Every path obeys: the lead page,
the kanban, the bulk action and the services themselves."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from investments.models import UnitStatus
from leads.models import (
    ContractKind,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    Lead,
    OfferStatus,
)
from leads.services.editing import lead_create
from leads.services.offers import offer_create
from leads.services.pipeline import lead_change_status, lead_mark_failed
from leads.services.sales import contract_cancel, contract_create
from leads.services.verification import lead_delete
from tests.factories import ClientFactory, LeadFactory, source, status
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    messages_of,
    unit,
)

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def sign(lead, unit, user):
    return contract_create(
        lead=lead, kind=ContractKind.DEVELOPER, units=[unit], user=user,
        signed_at=timezone.localdate(), price=Decimal("500000.00"),
    )  # fmt: skip


def reloaded(lead) -> Lead:
    return Lead.objects.select_related("status").get(pk=lead.pk)


# -- No hand-made win ---------------------------------------------------------------------------


def test_the_status_select_offers_no_won_status(web, lead):
    page = web.get(lead.get_absolute_url())

    offered = {s.slug for s in page.context["status_form"].fields["status"].queryset}
    assert "umowa" not in offered and "negocjacje" in offered


def test_posting_the_won_status_from_the_lead_page_is_refused(web, lead):
    response = web.post(reverse("leads:status", args=[lead.pk]), {"status": status("umowa").pk})

    assert response.status_code == 302
    assert not reloaded(lead).status.is_won


def test_the_kanban_menu_offers_no_won_status_and_refuses_a_drop_on_it(web, lead):
    board = web.get(reverse("leads:kanban"))
    won = status("umowa")
    # The "move to" menu (the filter bar above may well filter by "Umowa").
    menu = board.text[board.text.index('<dialog class="kanban-move"') :]
    assert f'name="status" value="{won.pk}"' not in menu
    assert f'data-column="{won.pk}"' in board.text  # the column is there, for its leads

    dropped = web.post(reverse("leads:kanban_move", args=[lead.pk]), {"status": won.pk}, **JSON)

    assert dropped.status_code == 409
    assert dropped.json()["message"] == (
        "“Umowa” is reached only by signing a contract: add the contract on the lead's page "
        "(Create contract)."
    )
    assert not reloaded(lead).status.is_won


def test_the_bulk_action_offers_no_won_status_and_makes_no_win(web, advisor, lead):
    page = web.get(reverse("leads:list"))
    assert "umowa" not in {s.slug for s in page.context["bulk_form"].fields["status"].queryset}

    web.post(
        reverse("leads:bulk"),
        {"action": "change_status", "status": status("umowa").pk, "selected": [lead.pk]},
    )

    assert not reloaded(lead).status.is_won


# -- A signed contract holds the lead -------------------------------------------------------


@pytest.fixture
def won(advisor, lead, unit):
    """The lead won by a signed contract for the unit."""
    contract = sign(lead, unit, advisor)
    assert reloaded(lead).status.is_won
    return contract


def test_an_advisor_cannot_move_a_won_lead_back_to_new(advisor, lead, won, web):
    with pytest.raises(ValidationError, match="signed contract"):
        lead_change_status(lead=reloaded(lead), status=status("nowy"), user=advisor)
    move = web.post(
        reverse("leads:kanban_move", args=[lead.pk]), {"status": status("nowy").pk}, **JSON
    )

    assert move.status_code == 409
    assert reloaded(lead).status.is_won
    page = web.get(lead.get_absolute_url())
    assert page.context["status_form"] is None
    assert "reopens only when a manager cancels the contract" in page.text


def test_even_a_manager_moves_a_lead_with_a_contract_only_by_cancelling_it(manager, lead, won):
    with pytest.raises(ValidationError, match="signed contract"):
        lead_change_status(lead=reloaded(lead), status=status("negocjacje"), user=manager)

    contract_cancel(contract=won, reason="Klient zrezygnował", user=manager)

    assert not reloaded(lead).status.is_won


def test_a_lead_with_a_contract_is_not_failed(advisor, lead, won):
    with pytest.raises(ValidationError):
        lead_mark_failed(lead=reloaded(lead), reason=FailureReason.objects.first(), user=advisor)
    assert reloaded(lead).failed_at is None


def test_a_lead_moved_off_its_contract_past_the_services_is_not_failed_nor_deleted(
    advisor, lead, won
):
    """Data from before the rule: a lead with an active contract that is not won."""
    Lead.objects.filter(pk=lead.pk).update(status=status("nowy"), intake_outcome="new")

    with pytest.raises(ValidationError, match="signed contract"):
        lead_mark_failed(lead=reloaded(lead), reason=FailureReason.objects.first(), user=advisor)
    with pytest.raises(ValidationError, match="not an inquiry to delete"):
        lead_delete(lead=reloaded(lead), user=advisor, reason=DeletionReason.objects.first())


def test_a_won_lead_left_without_a_contract_is_reopened_only_by_a_manager(advisor, manager, lead):
    """Data from before the rule: won by hand, with no contract to cancel."""
    Lead.objects.filter(pk=lead.pk).update(status=status("umowa"))

    with pytest.raises(ValidationError, match="Only a manager"):
        lead_change_status(lead=reloaded(lead), status=status("negocjacje"), user=advisor)
    lead_change_status(lead=reloaded(lead), status=status("negocjacje"), user=manager)

    assert reloaded(lead).status == status("negocjacje")


def test_a_contract_needs_the_leads_client(advisor, unit, investment):
    inquiry = LeadFactory(branch=advisor.branch, employees=[advisor])
    inquiry.investments.add(investment)

    with pytest.raises(ValidationError) as refused:
        sign(inquiry, unit, advisor)

    assert "clients" in refused.value.message_dict
    assert not reloaded(inquiry).status.is_won
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


# -- Deleting is for inquiries still to verify --------------------------------------------


@pytest.fixture
def inquiry(advisor, investment):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], contact_email="ktos@example.pl")
    lead.investments.add(investment)
    return lead


def test_an_inquiry_with_an_offer_is_not_deleted_and_offers_no_delete_button(
    web, advisor, inquiry, unit
):
    offer_create(
        lead=inquiry, client=None, items=[(unit, unit.list_price)],
        valid_until=timezone.localdate() + timedelta(days=14), channel="email", notes="",
        user=advisor,
    )  # fmt: skip
    assert inquiry.offers.get().status == OfferStatus.DRAFT

    page = web.get(inquiry.get_absolute_url())
    assert 'id="lead-delete"' not in page.text
    assert 'id="lead-verify"' in page.text  # it is still to be tied to its client
    with pytest.raises(ValidationError, match="not an inquiry to delete"):
        lead_delete(lead=inquiry, user=advisor, reason=DeletionReason.objects.first())
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.NEW


def test_an_inquiry_still_to_verify_is_deleted(web, advisor, inquiry):
    assert 'id="lead-delete"' in web.get(inquiry.get_absolute_url()).text

    lead_delete(lead=inquiry, user=advisor, reason=DeletionReason.objects.first())

    assert reloaded(inquiry).intake_outcome == IntakeOutcome.DELETED


# -- Made by hand with its client: verified -----------------------------------------------------


def test_a_lead_made_by_hand_with_its_client_is_verified_and_counted_as_linked(advisor):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor)
    LeadFactory(branch=advisor.branch, clients=[client], created_at=timezone.now() - timedelta(1))

    with_client = lead_create(user=advisor, source=source("telefon"), clients=[client])
    without = lead_create(user=advisor, source=source("telefon"))

    assert reloaded(with_client).intake_outcome == IntakeOutcome.LINKED
    assert reloaded(with_client).is_repeat  # the client had a lead before
    assert reloaded(without).intake_outcome == IntakeOutcome.NEW


def test_the_migration_verifies_the_leads_made_with_a_client_before(advisor):
    client = ClientFactory(branch=advisor.branch)
    earlier = LeadFactory(
        branch=advisor.branch, clients=[client], created_at=timezone.now() - timedelta(30)
    )
    repeat = LeadFactory(branch=advisor.branch, clients=[client])
    first = LeadFactory(branch=advisor.branch, clients=[ClientFactory(branch=advisor.branch)])
    no_client = LeadFactory(branch=advisor.branch)
    deleted = LeadFactory(
        branch=advisor.branch,
        intake_outcome="deleted",
        deletion_reason=DeletionReason.objects.first(),
        clients=[client],
    )

    import_module("leads.migrations.0018_verify_leads_made_with_a_client").verify(apps, None)

    outcomes = {
        lead.pk: (lead.intake_outcome, lead.is_repeat)
        for lead in Lead.objects.filter(
            pk__in=[earlier.pk, repeat.pk, first.pk, no_client.pk, deleted.pk]
        )
    }
    assert outcomes == {
        earlier.pk: ("linked", False),
        repeat.pk: ("linked", True),
        first.pk: ("linked", False),
        no_client.pk: ("new", False),
        deleted.pk: ("deleted", False),
    }


def test_an_inquiry_given_its_client_in_the_lead_form_is_verified(web, advisor, inquiry):
    client = ClientFactory(branch=advisor.branch, caretaker=advisor)
    data = {
        "name": inquiry.name,
        "source": inquiry.source_id,
        "clients": [client.pk],
        "investments": [i.pk for i in inquiry.investments.all()],
        "employees": [advisor.pk],
        "updated_at": inquiry.updated_at.isoformat(),
    }

    web.post(reverse("leads:update", args=[inquiry.pk]), data)

    assert reloaded(inquiry).intake_outcome == IntakeOutcome.LINKED
