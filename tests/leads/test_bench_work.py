"""manage.py bench_work on tiny data: the setup loads the sizes asked for (once, however
often it runs, and --reset-work takes it all back), and the timing prints a figure line
for every page and the reminder sweep, or "missing" for a piece not built."""

from __future__ import annotations

import re
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.core.models import User
from leads.bench.work_data import heavy_lead, light_lead, marker
from leads.models import Activity, Document, Lead

LINES = (
    "lead detail",
    *(
        f"tab {tab}"
        for tab in (
            "clients", "contractors", "conversations", "surveys", "offers", "contracts",
            "documents", "history",
        )
    ),
    "my day",
)  # fmt: skip
NUMBER = r"\d+(?:\.\d+)?"
TIMES = rf"{NUMBER} +{NUMBER} +\d+  <\d+ "  # median, p95, cpu, target


def bench_work(*args: str) -> str:
    out = StringIO()
    call_command("bench_work", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.django_db
def test_bench_work_loads_the_asked_sizes_once_and_times_every_page(tmp_path, monkeypatch):
    call_command(
        "generate_bench_data", "--leads", "200", "--clients", "60", "--branches", "1",
        "--advisors-per-branch", "2", stdout=StringIO(),
    )  # fmt: skip
    conversations_before = Activity.objects.count()
    sizes = ("--conversations", "2000", "--open-leads", "150", "--due-in-window", "20")
    media = ("--media-root", str(tmp_path))

    output = bench_work("--setup", *sizes, *media, "--runs", "2")

    heavy = heavy_lead()
    advisor = User.objects.get(username=marker(heavy)["advisor"])
    assert Activity.objects.count() == 2000
    assert Lead.objects.open().filter(employees=advisor).count() == 150
    assert heavy.activities.count() == 200 and heavy.offers.count() == 20
    assert heavy.documents.count() == 50 and light_lead().documents.count() == 2
    assert len([path for path in tmp_path.rglob("*") if path.is_file()]) == 52
    assert "data: " in output and " · 2,000 conversations · " in output
    assert "200 conversations · " in output and " · 50 documents · " in output
    assert f"advisor {advisor.username}: 150 open leads" in output
    lines = output.splitlines()
    for label in LINES:
        line = next(line for line in lines if line.startswith(f"{label} "))
        assert re.search(rf"^{label} +200 +\d+ +\d* +\d+ +{TIMES}", line), line
    sweep = next(line for line in lines if line.startswith("reminder sweep "))
    found = re.search(rf" ok +\d+ .* {TIMES}.*\((\d+) reminders queued", sweep)
    assert found and int(found[1]) >= 20, sweep  # the 20 due, and any other falling due

    monkeypatch.setitem(sys.modules, "leads.services.reminders", None)  # not built yet
    with pytest.raises(CommandError, match=r"reminder sweep \(missing\)"):
        bench_work("--runs", "1", *media)
    missing = bench_work("--runs", "1", "--allow-missing", *media)
    assert re.search(r"^reminder sweep +missing .* FAIL", missing, re.MULTILINE), missing
    monkeypatch.undo()

    added = Lead.objects.filter(external_id__startswith="bench-work-").count()
    again = bench_work("--setup-only", *sizes, *media)

    assert "already has 150 open leads" in again
    assert Activity.objects.count() == 2000
    assert Lead.objects.filter(external_id__startswith="bench-work-").count() == added

    bench_work("--reset-work", *media)

    assert Activity.objects.count() == conversations_before
    assert not Document.objects.exists()
    assert not Lead.objects.filter(external_id__startswith="bench-work-").exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
