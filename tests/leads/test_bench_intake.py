"""manage.py bench_intake on a small data set: gunicorn, wrk, a Celery worker and an SMTP
sink really run, the rows are counted against the answers and every figure is printed."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from leads.models import IntakeReceipt, Lead

SMALL = ("--leads", "300", "--clients", "100", "--branches", "2", "--advisors-per-branch", "3")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_intake_bench_runs_every_phase_and_finds_nothing_lost_or_duplicated(reference_data):
    call_command("generate_bench_data", *SMALL, stdout=StringIO())
    out = StringIO()

    call_command(
        "bench_intake",
        *("--duration", "2", "--connections", "4"),
        *("--retry-rounds", "1", "--retry-concurrency", "5"),
        *("--mail-count", "10", "--mail-rate", "20", "--candidates", "5"),
        # A Redis database of its own, which the bench empties: not the bench's default (a
        # developer's run) nor 13 and 14 (the Celery worker tests').
        "--redis-url=redis://127.0.0.1:6379/11",
        stdout=out,
    )

    output = out.getvalue()
    assert re.search(r"new person +201 created +\d+ queries", output)
    assert re.search(r"\d+\.\d leads/s", output)
    assert re.search(r"latency p50 [\d.]+ · p90 [\d.]+ · p99 [\d.]+", output)
    assert "lost 0 · duplicated 0" in output
    assert "answers naming one lead: yes · ok" in output
    assert re.search(r"intake → email: 10 inquiries .* 10 emails, 0 missing, 0 twice", output)
    assert re.search(r"candidates: client_candidates of \d+ leads", output)
    # What the load stored is there: one lead per receipt, each with its employee.
    run_leads = Lead.objects.filter(source__slug="bench-intake", external_id__regex=r"-\d+-\d+$")
    assert run_leads.count() > 0
    assert run_leads.count() == IntakeReceipt.objects.filter(lead__in=run_leads).count()
    assert not run_leads.filter(employees__isnull=True).exists()
