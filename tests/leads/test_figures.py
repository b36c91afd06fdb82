"""The report figures each lead keeps (leads/services/figures.py): the services that work a
lead keep them as the reports count them, and a rebuild from their sources agrees."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from leads.models import ActivityKind, Lead, Offer
from leads.services.conversations import conversation_log
from leads.services.editing import lead_update
from leads.services.figures import FIGURE_FIELDS, lead_figures_rebuild
from leads.services.offers import offer_create
from leads.services.pipeline import lead_change_status
from leads.services.sales import contract_create, reservation_create
from leads.services.verification import (
    lead_convert_to_client,
    lead_link_client,
    lead_unlink_client,
)
from tests.factories import LeadFactory, UnitFactory, status
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    set_manual_status_changes,
    unit,
)

pytestmark = pytest.mark.django_db


def figures(lead: Lead) -> dict:
    return Lead.objects.filter(pk=lead.pk).values(*sorted(FIGURE_FIELDS)).get()


def in_a_month():
    return timezone.localdate() + timedelta(days=30)


def all_figures() -> dict[int, dict]:
    return {row.pop("id"): row for row in Lead.objects.values("id", *sorted(FIGURE_FIELDS))}


def test_conversations_set_the_first_contact_and_a_lead_save_keeps_it(advisor, lead):
    now = timezone.now().replace(microsecond=0)
    conversation_log(lead=lead, user=advisor, kind=ActivityKind.EMAIL, done_at=now)
    conversation_log(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, done_at=now - timedelta(hours=2)
    )
    # A call made earlier still, logged late, becomes the first call and the first contact.
    conversation_log(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, done_at=now - timedelta(days=1)
    )
    # The form saves the whole lead from an object loaded before: the figures stay.
    stale = Lead.objects.get(pk=lead.pk)
    stale.first_contact_at = None
    lead_update(
        lead=stale,
        user=advisor,
        data={
            "name": "Renamed",
            "source": stale.source,
            "clients": list(stale.clients.all()),
            "contractors": [],
            "investments": list(stale.investments.all()),
            "employees": [advisor],
        },
        expected_updated_at=stale.updated_at,
    )

    kept = figures(lead)
    assert kept["first_phone_at"] == now - timedelta(days=1)
    assert kept["first_email_at"] == now
    assert kept["first_contact_at"] == now - timedelta(days=1)
    assert kept["first_meeting_at"] is None


def test_an_offer_a_reservation_and_the_furthest_status(advisor, lead, unit):
    set_manual_status_changes(True)
    assert figures(lead)["furthest_status_order"] == status("lead-aktywny").order
    offer_create(
        lead=lead, client=None, items=[(unit, unit.list_price)], valid_until=in_a_month(),
        channel="email", notes="", user=advisor,
    )  # fmt: skip
    reservation_create(lead=lead, unit=unit, user=advisor)
    lead.refresh_from_db()
    lead_change_status(lead=lead, status=status("rezerwacja-wstepna"), user=advisor)
    # Back to an earlier stage: the furthest one reached stays.
    lead_change_status(lead=lead, status=status("lead-aktywny"), user=advisor)

    kept = figures(lead)
    assert kept["has_offer"] and kept["has_reservation"]
    assert kept["furthest_status_order"] == status("rezerwacja-wstepna").order


def test_a_won_lead_makes_its_clients_other_leads_a_returning_customers(
    advisor, manager, lead, buyer, investment
):
    """The buyer's second inquiry is linked to them; once the first lead is won, the
    second is a returning customer's; unlinking it takes the mark away."""
    second = LeadFactory(branch=advisor.branch, employees=[advisor])
    lead_link_client(lead=second, client=buyer, user=advisor)
    assert not figures(second)["of_returning_customer"]

    contract_create(
        lead=lead, units=[UnitFactory(investment=investment)], user=advisor,
        kind="developer", signed_at=timezone.localdate(), price=500000,
    )  # fmt: skip
    assert figures(second)["of_returning_customer"]
    # The won lead itself: its client has no other won lead.
    assert not figures(lead)["of_returning_customer"]

    lead_unlink_client(lead=second, client=buyer, user=manager)
    assert not figures(second)["of_returning_customer"]


def test_converting_an_inquiry_records_when_the_client_was_created(advisor):
    inquiry = LeadFactory(branch=advisor.branch, employees=[advisor])
    before = timezone.now()
    lead_convert_to_client(
        lead=inquiry,
        user=advisor,
        data={"first_name": "Jan", "last_name": "Nowak", "phone": "+48600100200"},
    )
    assert figures(inquiry)["client_created_at"] >= before


def test_the_services_figures_equal_a_rebuild_from_their_sources(
    advisor, lead, buyer, unit, investment
):
    """After a lead's whole life through the services, recomputing every figure from the
    events, the history, the sales and the links changes nothing."""
    set_manual_status_changes(True)
    second = LeadFactory(branch=advisor.branch, employees=[advisor])
    lead_link_client(lead=second, client=buyer, user=advisor)
    now = timezone.now()
    conversation_log(lead=lead, user=advisor, kind=ActivityKind.MEETING, done_at=now)
    conversation_log(lead=second, user=advisor, kind=ActivityKind.SMS, done_at=now)
    offer_create(
        lead=lead, client=None, items=[(unit, unit.list_price)], valid_until=in_a_month(),
        channel="email", notes="", user=advisor,
    )  # fmt: skip
    reservation_create(lead=lead, unit=unit, user=advisor)
    contract_create(
        lead=lead, units=[unit], user=advisor, kind="developer",
        signed_at=timezone.localdate(), price=500000,
    )  # fmt: skip
    kept = all_figures()

    assert lead_figures_rebuild() == Lead.objects.count()

    assert all_figures() == kept
    assert kept[second.pk]["of_returning_customer"]
    assert kept[second.pk]["first_contact_at"] is not None


def test_the_rebuild_command_recomputes_leads_loaded_past_the_services(advisor, lead, unit):
    """An administrator who reordered the pipeline, or loaded leads by SQL, runs
    `manage.py lead_figures_rebuild`: the figures follow the data."""
    Offer.objects.create(lead=lead)  # past the service
    assert not figures(lead)["has_offer"]
    out = StringIO()

    call_command("lead_figures_rebuild", stdout=out)

    assert figures(lead)["has_offer"]
    assert f"{Lead.objects.count():,} leads' figures recomputed" in out.getvalue()


def test_reordering_the_pipeline_in_the_admin_recomputes_the_furthest_status(
    client, administrator, advisor, lead, django_capture_on_commit_callbacks
):
    """The furthest status a lead reached is kept as a status order: when an administrator
    moves a status, every lead's is recomputed in the background."""
    set_manual_status_changes(True)
    reserved = status("rezerwacja-wstepna")
    lead_change_status(lead=lead, status=reserved, user=advisor)
    back = Lead.objects.get(pk=lead.pk)
    lead_change_status(lead=back, status=status("lead-aktywny"), user=advisor)
    assert figures(lead)["furthest_status_order"] == reserved.order
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:leads_leadstatus_change", args=[reserved.pk]),
            {
                "name": reserved.name,
                "slug": reserved.slug,
                "order": 5,
                "colour": reserved.colour,
                "is_won": "",
                "active": "on",
            },  # fmt: skip
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 200
    assert "will be recomputed for the new order" in response.content.decode()
    # "Rezerwacja wstępna" now comes first: the furthest the lead got is where it is now.
    assert figures(lead)["furthest_status_order"] == status("lead-aktywny").order
