"""The intake keeps its configuration (sources by token, investments, rules, the first
status, settings) as a snapshot in each process: an administrator's change counts from
the next inquiry in the process that made it, and within a second in the others."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from clients.models import LeadSource
from clients.services import source_rotate_intake_token
from crm.core.models import User
from leads import intake_config as config_module
from leads.intake_config import GENERATION_KEY, intake_config
from leads.models import AssignmentRule, Lead, LeadStatus
from settings_app.models import RepeatInquiryScenario
from settings_app.selectors import crm_settings
from tests.factories import InvestmentFactory, UserFactory

from .test_api import INQUIRY, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_rate_limits")]


@pytest.fixture(autouse=True)
def portal_inquiries_go_round_robin(advisor, teammate):
    rule = AssignmentRule.objects.create(name="Portale")
    rule.pool.set([advisor, teammate])
    return rule


def assigned(response) -> User:
    return Lead.objects.get(pk=response.json()["id"]).employees.get()


def test_a_new_rule_takes_the_next_inquiry(partner, advisor, teammate, portal):
    post(partner, {**INQUIRY, "external_id": "1"})
    newcomer = UserFactory(username="nowy", branch=advisor.branch)
    AssignmentRule.objects.create(name="Nowy", priority=1).pool.set([newcomer])

    response = post(partner, {**INQUIRY, "external_id": "2", "email": "inna@example.pl"})

    assert assigned(response) == newcomer


def test_an_advisor_deactivated_gets_no_more_inquiries(partner, advisor, teammate):
    post(partner, {**INQUIRY, "external_id": "1"})
    teammate.is_active = False
    teammate.save()

    answers = [
        post(partner, {**INQUIRY, "external_id": f"n{n}", "email": f"n{n}@example.pl"})
        for n in range(3)
    ]

    assert {assigned(answer) for answer in answers} == {advisor}


def test_a_rotated_token_is_refused_and_the_new_one_taken(partner, portal):
    old = post(partner, {**INQUIRY, "external_id": "1"})
    new_token = source_rotate_intake_token(source=portal)

    refused = post(partner, {**INQUIRY, "external_id": "2"})
    accepted = post(
        HttpClient(HTTP_AUTHORIZATION=f"Bearer {new_token}"), {**INQUIRY, "external_id": "3"}
    )

    assert (old.status_code, refused.status_code, accepted.status_code) == (201, 401, 201)


def test_a_renamed_investment_is_recognised_by_its_new_name(partner):
    investment = InvestmentFactory(name="Akacjowa", code="")
    post(partner, {**INQUIRY, "external_id": "1", "investment": "Akacjowa"})
    investment.name = "Akacjowe Ogrody"
    investment.save()

    response = post(partner, {**INQUIRY, "external_id": "2", "investment": "akacjowe ogrody"})

    lead = Lead.objects.get(pk=response.json()["id"])
    assert list(lead.investments.all()) == [investment]
    assert lead.investment_unknown is False


def test_a_reordered_pipeline_starts_new_leads_in_its_new_first_status(partner):
    post(partner, {**INQUIRY, "external_id": "1"})
    first = LeadStatus.objects.create(name="Zapytanie", slug="zapytanie", order=0)

    response = post(partner, {**INQUIRY, "external_id": "2"})

    assert Lead.objects.get(pk=response.json()["id"]).status == first


def test_changed_settings_count_from_the_next_inquiry(partner):
    post(partner, {**INQUIRY, "external_id": "1"})
    settings = crm_settings()
    settings.default_lead_name = "Zapytanie z portalu"
    settings.repeat_inquiry_scenario = RepeatInquiryScenario.NEW_LEAD
    settings.save()

    response = post(partner, {**INQUIRY, "external_id": "2"})

    assert Lead.objects.get(pk=response.json()["id"]).name == "Zapytanie z portalu"


def test_another_process_change_is_seen_once_the_shared_generation_moves(
    partner, portal, monkeypatch
):
    """Another web process deactivates the source: its signal drops its own snapshot, and
    ours learns of it through the generation number in the shared cache."""
    from django.core.cache import cache

    post(partner, {**INQUIRY, "external_id": "1"})
    monkeypatch.setattr(config_module, "GENERATION_CHECK_SECONDS", 0)
    # What the other process writes: the row (no signal here) and, on commit, the number.
    LeadSource.objects.filter(pk=portal.pk).update(active=False)
    before = post(partner, {**INQUIRY, "external_id": "2"})
    cache.set(GENERATION_KEY, cache.get(GENERATION_KEY, 0) + 1, timeout=None)

    after = post(partner, {**INQUIRY, "external_id": "3"})

    assert (before.status_code, after.status_code) == (201, 403)


def test_a_committed_change_moves_the_shared_generation(portal, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    before = cache.get(GENERATION_KEY, 0)
    with django_capture_on_commit_callbacks(execute=True):
        portal.intake_rate_per_minute = 10
        portal.save()

    assert cache.get(GENERATION_KEY) == before + 1


def test_a_login_keeps_the_snapshot(client, advisor):
    snapshot = intake_config()
    advisor.set_password("hasło-doradcy-2026")
    advisor.save()
    snapshot = intake_config()

    assert client.login(username=advisor.username, password="hasło-doradcy-2026")

    assert intake_config() is snapshot
