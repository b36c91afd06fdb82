"""The pages this issue changed read out well (axe-core in Chromium, at a desk's and a
phone's width): the duplicate check of a new client, the verify page with a masked
candidate, a won lead's page, the lead list's filter panel with its limits, and the
kanban's "Move…" menu with statuses coloured by an administrator. No serious or critical
violation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from leads.models import LeadStatus
from tests.browser.axe import serious
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory, status, win

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def work(advisor, teammate):
    """The advisor's client Hanna, a won lead of hers, an inquiry whose phone is a
    teammate's client's, and a status in a mid-tone an administrator chose."""
    LeadStatus.objects.filter(slug="oczekujacy").update(colour="#8a8d1c")
    hanna = ClientFactory(
        first_name="Hanna", last_name="Kos", phone="518 822 528", caretaker=advisor,
        branch=advisor.branch,
    )  # fmt: skip
    won = LeadFactory(name="Mieszkanie Hanny", branch=advisor.branch, employees=[advisor],
                      clients=[hanna], intake_outcome="linked")  # fmt: skip
    win(won, advisor, unit=UnitFactory(investment=InvestmentFactory(name="Akacjowa")))
    ClientFactory(first_name="Ewa", last_name="Nowak", phone="502 999 888",
                  caretaker=teammate, branch=teammate.branch)  # fmt: skip
    inquiry = LeadFactory(name="Zapytanie", branch=advisor.branch, employees=[advisor],
                          status=status("nowy"), contact_first_name="Ewa",
                          contact_last_name="Nowak", contact_phone="+48502999888")  # fmt: skip
    return won, inquiry


@pytest.mark.parametrize("width", [1440, 390])
def test_the_changed_pages_have_no_serious_accessibility_violation(
    page, live_server, logged_in_page, advisor, work, width
):
    won, inquiry = work
    page = logged_in_page(advisor)
    page.set_viewport_size({"width": width, "height": 900})
    found = {}

    page.goto(f"{live_server.url}{reverse('clients:create')}")
    page.fill("input[name=first_name]", "Anna")
    page.fill("input[name=phone]", "518 822 528")
    page.click("#client-save")
    expect(page.locator("#client-duplicates")).to_be_visible()
    found["duplicates"] = serious(page)

    page.goto(f"{live_server.url}{reverse('leads:verify', args=[inquiry.pk])}")
    expect(page.locator("#candidates")).to_contain_text("E*** N***")
    found["verify"] = serious(page)

    page.goto(f"{live_server.url}{won.get_absolute_url()}")
    expect(page.locator("#lead-status-note")).to_be_visible()
    found["won lead"] = serious(page)

    page.goto(f"{live_server.url}{reverse('leads:list')}?per_page=5000&id=abc")
    found["list"] = serious(page)

    page.goto(f"{live_server.url}{reverse('leads:kanban')}")
    page.locator(f"#kanban-card-{inquiry.pk} [data-kanban-menu]").click()
    expect(page.locator("#kanban-move")).to_be_visible()
    found["kanban menu"] = serious(page)

    assert found == {name: [] for name in found}
