"""Lejek on a phone (390 px), a tablet (768 px) and a desk (1440 px): below the tablet's
width the menu is a drawer opened from the top bar (and closed with Escape, its button or
a tap beside it); no main page of any role scrolls the whole document sideways (a wide
table scrolls inside its own box) nor has a serious accessibility finding (axe-core at
the phone's and the desk's widths); the lead page's main actions are on screen. The web
app manifest lets a phone put Lejek on its home screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

WIDTHS = [390, 768, 1440]
# The advisor's main screens at each width, for docs/screenshots/ (named in the README).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHOT_NAMES = {
    "my_day": "my-day",
    "list": "lead-list",
    "grid": "lead-grid",
    "kanban": "kanban",
    "lead": "lead-page",
}


@pytest.fixture
def work(advisor):
    """A client with a long name and a lead with a long message, and an inquiry: what makes
    a narrow page wide if anything can."""
    client = ClientFactory(
        first_name="Konstantyna", last_name="Brzęczyszczykiewicz-Wojciechowska",
        phone="518 822 528", email="konstantyna.brzeczyszczykiewicz@przyklad.pl",
        caretaker=advisor, branch=advisor.branch,
    )  # fmt: skip
    lead = LeadFactory(
        name="Mieszkanie trzypokojowe z ogródkiem i miejscem postojowym w hali garażowej",
        branch=advisor.branch, employees=[advisor], clients=[client], intake_outcome="linked",
        message="Proszę o kontakt " * 40,
    )  # fmt: skip
    lead.investments.add(InvestmentFactory(name="Osiedle Zielone Tarasy Etap Drugi"))
    inquiry = LeadFactory(
        name="Zapytanie", branch=advisor.branch, employees=[advisor], status=status("nowy"),
        contact_first_name="Ewa", contact_last_name="Nowak", contact_phone="+48502999888",
    )  # fmt: skip
    return client, lead, inquiry


def pages_of(role, client, lead, inquiry) -> list[str]:
    pages = [
        reverse("home"),
        *shots(lead).values(),
        reverse("leads:conversation_add", args=[lead.pk]),
        reverse("leads:verify", args=[inquiry.pk]),
        reverse("clients:list"),
        reverse("clients:detail", args=[client.pk]),
        reverse("investments:list"),
        reverse("reports:index"),
    ]
    if role == "manager":
        pages += [reverse("reports:sources"), reverse("reports:funnel"), reverse("leads:import")]
    return pages


def shots(lead) -> dict[str, str]:
    """The pages photographed, by their screenshot's name."""
    return {
        SHOT_NAMES["my_day"]: reverse("leads:my_day"),
        SHOT_NAMES["list"]: reverse("leads:list"),
        SHOT_NAMES["grid"]: f"{reverse('leads:list')}?view=grid",
        SHOT_NAMES["kanban"]: reverse("leads:kanban"),
        SHOT_NAMES["lead"]: lead.get_absolute_url(),
    }


def sideways(page) -> int:
    """How far the document scrolls sideways (0: not at all)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_main_page_scrolls_sideways(
    page, live_server, logged_in_page, advisor, manager, work, width
):
    client, lead, inquiry = work
    lead.employees.add(manager)
    wide, unreadable = {}, {}
    for role, user in (("advisor", advisor), ("manager", manager)):
        page.context.clear_cookies()
        logged_in_page(user)
        page.set_viewport_size({"width": width, "height": 844})
        for path in pages_of(role, client, lead, inquiry):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            if overflow := sideways(page):
                wide[f"{role} {path}"] = overflow
            if width != 768 and (violations := serious(page)):
                unreadable[f"{role} {path}"] = violations
            names = {url: name for name, url in shots(lead).items()}
            if role == "advisor" and path in names:
                page.screenshot(path=str(SCREENSHOTS / f"{names[path]}-{width}.png"))
    assert wide == {}
    assert unreadable == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_lead_pages_main_actions_are_on_screen(
    page, live_server, logged_in_page, advisor, work, width
):
    _client, lead, _inquiry = work
    logged_in_page(advisor)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    for name in ("Dodaj rozmowę",):
        action = page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name))
        box = action.first.bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width, name


def test_on_a_phone_the_menu_is_a_drawer(page, live_server, logged_in_page, advisor):
    logged_in_page(advisor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{reverse('leads:list')}")
    menu = page.locator("#sidebar")
    opener = page.locator("[data-drawer-open]")
    expect(menu).to_be_hidden()
    assert opener.bounding_box()["height"] >= 44

    opener.click()
    expect(menu).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    page.locator("#sidebar").get_by_role("link", name="Mój dzień").click()
    page.wait_for_url(f"{live_server.url}{reverse('leads:my_day')}")
    expect(page.locator("#sidebar")).to_be_hidden()

    # A desk's width: the menu is always there, the bar is not.
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(page.locator("#sidebar")).to_be_visible()
    expect(opener).to_be_hidden()


def test_the_menu_opens_without_scripts(browser, live_server, advisor):
    from django.conf import settings
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(advisor)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": http.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('leads:list')}")
    expect(page.locator("#sidebar")).to_be_hidden()
    page.locator("[data-drawer-open]").click()
    expect(page.locator("#sidebar")).to_be_visible()
    context.close()
