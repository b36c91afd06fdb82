"""Archived leads still count: archiving takes a closed lead off the everyday list, not out
of the numbers (issue 19, §3). Every report of the data set reads the same after the won
lead (L2), the deleted inquiry (L3) and the failed lead (L4) are archived."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.services.archive import lead_archive

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

REPORTS = ["reports:funnel", "reports:sources"]


def _numbers(client, name: str) -> list[list]:
    response = client.get(reverse(name), PERIOD)
    assert response.status_code == 200
    return [table.values() for table in response.context["tables"]]


@pytest.mark.parametrize("name", REPORTS)
def test_archiving_closed_leads_changes_no_report_number(client, manager, report_data, name):
    client.force_login(manager)
    before = _numbers(client, name)
    assert before and any(before)

    for key in ("L2", "L3", "L4"):
        lead_archive(lead=report_data[key], user=manager)

    assert _numbers(client, name) == before


def test_the_funnel_counts_an_archived_won_lead_as_won(client, manager, report_data):
    lead_archive(lead=report_data["L2"], user=manager)
    client.force_login(manager)
    steps = _numbers(client, "reports:funnel")[0]
    # L2 is the one lead that reached "Umowa" (won), archived or not.
    assert steps[-1] == ["Umowa", 1, 100.0]
