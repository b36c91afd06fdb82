"""Every main page of each role reads out well and works from the keyboard (issue 19, §5).

The advisor, the manager and the administrator each open the pages of their menu, the lead
and client pages, a form of each kind, the verify page, the consent and privacy pages,
an export's confirmation and job, the imports and the channels (as far as their role
allows), at a desk's width and a phone's: axe-core finds no serious or critical violation.
Then each tabs through one page of their own: every button and link of its main area gets
the focus, and the focus shows (an outline or a ring)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.core.models import BackgroundJob
from leads.models import LeadStatus
from leads.services.conversations import conversation_plan
from tests.browser.axe import serious
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    UnitFactory,
    status,
    win,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

WIDTHS = (1440, 390)


@pytest.fixture
def world(advisor, manager, administrator):
    """The advisor's client with an open lead (a planned call on My day, an investment with
    a free unit), a won lead (a contract), an inquiry to verify, a contractor, and for each
    role an export job of their own."""
    LeadStatus.objects.filter(slug="oczekujacy").update(colour="#8a8d1c")
    investment = InvestmentFactory(name="Akacjowa")
    UnitFactory(investment=investment)
    client = ClientFactory(
        first_name="Hanna", last_name="Kos", phone="518 822 528", caretaker=advisor,
        branch=advisor.branch,
    )  # fmt: skip
    lead = LeadFactory(name="Mieszkanie Hanny", branch=advisor.branch, employees=[advisor],
                       clients=[client], intake_outcome="linked")  # fmt: skip
    lead.investments.add(investment)
    conversation_plan(lead=lead, user=advisor, kind="phone",
                      planned_at=timezone.now() + timedelta(hours=1))  # fmt: skip
    won = LeadFactory(name="Parking Hanny", branch=advisor.branch, employees=[advisor],
                      clients=[client], intake_outcome="linked")  # fmt: skip
    contract = win(won, advisor, unit=UnitFactory(investment=investment))
    inquiry = LeadFactory(name="Zapytanie", branch=advisor.branch, employees=[advisor],
                          status=status("nowy"), contact_first_name="Ewa",
                          contact_last_name="Nowak", contact_phone="+48502999888")  # fmt: skip
    contractor = ContractorFactory(name="Budmax sp. z o.o.", branch=advisor.branch)
    jobs = {
        user.pk: BackgroundJob.objects.create(user=user, kind="leads", status="done", total=3)
        for user in (advisor, manager, administrator)
    }
    return {
        "client": client, "lead": lead, "won": won, "contract": contract, "inquiry": inquiry,
        "investment": investment, "contractor": contractor, "jobs": jobs,
    }  # fmt: skip


def pages_of(role: str, user, world) -> list[str]:
    """The role's menu, the pages it works on, a form of each kind (a lead's, a client's, a
    conversation's, an offer's, a consent's, an export's confirmation) and what only the
    role may open. The other forms, the same templates for every role, the advisor opens."""
    client, lead, won, inquiry = world["client"], world["lead"], world["won"], world["inquiry"]
    pages = [
        # The menu.
        reverse("home"),
        reverse("leads:my_day"),
        reverse("leads:list"),
        f"{reverse('leads:list')}?view=grid",
        reverse("leads:kanban"),
        reverse("clients:list"),
        reverse("clients:contractor_list"),
        reverse("investments:list"),
        reverse("reports:index"),
        # The pages worked on.
        lead.get_absolute_url(),
        won.get_absolute_url(),
        client.get_absolute_url(),
        reverse("leads:verify", args=[inquiry.pk]),
        world["jobs"][user.pk].get_absolute_url(),
        # A form of each kind.
        reverse("leads:create"),
        reverse("clients:create"),
        reverse("leads:conversation_add", args=[lead.pk]),
        reverse("leads:offer_create", args=[lead.pk]),
        reverse("privacy:consent_give", args=["client", client.pk]),
        reverse("leads:export"),
    ]
    if role == "advisor":
        pages += [
            reverse("leads:update", args=[lead.pk]),
            reverse("leads:survey_new", args=[lead.pk]),
            reverse("leads:reservation_create", args=[lead.pk]),
            reverse("leads:contract_create", args=[lead.pk]),
            reverse("leads:delete", args=[inquiry.pk]),
            reverse("clients:update", args=[client.pk]),
            reverse("clients:contractor_detail", args=[world["contractor"].pk]),
            reverse("clients:contractor_create"),
            reverse("investments:detail", args=[world["investment"].pk]),
            reverse("privacy:consent_history", args=["client", client.pk]),
        ]
    if role in ("manager", "administrator"):
        pages += [
            reverse("leads:import"),
            reverse("leads:contract_cancel", args=[won.pk, world["contract"].pk]),
            reverse("privacy:client_export", args=[client.pk]),
        ]
    if role == "manager":
        pages += [
            reverse("reports:sources"),
            reverse("reports:funnel"),
            reverse("reports:response_times"),
            reverse("reports:repeat"),
        ]
    if role == "administrator":
        pages += [
            reverse("channels:index"),
            reverse("privacy:retention"),
            reverse("privacy:client_anonymise", args=[client.pk]),
        ]
    return pages


# One page per role to go through with the keyboard: the lead page (the advisor), the
# client page (the manager: its consents, the person's data, the client's leads), the won
# lead's page (the administrator: its contracts and the "More" menu's danger actions).
KEYBOARD_PAGE = {
    "advisor": lambda world: world["lead"].get_absolute_url(),
    "manager": lambda world: world["client"].get_absolute_url(),
    "administrator": lambda world: world["won"].get_absolute_url(),
}

# The controls of the main area, numbered (data-tab-check); which of them are on screen.
NUMBER_CONTROLS = """() => document.querySelectorAll(
    ["a[href]", "button", "summary", "select", "input:not([type=hidden])", "textarea"]
      .map((control) => `#content ${control}`).join(", "))
  .forEach((el, i) => { el.dataset.tabCheck = i; })"""
ON_SCREEN = """() => [...document.querySelectorAll("[data-tab-check]")]
  .filter((el) => !el.disabled && el.checkVisibility({visibilityProperty: true}))
  .map((el) => Number(el.dataset.tabCheck))"""
# The control that has the focus: its number, whether the focus shows (an outline or a
# ring), whether it opens a closed <details>, and its start for a message.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el.dataset.tabCheck === undefined) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  const opens = el.tagName === "SUMMARY" && !el.parentElement.open;
  return [Number(el.dataset.tabCheck), ring, opens, el.outerHTML.slice(0, 120)];
}"""


