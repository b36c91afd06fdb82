"""Board entries: every lead's status, failure and deletion copied onto one row per employee,
kept true by each service that changes them, and what an advisor's board and the list's
employee filter read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import BoardEntry, FailureReason
from leads.services.board import board_entries_rebuild
from leads.services.bulk import leads_add_employee
from leads.services.editing import lead_create, lead_update
from leads.services.pipeline import lead_change_status, lead_mark_failed, lead_reactivate
from tests.factories import ClientFactory, LeadFactory, source, status

pytestmark = pytest.mark.django_db


def entries(lead) -> set[tuple]:
    return set(
        BoardEntry.objects.filter(lead=lead).values_list(
            "employee__username", "status__slug", "failed", "deleted"
        )
    )


def test_a_new_lead_has_an_entry_for_each_employee(advisor, teammate):
    lead = lead_create(user=advisor, source=source(), employees=[advisor, teammate])
    assert entries(lead) == {("doradca", "nowy", False, False), ("kolega", "nowy", False, False)}


def test_entries_follow_status_failure_and_reactivation(advisor):
    lead = lead_create(user=advisor, source=source())
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)
    assert entries(lead) == {("doradca", "oferta", False, False)}
    lead_mark_failed(lead=lead, reason=FailureReason.objects.first(), user=advisor)
    assert entries(lead) == {("doradca", "oferta", True, False)}
    lead_reactivate(lead=lead, user=advisor)
    assert entries(lead) == {("doradca", "oferta", False, False)}


def test_entries_follow_the_employees_of_the_lead_form(advisor, teammate):
    lead = lead_create(user=advisor, source=source())
    data = {
        "name": lead.name,
        "source": lead.source,
        "clients": [],
        "contractors": [],
        "investments": [],
        "employees": [teammate],
    }
    lead_update(lead=lead, user=advisor, data=data, expected_updated_at=lead.updated_at)
    assert entries(lead) == {("kolega", "nowy", False, False)}


def test_a_bulk_assignment_adds_the_entry(advisor, teammate):
    lead = lead_create(user=advisor, source=source())
    leads_add_employee(leads=[lead], employee=teammate, user=advisor)
    assert entries(lead) == {("doradca", "nowy", False, False), ("kolega", "nowy", False, False)}


def test_a_rebuild_writes_the_same_entries_the_services_kept(advisor, teammate):
    kept = lead_create(user=advisor, source=source(), employees=[advisor, teammate])
    lead_mark_failed(lead=kept, reason=FailureReason.objects.first(), user=advisor)
    other = lead_create(user=teammate, source=source())
    before = entries(kept) | entries(other)
    assert board_entries_rebuild() == 3
    assert entries(kept) | entries(other) == before


def test_an_advisors_board_counts_their_own_leads_only(client, advisor, teammate):
    for _ in range(2):
        LeadFactory(status=status("nowy"), branch=advisor.branch, employees=[advisor])
    in_offer = LeadFactory(status=status("oferta"), branch=advisor.branch, employees=[advisor])
    LeadFactory(status=status("nowy"), branch=advisor.branch, employees=[teammate])
    failed = LeadFactory(status=status("oferta"), branch=advisor.branch, employees=[advisor])
    lead_mark_failed(lead=failed, reason=FailureReason.objects.first(), user=advisor)
    client.force_login(advisor)
    response = client.get(reverse("leads:kanban"), {"show_failed": "1"})
    counts = {column.key: column.count for column in response.context["board"].columns}
    assert counts[status("nowy").pk] == 2
    assert counts[status("oferta").pk] == 1
    assert counts[0] == 1  # the failed column
    oferta = next(c for c in response.context["board"].columns if c.key == status("oferta").pk)
    assert [card.pk for card in oferta.cards] == [in_offer.pk]


# session, user, statuses, one grouped count, the cards of 9 columns, three prefetches, the
# cards' next steps, the filter bar's status, source, employee and investment choices, the
# saved views' menu.
ADVISOR_BOARD_QUERIES = 2 + 1 + 1 + 9 + 3 + 1 + 4 + 1


@pytest.mark.parametrize("total", [3, 30])
def test_an_advisors_board_query_count_does_not_grow(
    client, advisor, total, django_assert_num_queries
):
    for n in range(total):
        LeadFactory(
            name=f"Sprawa {n}",
            status=status(("nowy", "oferta", "umowa")[n % 3]),
            branch=advisor.branch,
            employees=[advisor],
            clients=[ClientFactory(branch=advisor.branch)],
        )
    client.force_login(advisor)
    with django_assert_num_queries(ADVISOR_BOARD_QUERIES):
        response = client.get(reverse("leads:kanban"))
    assert sum(column.count for column in response.context["board"].columns) == total


def test_the_list_filtered_by_status_and_employee_shows_just_those_leads(
    client, manager, advisor, teammate
):
    wanted = LeadFactory(
        name="Oferta Anny", status=status("oferta"), branch=advisor.branch, employees=[advisor]
    )
    LeadFactory(name="Nowy Anny", status=status("nowy"), branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Oferta Piotra", status=status("oferta"), branch=advisor.branch, employees=[teammate]
    )
    client.force_login(manager)
    response = client.get(
        reverse("leads:list"), {"status": status("oferta").pk, "employee": advisor.pk}
    )
    assert [row.record.pk for row in response.context["table"].page.object_list] == [wanted.pk]
    assert response.context["total"] == 1
