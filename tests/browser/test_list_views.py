"""A manager narrows the leads with the filter bar's pickers (typing part of a name), looks
at them as a grid and on the kanban with the filters kept, saves the view for the branch,
and an advisor of the branch opens it from the menu — in Chromium, with the keyboard too."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import ClientFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def team(advisor, teammate, manager):
    """Beata's two leads and five colleagues' leads: the employee picker has a search."""
    beata = UserFactory(
        username="beata", first_name="Beata", last_name="Śliwińska", branch=advisor.branch
    )
    for n in range(2):
        client = ClientFactory(first_name="Klient", last_name=f"Beaty{n}", branch=advisor.branch)
        LeadFactory(branch=advisor.branch, employees=[beata], clients=[client])
    for n, colleague in enumerate(
        [advisor, teammate, *(UserFactory(branch=advisor.branch) for _ in range(3))]
    ):
        client = ClientFactory(first_name="Inny", last_name=f"Klient{n}", branch=advisor.branch)
        LeadFactory(branch=advisor.branch, employees=[colleague], clients=[client])
    return beata


def employee_picker(page):
    return page.locator("#id_employee").locator("xpath=ancestor::details[1]")


def test_a_manager_filters_switches_views_and_shares_the_view(
    page, live_server, logged_in_page, manager, advisor, team
):
    logged_in_page(manager)
    page.goto(f"{live_server.url}{reverse('leads:list')}")
    expect(page.locator("#lead-table tbody tr")).to_have_count(7)
    # The bulk actions wait for a ticked row (a hint stands in for them until then).
    expect(page.locator("#bulk-action")).to_be_hidden()
    expect(page.locator(".bulk-bar__hint")).to_be_visible()
    page.locator('#lead-table input[name="selected"]').first.check()
    expect(page.locator("#bulk-action")).to_be_visible()
    expect(page.locator(".bulk-bar__hint")).to_be_hidden()
    page.locator('#lead-table input[name="selected"]').first.uncheck()
    expect(page.locator("#bulk-action")).to_be_hidden()

    # The employee picker: typing "sliw" (the diacritics need not be typed) leaves Beata.
    page.locator(".filters__panel > summary").click()
    picker = employee_picker(page)
    picker.locator("summary").click()
    picker.locator("[data-choice-search]").fill("sliw")
    expect(picker.locator("li:visible")).to_have_count(1)
    picker.get_by_label("Beata Śliwińska").check()
    expect(picker.locator("[data-choice-summary]")).to_have_text("Beata Śliwińska")
    # The results follow in place, and so do the links to the other views.
    expect(page.locator("#lead-table tbody tr")).to_have_count(2)
    expect(page.locator("#view-grid")).to_have_attribute("href", re.compile(f"employee={team.pk}"))

    page.locator("#view-grid").click()
    expect(page.locator(".lead-card")).to_have_count(2)
    expect(page.locator(".lead-card").first).to_contain_text("Beaty")

    # Saved for the branch, under a name: the menu shows it as the open view.
    page.locator(".saved-views__save > summary").click()
    page.locator("#id_name").fill("Leady Beaty")
    page.locator("#id_shared").check()
    page.locator(".saved-views__form button[type=submit]").click()
    expect(page.locator(".chip--current")).to_have_text(re.compile("Leady Beaty"))
    expect(page.locator(".lead-card")).to_have_count(2)

    # The kanban keeps the filters (and the open view).
    page.locator("#view-kanban").click()
    expect(page.locator(".kanban-card")).to_have_count(2)
    expect(page.locator(".chip--current")).to_have_text(re.compile("Leady Beaty"))

    # An advisor of the branch finds the shared view in their menu.
    page.context.clear_cookies()
    logged_in_page(advisor)
    page.goto(f"{live_server.url}{reverse('leads:list')}")
    page.get_by_role("link", name=re.compile("Leady Beaty")).click()
    expect(page.locator(".chip--current")).to_have_text(re.compile("Leady Beaty"))
    # The advisor sees only their own leads: none of them is Beata's.
    expect(page.locator(".lead-card")).to_have_count(0)


def test_the_pickers_work_with_the_keyboard(page, live_server, logged_in_page, manager, team):
    logged_in_page(manager)
    page.goto(f"{live_server.url}{reverse('leads:list')}")
    page.locator(".filters__panel > summary").focus()
    page.keyboard.press("Enter")
    summary = employee_picker(page).locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    search = employee_picker(page).locator("[data-choice-search]")
    search.focus()
    page.keyboard.type("beata")
    page.keyboard.press("Enter")  # narrows the list; does not send the form
    expect(employee_picker(page)).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#lead-table tbody tr")).to_have_count(2)