@pytest.mark.parametrize("role", ["advisor", "manager", "administrator"])
def test_every_main_page_of_the_role_reads_out_well_and_works_from_the_keyboard(
    browser, live_server, advisor, manager, administrator, world, role
):
    user = {"advisor": advisor, "manager": manager, "administrator": administrator}[role]
    context = browser.new_context(locale="pl-PL")
    log_in(context, live_server, user)
    page = context.new_page()
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages_of(role, user, world):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            if violations := serious(page):
                found[f"{width} {path}"] = violations
    assert found == {}

    # The keyboard: from the top of the page, Tab reaches every control of the main area
    # (Enter opens a menu or a confirmation met on the way, and Tab goes on into it), and
    # each control shows that it has the focus.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}{KEYBOARD_PAGE[role](world)}")
    page.wait_for_load_state("networkidle")  # the client page's leads come by htmx
    page.evaluate(NUMBER_CONTROLS)
    controls = set(page.evaluate(ON_SCREEN))
    assert len(controls) >= 8
    reached, unmarked = set(), []
    # The top bar's and the menu's links come first; a control reached twice: the tour
    # has come round.
    for _ in range(200):
        page.keyboard.press("Tab")
        if (focused := page.evaluate(FOCUSED)) is None:
            continue
        index, ring, opens, html = focused
        if index in reached:
            break
        reached.add(index)
        if not ring:
            unmarked.append(html)
        if opens:
            page.keyboard.press("Enter")
            controls |= set(page.evaluate(ON_SCREEN))
    assert unmarked == []
    assert controls - reached == set()
    assert len(reached) > 8


def log_in(context, live_server, user) -> None:
    """The role's session cookie in its own browser context (the story is not the login)."""
    from django.conf import settings
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(user)
    cookie = http.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
