"""Repeat customers per month."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from leads.models import Lead
from leads.selectors import of_returning_customer
from leads.services.figures import lead_figures_rebuild
from tests.factories import ClientFactory, LeadFactory, status

from .conftest import PERIOD, at

pytestmark = pytest.mark.django_db

URL = reverse("reports:repeat")


def test_share_of_repeat_leads_and_returning_customers_per_month(client, manager, report_data):
    client.force_login(manager)
    response = client.get(URL, PERIOD)
    (table,) = response.context["tables"]
    # January: L1, L2 (a repeat lead); February: L4 (L3 deleted); March: L5 (its client
    # has the won L2: a returning customer), L6.
    assert table.values() == [
        ["01.2026", 2, 1, 50.0, 0, 0.0],
        ["02.2026", 1, 0, 0.0, 0, 0.0],
        ["03.2026", 2, 0, 0.0, 1, 50.0],
    ]
    lines = response.context["charts"][0]["lines"]
    assert [[p["value"] for p in line["points"]] for line in lines] == [
        [50.0, 0.0, 0.0],
        [0.0, 0.0, 50.0],
    ]


def test_months_without_leads_show_no_share(client, other_manager, report_data):
    client.force_login(other_manager)
    (table,) = client.get(URL, PERIOD).context["tables"]
    assert table.values() == [
        ["01.2026", 1, 0, 0.0, 0, 0.0],
        ["02.2026", 0, 0, None, 0, None],
        ["03.2026", 0, 0, None, 0, None],
    ]


def test_query_count(client, manager, advisor, report_data, counting, django_assert_num_queries):
    client.force_login(manager)
    # A new lead in February: with tallies, that month is counted row by row beside them.
    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, 1)))
    client.get(URL, PERIOD)
    # Session, user, form choices (4), the report's work_mem, the tallied months, the
    # monthly count. From tallies: also the months' change marks and the tallies' count.
    with django_assert_num_queries({"rows": 9, "tallies": 11}[counting]):
        client.get(URL, PERIOD)


def test_returning_customer_mark_matches_the_lead_list_definition(advisor, report_data):
    """The leads' stored "returning customer" mark, which the report counts, is exactly
    what `leads.selectors.of_returning_customer()` computes, whichever leads are won."""
    customer = report_data["L2"].clients.get()
    third = LeadFactory(branch=advisor.branch, status=status("umowa"), clients=[customer])
    lone = LeadFactory(branch=advisor.branch, status=status("umowa"), clients=[ClientFactory()])
    lead_figures_rebuild()
    expected = set(Lead.objects.filter(of_returning_customer()).values_list("pk", flat=True))
    assert expected == {report_data["L2"].pk, report_data["L5"].pk, third.pk}
    assert lone.pk not in expected
    marked = Lead.objects.filter(of_returning_customer=True).values_list("pk", flat=True)
    assert set(marked) == expected
