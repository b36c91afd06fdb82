"""The won state only through a contract, in a real browser: an advisor drops a card on the
kanban's "Umowa" column and the card comes back with the reason; she signs the contract
on the lead's page and sees the lead won; a manager cancels it and sees the lead open
again and the unit free."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from investments.models import Unit, UnitStatus
from leads.models import Lead
from tests.browser.lead_actions import lead_action
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def negotiated(advisor):
    """Elżbieta Turza's lead in negotiations over flat A1 of Akacjowa."""
    akacjowa = InvestmentFactory(name="Akacjowa")
    UnitFactory(investment=akacjowa, number="A1", list_price=Decimal("512000.00"))
    turza = ClientFactory(
        first_name="Elżbieta", last_name="Turza", branch=advisor.branch, caretaker=advisor
    )
    lead = LeadFactory(
        name="Mieszkanie na Akacjowej",
        status=status("negocjacje"),
        branch=advisor.branch,
        employees=[advisor],
        clients=[turza],
        intake_outcome="linked",
    )
    lead.investments.add(akacjowa)
    return lead


def column(page, slug: str):
    return page.locator(f"#kanban-column-{status(slug).pk}")


def test_a_lead_is_won_by_its_contract_and_reopened_by_its_cancellation(
    page, live_server, log_in, advisor, manager, negotiated
):
    page.on("dialog", lambda dialog: dialog.accept())  # "Cancel this contract?"
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/kanban/")
    card = page.locator(f"#kanban-card-{negotiated.pk}")
    expect(column(page, "negocjacje").locator(card)).to_be_visible()

    # 1. A drop on "Umowa" is refused: the card comes back and the board says why.
    card.drag_to(column(page, "umowa").locator("[data-cards]"))

    expect(page.locator("#kanban-message")).to_contain_text("tylko przez podpisanie umowy")
    expect(column(page, "negocjacje").locator(f"#kanban-card-{negotiated.pk}")).to_be_visible()
    expect(column(page, "umowa").locator(f"#kanban-card-{negotiated.pk}")).to_have_count(0)
    assert not Lead.objects.get(pk=negotiated.pk).status.is_won
    # The keyboard's menu does not offer it at all.
    card.locator("[data-kanban-menu]").click()
    expect(page.locator("#kanban-move")).not_to_contain_text("Umowa")
    page.keyboard.press("Escape")

    # 2. She signs the contract on the lead's page: the lead is won.
    page.goto(f"{live_server.url}{negotiated.get_absolute_url()}")
    lead_action(page, "#lead-contract").click()
    page.get_by_label("Numer").fill("UD/12/2026")
    page.get_by_role("searchbox", name="Lokale").fill("A1")
    page.get_by_role("searchbox", name="Lokale").press("Enter")  # the first match
    page.get_by_label("Klienci").select_option(str(negotiated.clients.get().pk))
    page.get_by_label("Data podpisania").fill(timezone.localdate().isoformat())
    page.get_by_label("Cena (PLN)").fill("505000")
    page.get_by_role("button", name="Zapisz umowę").click()

    expect(page.locator(".lead-header")).to_contain_text("Umowa")
    expect(page.locator("#lead-status-note")).to_contain_text("anuluje umowę")
    assert Lead.objects.get(pk=negotiated.pk).status.is_won
    assert Unit.objects.get(number="A1").status == UnitStatus.SOLD

    # 3. The manager cancels it: the lead is open again, in negotiations, and A1 is free.
    page.context.clear_cookies()
    log_in("kierownik")
    page.goto(f"{live_server.url}{negotiated.get_absolute_url()}?tab=contracts")
    page.locator("#lead-contracts a.button--danger").click()
    page.get_by_label("Powód anulowania umowy").fill("Klientka nie dostała kredytu.")
    page.get_by_role("button", name="Anuluj umowę").click()

    expect(page.locator(".lead-header")).to_contain_text("Negocjacje")
    expect(lead_action(page, "#lead-status-form")).to_be_visible()
    reopened = Lead.objects.get(pk=negotiated.pk)
    assert reopened.status == status("negocjacje") and reopened.closed_at is None
    page.goto(f"{live_server.url}{reopened.investments.get().get_absolute_url()}")
    expect(page.locator("table").filter(has_text="A1")).to_contain_text("Dostępne")
    assert Unit.objects.get(number="A1").status == UnitStatus.AVAILABLE
