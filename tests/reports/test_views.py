"""The first report page counts only what the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import LeadFactory, source

pytestmark = pytest.mark.django_db


def test_report_by_source_counts_only_visible_leads(client, advisor, outsider):
    LeadFactory(branch=advisor.branch, employees=[advisor], source=source("facebook"))
    LeadFactory(branch=advisor.branch, employees=[advisor], source=source("facebook"))
    LeadFactory(branch=outsider.branch, employees=[outsider], source=source("obido"))
    client.force_login(advisor)
    response = client.get(reverse("reports:index"))
    rows = {row["source__name"]: row["total"] for row in response.context["sources"]}
    assert rows == {"Facebook": 2}


def test_manager_report_covers_the_branch(client, manager, advisor, teammate, outsider):
    LeadFactory(branch=advisor.branch, employees=[advisor])
    LeadFactory(branch=advisor.branch, employees=[teammate])
    LeadFactory(branch=outsider.branch, employees=[outsider])
    client.force_login(manager)
    response = client.get(reverse("reports:index"))
    assert sum(row["total"] for row in response.context["sources"]) == 2


def test_a_report_counts_with_room_to_sort_and_without_jit(transactional_db):
    from django.db import connection

    from reports.views.base import REPORT_WORK_MEM, report_queries

    with report_queries(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        assert cursor.fetchone() == (REPORT_WORK_MEM, "off")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone() == ("on",)  # for the report's transaction only
