"""manage.py bench_privacy on tiny data: it prints the data sizes, a figure line for the
lead list filtered by a consent against the list's target, and the anonymisation of a
person with their leads, which it rolls back (the loaded data stay as they were)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from clients.models import Client
from leads.models import Lead


@pytest.mark.slow
@pytest.mark.django_db
def test_bench_privacy_times_the_consent_filter_and_an_anonymisation():
    call_command(
        "generate_bench_data", "--leads", "200", "--clients", "60", "--branches", "1",
        "--advisors-per-branch", "2", stdout=StringIO(),
    )  # fmt: skip
    out = StringIO()

    call_command(
        "bench_privacy", "--runs", "1", "--anonymise-runs", "1", "--person-leads", "3",
        stdout=out, stderr=out,
    )  # fmt: skip

    output = out.getvalue()
    assert re.search(r"^data: 200 leads · 60 clients · .* consent events · ", output, re.M)
    for label in ("list, page 1 ", "list: may be called ", "list: may be called (advisor)"):
        line = next(line for line in output.splitlines() if line.startswith(label))
        assert re.search(r" 200 +\d+ +[\d.]+ +[\d.]+ +\d+  <150 (PASS|FAIL)$", line), line
    assert re.search(
        r"^anonymise a person with 3 leads: median \d+ ms.* <2000 (PASS|FAIL)$", output, re.M
    )
    assert "3 leads, 1 client" in output
    # Rolled back: no person of the benchmark is left behind.
    assert Lead.objects.count() == 200 and Client.objects.count() == 60
