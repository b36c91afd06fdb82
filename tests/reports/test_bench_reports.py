"""manage.py bench_reports on tiny data: the setup tops the conversations up to the size
asked for and gives the leads their first-conversation and client-created events (once,
however often it runs) and counts every month into the reports' tallies; the timing
prints a figure line for every report page, every export and the import, whose counts add
up to the rows of its file."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from leads.models import Activity, ImportBatch, LeadEvent, LeadEventKind
from reports.models import TalliedSlice

REPORTS = ("sources", "funnel", "response times", "repeat")
LINES = (
    *(f"{report} ({who})" for report in REPORTS for who in ("manager", "admin")),
    *(f"{report} xlsx (admin)" for report in REPORTS),
)
NUMBER = r"\d+(?:\.\d+)?"
TIMES = rf"\d+ +{NUMBER} +{NUMBER} +\S+  (?:<\d+|—) "  # runs, median, p95, cpu, target


def bench_reports(*args: str) -> str:
    out = StringIO()
    call_command("bench_reports", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the import's dry run and run start on commit
@pytest.mark.usefixtures("reference_data")
def test_bench_reports_sets_up_the_events_and_times_every_report_and_the_import():
    call_command(
        "generate_bench_data", "--leads", "200", "--clients", "60", "--branches", "1",
        "--advisors-per-branch", "2", stdout=StringIO(),
    )  # fmt: skip

    output = bench_reports(
        "--setup", "--conversations", "1500", "--import-rows", "100", "--runs", "1"
    )

    assert Activity.objects.count() == 1500
    first_calls = LeadEvent.objects.filter(kind=LeadEventKind.FIRST_PHONE).count()
    assert (
        first_calls
        == Activity.objects.filter(kind="phone", done_at__isnull=False)
        .values("lead")
        .distinct()
        .count()
    )
    assert LeadEvent.objects.filter(kind=LeadEventKind.CLIENT_CREATED).exists()
    # Every month counted into the tallies, then one lead changed in 3 of them.
    months = TalliedSlice.objects.count()
    assert months >= 3
    assert f"  tallies: {months} branch months counted in " in output
    assert f"tallies: {months} branch months counted, 3 changed since" in output
    assert re.search(r"^data: [\d,]+ leads · 1,500 conversations · 60 clients", output, re.M)
    lines = output.splitlines()
    for label in LINES:
        line = next(line for line in lines if line.startswith(f"{label} "))
        assert re.search(rf"^{re.escape(label)} +200 +\d+ +{TIMES}", line), line
    assert re.search(r"^sources xlsx \(admin\) .* <3000 (PASS|FAIL)$", output, re.M)
    line = next(line for line in lines if line.startswith("import 100 rows "))
    assert re.search(rf" done +\d+ +1 +{NUMBER} +{NUMBER} +— +<60000 (PASS|FAIL)$", line), line
    batch = ImportBatch.objects.get()
    assert batch.rows_total == 100 and batch.rows_imported > 0
    counts = (batch.rows_new, batch.rows_linked, batch.rows_duplicate_file, batch.rows_error)
    assert sum(counts) + batch.rows_duplicate_db == 100
    assert batch.rows_duplicate_file == 5 and batch.rows_error == 5
    assert "import counts: 100 total · " in output

    again = bench_reports("--setup-only", "--conversations", "1500")

    assert "conversations: 0 rows" in again and "first-conversation events: 0 rows" in again
