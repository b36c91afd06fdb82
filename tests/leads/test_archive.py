"""Archiving closed leads (issue 19, §3): a won, failed or deleted lead can be archived and
unarchived, alone or in bulk; an archived lead leaves the default list, kanban, export and
My day, the "Archive" filter shows it, and its history says who archived it and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from leads.models import Activity, DeletionReason, FailureReason, IntakeOutcome, Lead
from leads.services.archive import lead_archive, leads_archive
from leads.services.pipeline import lead_change_status, lead_reactivate
from leads.services.verification import lead_restore
from tests.constraints import assert_violates
from tests.factories import LeadFactory, status
from tests.leads.test_exports import names, read_xlsx

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")
KANBAN = reverse("leads:kanban")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def browser():
    """A browser asking for English, so that the messages read as in the code."""
    return HttpClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def won(advisor):
    return LeadFactory(
        name="Wygrany", branch=advisor.branch, employees=[advisor], status=status("umowa")
    )


@pytest.fixture
def failed(advisor):
    return LeadFactory(
        name="Fiasko",
        branch=advisor.branch,
        employees=[advisor],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )


@pytest.fixture
def spam(advisor):
    return LeadFactory(
        name="Spam",
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )


@pytest.fixture
def open_lead(advisor):
    return LeadFactory(name="Otwarty", branch=advisor.branch, employees=[advisor])


def listed(browser, **params) -> set[str]:
    response = browser.get(LIST, params)
    assert response.status_code == 200
    return {row.record.name for row in response.context["table"].paginated_rows}


def on_board(browser, **params) -> set[str]:
    response = browser.get(KANBAN, params)
    assert response.status_code == 200
    return {card.name for column in response.context["board"].columns for card in column.cards}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def archive(browser, lead):
    return browser.post(reverse("leads:archive", args=[lead.pk]), follow=True)


def unarchive(browser, lead):
    return browser.post(reverse("leads:unarchive", args=[lead.pk]), follow=True)


def bulk(browser, action: str, leads: list[Lead]):
    data = {"next": LIST, "action": action, "selected": [lead.pk for lead in leads]}
    return browser.post(reverse("leads:bulk"), data, follow=True)


def test_a_manager_archives_a_won_lead_it_leaves_the_list_and_kanban_and_comes_back(
    browser, manager, advisor, won, open_lead
):
    browser.force_login(manager)
    assert {"Wygrany", "Otwarty"} <= listed(browser)

    response = archive(browser, won)

    assert "The lead is archived." in messages_of(response)
    won.refresh_from_db()
    assert won.archived_by == manager and won.archived_at is not None
    assert 'id="lead-unarchive-form"' in response.text
    assert f"Archived by {manager} on" in response.text
    assert listed(browser) == {"Otwarty"}
    assert "Wygrany" not in on_board(browser)
    # The filter shows it: only the archived, or every lead.
    assert listed(browser, archived="only") == {"Wygrany"}
    assert listed(browser, archived="all") == {"Wygrany", "Otwarty"}
    # The advisor's own board reads their board entries: the lead is gone there too.
    advisor_browser = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    advisor_browser.force_login(advisor)
    assert on_board(advisor_browser) == {"Otwarty"}
    assert listed(advisor_browser) == {"Otwarty"}

    response = unarchive(browser, won)

    assert "The lead is back among the others." in messages_of(response)
    assert 'id="lead-archive-notice"' not in response.text
    assert listed(browser) == {"Wygrany", "Otwarty"}
    assert "Wygrany" in on_board(advisor_browser)
    history = browser.get(won.get_absolute_url(), {"tab": "history"}).text
    assert "unarchived the lead" in history
    assert "archived the lead" in history.replace("unarchived the lead", "")
    assert history.count(str(manager)) >= 2


def test_a_failed_lead_and_a_deleted_inquiry_can_be_archived_too(
    browser, manager, failed, spam, english
):
    for lead in (failed, spam):
        lead_archive(lead=lead, user=manager)
    browser.force_login(manager)
    assert listed(browser, archived="only") == {"Fiasko"}
    assert listed(browser, archived="only", outcome=IntakeOutcome.DELETED) == {"Spam"}


def test_an_open_lead_is_refused_with_the_reason(browser, advisor, open_lead):
    browser.force_login(advisor)
    page = browser.get(open_lead.get_absolute_url())
    assert 'id="lead-archive-form"' not in page.text

    response = archive(browser, open_lead)

    assert "Only a won, failed or deleted lead can be archived." in messages_of(response)
    open_lead.refresh_from_db()
    assert open_lead.archived_at is None


def test_a_closed_lead_offers_archive_in_the_more_menu(browser, advisor, won):
    browser.force_login(advisor)
    page = browser.get(won.get_absolute_url()).text
    menu = page[page.index('id="lead-more-menu"') :]
    assert 'id="lead-archive-form"' in menu
    assert "data-confirm=" in page[page.index('id="lead-archive-form"') - 300 :]


def test_an_archived_lead_is_not_archived_twice_nor_unarchived_when_it_is_not(
    browser, advisor, won
):
    browser.force_login(advisor)
    assert "This lead is not archived." in messages_of(unarchive(browser, won))
    archive(browser, won)
    assert "This lead is already archived." in messages_of(archive(browser, won))


def test_bulk_archive_reports_each_refused_lead_and_archives_the_rest(
    browser, manager, won, failed, open_lead
):
    open_history = open_lead.history.count()
    browser.force_login(manager)

    response = bulk(browser, "archive", [won, failed, open_lead])

    messages = messages_of(response)
    assert "2 leads changed." in messages
    assert "“Otwarty” not changed: Only a won, failed or deleted lead can be archived." in messages
    assert set(Lead.objects.filter(archived_at__isnull=False).values_list("name", flat=True)) == {
        "Wygrany",
        "Fiasko",
    }
    # Nothing half-done on the refused lead: not archived, no history entry.
    open_lead.refresh_from_db()
    assert open_lead.archived_at is None and open_lead.history.count() == open_history

    response = bulk(browser, "unarchive", [won, open_lead])

    assert "“Otwarty” not changed: This lead is not archived." in messages_of(response)
    assert list(Lead.objects.filter(archived_at__isnull=False).values_list("name", flat=True)) == [
        "Fiasko"
    ]


def test_an_advisor_cannot_archive_another_advisors_lead(browser, advisor, teammate):
    theirs = LeadFactory(branch=advisor.branch, employees=[teammate], status=status("umowa"))
    browser.force_login(advisor)

    assert browser.post(reverse("leads:archive", args=[theirs.pk])).status_code == 404
    assert browser.post(reverse("leads:unarchive", args=[theirs.pk])).status_code == 404
    assert bulk(browser, "archive", [theirs]).status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


def test_the_archive_urls_answer_get_with_405(browser, advisor, won):
    browser.force_login(advisor)
    for name in ("leads:archive", "leads:unarchive"):
        assert browser.get(reverse(name, args=[won.pk])).status_code == 405


def test_my_day_leaves_out_an_archived_leads_conversations(web, advisor, won, english):
    planned = timezone.now() - timedelta(hours=1)
    Activity.objects.create(lead=won, employee=advisor, planned_at=planned)
    lead_archive(lead=won, user=advisor)
    # Even a lead archived while open (data from outside the services) stays out.
    stray = LeadFactory(name="Stray", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=stray, employee=advisor, planned_at=planned)
    Lead.objects.filter(pk=stray.pk).update(archived_at=timezone.now())

    day = web.get(reverse("leads:my_day")).context["day"]

    assert day.overdue.items == [] and day.without_next_step_leads == []


def test_the_export_follows_the_archive_filter(browser, manager, won, open_lead, english):
    lead_archive(lead=won, user=manager)
    browser.force_login(manager)

    def exported(query: str) -> list[str]:
        return names(read_xlsx(browser.post(f"{reverse('leads:export')}{query}")))

    assert exported("") == ["Otwarty"]
    assert exported("?archived=only") == ["Wygrany"]
    # The selected rows of a list that shows the archived ones are exported as selected.
    response = bulk(browser, "export", [won, open_lead])
    assert sorted(names(read_xlsx(response))) == ["Otwarty", "Wygrany"]


def test_an_archived_lead_is_not_reopened_until_unarchived(
    advisor, manager, failed, spam, won, english
):
    for lead in (failed, spam, won):
        lead_archive(lead=lead, user=manager)
        lead.refresh_from_db()
    with pytest.raises(ValidationError, match="archived; unarchive it first"):
        lead_reactivate(lead=failed, user=advisor)
    with pytest.raises(ValidationError, match="archived; unarchive it first"):
        lead_restore(lead=spam, user=manager)
    with pytest.raises(ValidationError, match="archived; unarchive it first"):
        lead_change_status(lead=won, status=status("oferta"), user=manager)
    assert Lead.objects.filter(archived_at__isnull=False, failed_at__isnull=False).count() == 1
    assert Lead.objects.get(pk=spam.pk).is_deleted


def test_bulk_archive_runs_each_lead_through_the_single_rules(advisor, won, open_lead, english):
    result = leads_archive(leads=[won, open_lead], user=advisor)
    assert result.changed == 1
    assert [(lead.name, reason) for lead, reason in result.refused] == [
        ("Otwarty", "Only a won, failed or deleted lead can be archived.")
    ]


def test_the_database_refuses_who_archived_without_when(advisor, won):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        Lead.objects.filter(pk=won.pk).update(archived_by=advisor)
    assert_violates(error.value, "lead_archived_by_only_when_archived")
