"""Every page keeps to the Content Security Policy that production sends (the policy is
in crm/settings/base.py, so this live server sends the very header): each role opens the
pages of its day in Chromium, htmx swaps included, and the browser reports no violation —
no inline script or style, nothing from another origin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import LeadSource
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# The page opens on "clients"; each other tab, then back to the first one.
LEAD_TABS = [
    "contractors",
    "conversations",
    "surveys",
    "offers",
    "contracts",
    "documents",
    "history",
    "clients",
]


@pytest.fixture
def violations(page):
    """What the browser reports against the policy, on any page opened after this: the
    `securitypolicyviolation` events and the console's "Refused to ..." messages."""
    found: list[str] = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", function (event) {
             window.reportCspViolation(event.violatedDirective + " " + event.blockedURI);
           });"""
    )
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and found.append(message.text),
    )
    return found


@pytest.fixture
def leads(advisor, teammate):
    """Leads in several statuses (so that the reports draw their charts), one of them with
    clients, investments and a conversation for its page's tabs."""
    akacjowa = InvestmentFactory(name="Akacjowa")
    now = timezone.now()
    made = []
    for n, slug in enumerate(["nowy", "nowy", "oferta", "oferta", "nowy"]):
        turza = ClientFactory(
            first_name="Elżbieta", last_name=f"Turza{n}", branch=advisor.branch, caretaker=advisor
        )
        lead = LeadFactory(
            name=f"Mieszkanie {n}",
            status=status(slug),
            branch=advisor.branch,
            employees=[advisor if n % 2 == 0 else teammate],
            clients=[turza],
            created_at=now - timedelta(days=30 - n),
        )
        lead.investments.add(akacjowa)
        made.append(lead)
    return made


def open_page(page, url: str) -> None:
    """Open a page and check that it came with the policy, as production sends it."""
    response = page.goto(url)
    assert response.status < 400, f"{url}: {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, url
    assert "script-src 'self'" in policy, url
    assert "unsafe-inline" not in policy, url
    page.wait_for_load_state("networkidle")


def badge_colour(badge) -> str:
    return badge.evaluate(
        "badge => getComputedStyle(badge).getPropertyValue('--badge-colour').trim().toLowerCase()"
    )


def walk_the_pages(page, base: str, lead, *, can_import: bool) -> None:
    open_page(page, f"{base}/")
    open_page(page, f"{base}{reverse('leads:list')}")
    open_page(page, f"{base}{lead.get_absolute_url()}")
    for tab in LEAD_TABS:  # through htmx, as a user clicks them, each after the last swap
        page.locator(f"#lead-tab-{tab}").click()
        expect(page.locator(f"#lead-tab-{tab}")).to_have_attribute("aria-current", "page")
    open_page(page, f"{base}{reverse('leads:kanban')}")
    open_page(page, f"{base}{reverse('leads:my_day')}")
    open_page(page, f"{base}{reverse('leads:create')}")
    open_page(page, f"{base}{reverse('clients:list')}")
    # The client's leads arrive through htmx, their status badges with them.
    open_page(page, f"{base}{lead.clients.first().get_absolute_url()}")
    htmx_badge = page.locator("#client-leads-body .badge").first
    expect(htmx_badge).to_be_visible()
    assert badge_colour(htmx_badge) == lead.status.colour.lower()
    open_page(page, f"{base}{reverse('investments:list')}")
    for report in ("index", "sources", "funnel", "response_times", "repeat"):
        open_page(page, f"{base}{reverse(f'reports:{report}')}")
    if can_import:
        open_page(page, f"{base}{reverse('leads:import')}")


def test_the_collector_catches_a_violation(page, live_server, logged_in_page, advisor, violations):
    # The check below would pass on a page that reports nothing: show that it hears one.
    logged_in_page(advisor)
    open_page(page, f"{live_server.url}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = 1"; document.body.append(s); }"""
    )
    page.wait_for_timeout(200)

    assert any("script-src" in violation for violation in violations)
    assert page.evaluate("() => window.injected") is None


@pytest.mark.parametrize("role", ["advisor", "manager", "administrator"])
def test_each_role_works_its_pages_without_a_violation(
    page, live_server, logged_in_page, leads, violations, request, role
):
    user = request.getfixturevalue(role)
    logged_in_page(user)

    walk_the_pages(page, live_server.url, leads[0], can_import=role != "advisor")

    assert violations == []
    # Status colours are painted without style="" attributes: a badge has its colour.
    open_page(page, f"{live_server.url}{leads[0].get_absolute_url()}")
    badge = page.locator(".lead-header__title .badge")
    assert badge_colour(badge) == leads[0].status.colour.lower()


def test_administrator_uses_the_admin_without_a_violation(
    page, live_server, logged_in_page, administrator, leads, violations
):
    logged_in_page(administrator)
    base = live_server.url

    for url in (
        reverse("admin:index"),
        reverse("admin:leads_leadstatus_changelist"),
        reverse("admin:leads_leadstatus_change", args=[status("nowy").pk]),
        reverse("admin:core_user_changelist"),
        reverse("admin:core_user_change", args=[administrator.pk]),
        reverse("admin:clients_leadsource_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:otp_totp_totpdevice_add"),
    ):
        open_page(page, f"{base}{url}")

    assert violations == []


def test_login_lockout_and_the_public_form_keep_to_the_policy(page, live_server, violations):
    source = LeadSource.objects.get(slug="www")
    source.intake_form_enabled = True
    source.intake_form_frame_origins = "https://www.example.pl"
    source.save()

    open_page(page, f"{live_server.url}{reverse('login')}")
    open_page(page, f"{live_server.url}{reverse('intake_form', args=[source.slug])}")

    assert violations == []
