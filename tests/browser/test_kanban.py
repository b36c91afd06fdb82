"""An advisor works the kanban board in a real browser: drags a card to another column, and
is refused (the card snaps back, a message says why) once manual changes are turned off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from settings_app.models import CRMSettings
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "lead-kanban.png"


def column(page, slug: str):
    return page.locator(f"#kanban-column-{status(slug).pk}")


def count_of(page, slug: str):
    return column(page, slug).locator("[data-count]")


@pytest.fixture
def board_leads(advisor, teammate):
    akacjowa = InvestmentFactory(name="Akacjowa")
    turza = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    now = timezone.now()
    kawalerka = LeadFactory(
        name="Kawalerka na Akacjowej",
        branch=advisor.branch,
        employees=[advisor],
        clients=[turza],
        created_at=now - timedelta(days=2, hours=5),
    )
    kawalerka.investments.add(akacjowa)
    for n, (slug, name) in enumerate(
        [
            ("nowy", "Trzy pokoje z ogródkiem"),
            ("oferta", "Mieszkanie dla rodziny"),
            ("lead-aktywny", "Lokal użytkowy"),
            ("negocjacje", "Dwa pokoje, wysoki parter"),
            ("umowa", "Apartament z tarasem"),
        ]
    ):
        client = ClientFactory(first_name="Jan", last_name=f"Nowicki{n}", branch=advisor.branch)
        lead = LeadFactory(
            name=name,
            status=status(slug),
            branch=advisor.branch,
            employees=[advisor, teammate] if n % 2 else [advisor],
            clients=[client],
            is_repeat=n == 1,
            created_at=now - timedelta(days=10 * n + 1, hours=n),
            closed_at=now if slug == "umowa" else None,
        )
        lead.investments.add(akacjowa)
    return kawalerka


def test_advisor_drags_a_card_to_offer_and_is_refused_when_manual_changes_are_off(
    page, live_server, log_in, advisor, board_leads
):
    log_in("doradca")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/leads/kanban/")

    card = page.locator(f"#kanban-card-{board_leads.pk}")
    expect(column(page, "nowy").locator(f"#kanban-card-{board_leads.pk}")).to_be_visible()
    expect(card).to_contain_text("Elżbieta Turza")
    expect(card).to_contain_text("Akacjowa")
    expect(card).to_contain_text("2d 5h")
    expect(count_of(page, "nowy")).to_have_text("2")
    expect(count_of(page, "oferta")).to_have_text("1")
    # The board scrolls sideways at 1280 px; the screenshot is wide enough for every column.
    page.set_viewport_size({"width": 2600, "height": 900})
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    card.drag_to(column(page, "oferta").locator("[data-cards]"))

    expect(column(page, "oferta").locator(f"#kanban-card-{board_leads.pk}")).to_be_visible()
    expect(count_of(page, "nowy")).to_have_text("1")
    expect(count_of(page, "oferta")).to_have_text("2")
    expect(page.locator("#kanban-message")).to_contain_text("Oferta")
    board_leads.refresh_from_db()
    assert board_leads.status == status("oferta")

    page.reload()
    expect(column(page, "oferta").locator(f"#kanban-card-{board_leads.pk}")).to_be_visible()
    expect(count_of(page, "oferta")).to_have_text("2")

    crm = CRMSettings.get_solo()
    crm.manual_status_change_allowed = False
    crm.save()

    page.locator(f"#kanban-card-{board_leads.pk}").drag_to(
        column(page, "oczekujacy").locator("[data-cards]")
    )

    message = page.locator("#kanban-message")
    expect(message).to_contain_text("Ręczna zmiana statusów leada jest wyłączona")
    expect(column(page, "oferta").locator(f"#kanban-card-{board_leads.pk}")).to_be_visible()
    expect(column(page, "oczekujacy").locator(f"#kanban-card-{board_leads.pk}")).to_have_count(0)
    expect(count_of(page, "oferta")).to_have_text("2")
    expect(count_of(page, "oczekujacy")).to_have_text("0")
    board_leads.refresh_from_db()
    assert board_leads.status == status("oferta")


def test_advisor_moves_a_card_with_the_keyboard(page, live_server, log_in, advisor, board_leads):
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/kanban/")
    card = page.locator(f"#kanban-card-{board_leads.pk}")
    menu = page.locator("#kanban-move")

    # Escape closes the menu and changes nothing.
    card.locator("[data-kanban-menu]").focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(card.locator("[data-kanban-menu]")).to_be_focused()

    page.keyboard.press("Enter")
    # The menu names the card's person (the client first).
    expect(menu).to_contain_text("Elżbieta Turza")
    expect(menu.locator(f'button[value="{status("nowy").pk}"]')).to_be_disabled()
    expect(menu.locator(f'button[value="{status("oferta").pk}"]')).to_be_focused()
    page.keyboard.press("Tab")  # Oczekujący
    page.keyboard.press("Tab")  # Lead aktywny
    expect(menu.locator(f'button[value="{status("lead-aktywny").pk}"]')).to_be_focused()
    page.keyboard.press("Enter")

    expect(menu).to_be_hidden()
    moved = column(page, "lead-aktywny").locator(f"#kanban-card-{board_leads.pk}")
    expect(moved).to_be_visible()
    expect(count_of(page, "lead-aktywny")).to_have_text("2")
    expect(count_of(page, "nowy")).to_have_text("1")
    # Focus stays on the moved card, so the next move is a keystroke away.
    expect(moved.locator("[data-kanban-menu]")).to_be_focused()
    board_leads.refresh_from_db()
    assert board_leads.status == status("lead-aktywny")
