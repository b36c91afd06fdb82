"""manage.py bench_channels on a small data set: a Dovecot, gunicorn and Redis really run,
the emails made from the portals' fixtures are polled, the webhook is answered while no
worker runs, the rows are counted against what was sent, and the run cleans up after
itself."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from intake.models import RawMessage
from leads.models import Lead

SMALL = ("--leads", "300", "--clients", "100", "--branches", "2", "--advisors-per-branch", "3")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_channels_bench_polls_and_answers_webhooks_and_finds_nothing_lost_or_doubled(
    reference_data, tmp_path
):
    call_command("generate_bench_data", *SMALL, stdout=StringIO())
    leads_before = Lead.objects.count()
    out, saved = StringIO(), tmp_path / "figures.json"

    call_command(
        "bench_channels",
        *("--messages", "40", "--webhooks", "10", "--sample", "5", "--workers", "1"),
        # A Redis database of its own, which the bench empties (not the bench's default,
        # nor 11-14: the other benchmark and worker tests').
        "--redis-url=redis://127.0.0.1:6379/9",
        # A shared CI machine may be slow; what is lost or doubled still fails the run.
        "--allow-slow",
        f"--save={saved}",
        stdout=out,
    )

    output = out.getvalue()
    assert re.search(r"^data: [\d,]+ leads · [\d,]+ clients · \d+ raw log entries$", output, re.M)
    # Every portal's fixture is a template: none of them left out.
    assert re.search(r"^fixtures: .*; portals: .* \(8\)$", output, re.M)
    assert re.search(r"mailbox_poll: 40 messages in [\d.]+ s · [\d.]+ messages/s", output)
    # 10% junk, 5% replies, 10% people's own emails, the rest portals'.
    assert "outcomes: created 34 · appended 2 · junk 4 · error 0 · duplicate 0 · pending 0" in (
        output
    )
    assert "a second poll read 0: ok" in output
    assert re.search(r"queries: [\d.]+ per email \(5 more emails", output)
    assert re.search(r"answers: median [\d.]+ ms · p95 [\d.]+ ms · max [\d.]+ ms", output)
    # 10 deliveries timed after 3 that warm the one worker: 13 tasks, entries and leads.
    assert "the worker lags: 13 tasks waiting in Redis, 13 entries pending" in output
    assert "13 leads, one per delivery, none for a delivery sent again: ok" in output
    figures = json.loads(saved.read_text())
    assert figures["poll"]["outcomes"]["created"] == 34
    assert figures["webhook"]["leads"] == 13
    # The run deleted what it made: another run starts from the same data.
    assert Lead.objects.count() == leads_before
    assert not RawMessage.objects.exists()
