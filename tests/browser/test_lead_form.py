"""An advisor adds a lead by hand in a real browser: keeps the default name, finds a client
by phone typed another way, adds a new client through the dialog, picks an investment and
saves; an edit over someone else's newer change is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from leads.models import Lead
from leads.services.common import save_lead
from tests.factories import ClientFactory, InvestmentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_advisor_adds_a_lead_with_a_found_and_a_new_client_then_a_stale_edit_is_refused(
    page, live_server, log_in, advisor, manager
):
    elzbieta = ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        branch=advisor.branch,
        caretaker=advisor,
    )
    InvestmentFactory(name="Akacjowa")
    InvestmentFactory(name="Bratkowa")
    log_in("doradca")

    page.goto(f"{live_server.url}/leads/new/")
    name = page.locator("#id_name")
    expect(name).to_be_focused()
    expect(name).to_have_value("Zakup mieszkania")

    # Find the client by the phone written another way; Enter goes to the results, it
    # never submits the lead form.
    search = page.locator("#id_clients-search")
    search.fill("+48 600-100-200")
    pick = page.locator(f'#id_clients-results [data-pick="clients"][data-pk="{elzbieta.pk}"]')
    expect(pick).to_be_visible()
    search.press("Enter")
    expect(pick).to_be_focused()
    page.keyboard.press("Enter")
    chips = page.locator('[data-chips="clients"] .chip')
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Elżbieta Turza")
    assert page.url.endswith("/leads/new/")

    # The dialog opens with the keyboard on its first field and closes with Escape.
    dialog = page.locator("#client-dialog")
    page.locator("#add-client").click()
    expect(dialog).to_be_visible()
    expect(page.locator("#client_kind")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A new client through the dialog: a missing contact is refused next to the field...
    page.locator("#add-client").click()
    expect(page.locator("#client_first_name")).to_be_visible()
    page.locator("#client_first_name").fill("Renata")
    page.locator("#client_last_name").fill("Rosiak")
    dialog.locator('button[type="submit"]').click()
    expect(dialog.locator(".field--error").first).to_be_visible()
    # The keyboard lands on the first field in error once the answer has settled; typing
    # before that would go wherever the focus moves.
    expect(dialog.locator(".field--error input").first).to_be_focused()
    # ...and with a phone it is saved and lands on the lead form as a chip.
    page.locator("#client_phone").fill("601 202 303")
    dialog.locator('button[type="submit"]').click()
    expect(dialog).to_be_hidden()
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("Renata Rosiak")
    assert page.url.endswith("/leads/new/")

    page.get_by_label("Akacjowa").check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lead-form.png"), full_page=True)
    page.locator('#lead-form button[type="submit"]').click()

    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    lead = Lead.objects.get()
    assert page.url.endswith(f"/leads/{lead.pk}/")
    content = page.locator("#content")
    expect(content).to_contain_text("Elżbieta Turza")
    expect(content).to_contain_text("Renata Rosiak")
    assert lead.name == "Zakup mieszkania"
    assert [i.name for i in lead.investments.all()] == ["Akacjowa"]
    assert list(lead.employees.all()) == [advisor]

    # The manager saves the lead while the advisor's edit form is open.
    page.goto(f"{live_server.url}/leads/{lead.pk}/edit/")
    expect(page.locator("#id_name")).to_have_value("Zakup mieszkania")
    lead.name = "Zakup mieszkania — po telefonie"
    save_lead(lead, user=manager)

    page.locator("#id_name").fill("Moja zmiana")
    page.locator('#lead-form button[type="submit"]').click()

    errors = page.locator("#lead-form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text(str(manager))
    expect(page.locator("#lead-form-reload")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Moja zmiana")
    assert Lead.objects.get(pk=lead.pk).name == "Zakup mieszkania — po telefonie"
