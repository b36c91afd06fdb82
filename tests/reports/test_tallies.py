"""The reports' monthly tallies: every change of a lead marks its branch's month, a fold
counts the marked months again, and a report reads the same numbers from the tallies as
from the leads, also between a change and the next fold."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from leads.models import FailureReason, IntakeOutcome, Lead
from leads.services.pipeline import lead_mark_failed
from reports.filters import ReportFilterForm
from reports.models import AdvisorTally, LeadTally, TalliedSlice, TallyChange
from reports.periods import months_between
from reports.selectors import advisor_stats, failure_reasons, funnel_steps, repeat_by_month
from reports.selectors.counting import CountedLeads, counted_leads
from reports.selectors.sources import source_months, source_summary
from reports.tallies import (
    LEAD_TALLY_FIELDS,
    marked_slices,
    report_tallies_fold,
    report_tallies_rebuild,
)
from tests.factories import (
    BranchFactory,
    InvestmentFactory,
    LeadFactory,
    UserFactory,
    source,
    status,
)

from .conftest import PERIOD, at


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_a_new_lead_marks_its_branch_and_local_month(advisor):
    # 00:30 on 1 April in Warsaw is still 31 March in UTC: the month is April.
    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=local(2026, 4, 1, 0, 30))

    assert marked_slices() == {(advisor.branch_id, date(2026, 4, 1))}


def test_a_fold_counts_the_marked_months_and_clears_their_marks(advisor, teammate, outsider):
    for day, employee in [(3, advisor), (4, teammate), (5, advisor)]:
        LeadFactory(branch=advisor.branch, employees=[employee], created_at=at(date(2026, 1, day)))
    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, 1)))
    LeadFactory(branch=outsider.branch, employees=[outsider], created_at=at(date(2026, 1, 9)))

    assert report_tallies_fold() == 3

    assert marked_slices() == set()
    assert set(TalliedSlice.objects.values_list("branch_id", "month")) == {
        (advisor.branch_id, date(2026, 1, 1)),
        (advisor.branch_id, date(2026, 2, 1)),
        (outsider.branch_id, date(2026, 1, 1)),
    }
    january = LeadTally.objects.filter(branch=advisor.branch, month=date(2026, 1, 1))
    assert january.aggregate(n=Sum("count"))["n"] == 3
    by_advisor = dict(
        AdvisorTally.objects.filter(branch=advisor.branch, month=date(2026, 1, 1))
        .values_list("user_id")
        .annotate(n=Sum("count"))
    )
    assert by_advisor == {advisor.pk: 2, teammate.pk: 1}
    # Nothing changed since: nothing to count.
    assert report_tallies_fold() == 0


def test_changes_through_services_and_links_mark_the_month_again(advisor, teammate):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 1, 5)))
    report_tallies_fold()

    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    assert marked_slices() == {(advisor.branch_id, date(2026, 1, 1))}
    report_tallies_fold()
    failed = LeadTally.objects.get(branch=advisor.branch, month=date(2026, 1, 1))
    assert failed.failure_reason.name == "Cena"

    lead.employees.add(teammate)
    assert marked_slices() == {(advisor.branch_id, date(2026, 1, 1))}
    report_tallies_fold()
    assert set(AdvisorTally.objects.values_list("user_id", flat=True)) == {
        advisor.pk,
        teammate.pk,
    }


def test_a_lead_moved_to_another_branch_marks_both_months(advisor, outsider):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 1, 5)))
    report_tallies_fold()

    Lead.objects.filter(pk=lead.pk).update(branch=outsider.branch)

    assert marked_slices() == {
        (advisor.branch_id, date(2026, 1, 1)),
        (outsider.branch_id, date(2026, 1, 1)),
    }
    report_tallies_fold()
    assert LeadTally.objects.get().branch_id == outsider.branch_id


def test_a_report_shows_a_change_before_the_next_fold(client, manager, advisor, report_data):
    url = reverse("reports:sources")
    client.force_login(manager)
    before = client.get(url, PERIOD).context["tables"][0]

    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, 2)))
    lead_mark_failed(
        lead=report_data["L5"], reason=FailureReason.objects.get(name="Cena"), user=advisor
    )

    after = client.get(url, PERIOD).context["tables"][0]
    assert after.total[1].value == before.total[1].value + 1  # leads
    failed = [str(column.header) for column in after.columns].index("Failed")
    assert after.total[failed].value == before.total[failed].value + 1


# Periods on and off month boundaries, and each filter the tallies take; whether some of
# the numbers come from tallies (when there are any).
CASES = [
    ("administrator", {}, True),
    ("administrator", {"date_from": "2025-12-01", "date_to": "2026-02-28"}, True),
    # December 20 (L8) and February 10 and 12 (L3, L4) lie outside the whole months.
    ("administrator", {"date_from": "2025-12-10", "date_to": "2026-02-20"}, True),
    ("administrator", {"date_from": "2026-01-10", "date_to": "2026-01-25"}, False),
    ("administrator", {"branch": "other"}, True),
    ("manager", {}, True),
    ("manager", {"date_from": "2026-01-20", "date_to": "2026-12-31"}, True),
    ("manager", {"source": "www"}, True),
]


@pytest.mark.parametrize(("who", "filters", "tallied"), CASES)
def test_tallies_give_the_numbers_of_counting_every_lead(
    who, filters, tallied, manager, administrator, outsider, report_data, counting
):
    user = {"manager": manager, "administrator": administrator}[who]
    data = {**PERIOD, **filters}
    if data.get("branch") == "other":
        data["branch"] = outsider.branch_id
    if data.get("source"):
        data["source"] = source(data["source"]).pk
    # A change after the fold, too: its month (March) is counted lead by lead.
    LeadFactory(branch=manager.branch, source=source("www"), created_at=at(date(2026, 3, 3)))
    form = ReportFilterForm(data, user=user)
    assert form.is_valid(), form.errors
    counted = counted_leads(form)
    every_lead = CountedLeads(leads=form.leads(), rows=form.leads())
    months = months_between(*form.period)

    def report(counted: CountedLeads) -> list:
        return [
            sorted(source_summary(counted), key=lambda row: row["source_id"]),
            source_months(counted, months=months),
            funnel_steps(counted),
            failure_reasons(counted),
            advisor_stats(counted),
            repeat_by_month(counted, months=months),
        ]

    assert report(counted) == report(every_lead)
    assert (counted.tallies is not None) == (counting == "tallies" and tallied)


def test_an_advisor_and_an_investment_filter_count_every_lead(
    advisor, manager, report_data, counting
):
    assert counted_leads(ReportFilterForm(PERIOD, user=advisor)).tallies is None
    investment = InvestmentFactory()
    form = ReportFilterForm({**PERIOD, "investment": investment.pk}, user=manager)
    assert counted_leads(form).tallies is None


def test_rebuild_counts_every_month_even_unmarked_ones(advisor, report_data, counting):
    # Leads loaded with the triggers off leave no marks: only a rebuild finds them.
    TalliedSlice.objects.all().delete()
    LeadTally.objects.all().delete()

    call_command("report_tallies", "--rebuild")

    assert TalliedSlice.objects.count() == 5
    per_slice = LeadTally.objects.values("branch_id", "month").annotate(n=Sum("count"))
    assert sum(row["n"] for row in per_slice) == Lead.objects.count()
    assert report_tallies_rebuild() == 5


def test_each_tally_row_is_the_count_of_its_leads(advisor, teammate):
    branch = BranchFactory()
    people = [UserFactory(branch=branch) for _ in range(3)]
    for n in range(40):
        LeadFactory(
            branch=branch,
            employees=[people[n % 3]] + ([people[(n + 1) % 3]] if n % 5 == 0 else []),
            source=source("www" if n % 2 else "facebook"),
            status=status("oferta" if n % 4 == 0 else "nowy"),
            intake_outcome=IntakeOutcome.LINKED if n % 3 == 0 else IntakeOutcome.NEW,
            created_at=at(date(2026, 1 + n % 3, 1 + n % 27)),
        )
    report_tallies_fold()

    leads = Lead.objects.filter(branch=branch)
    assert LeadTally.objects.filter(branch=branch).aggregate(n=Sum("count"))["n"] == 40
    for tally in LeadTally.objects.filter(branch=branch):
        same = leads.filter(
            created_at__year=tally.month.year,
            created_at__month=tally.month.month,
            **{field: getattr(tally, field) for field in LEAD_TALLY_FIELDS},
        )
        assert tally.count == same.count() > 0
    links = Lead.employees.through.objects.filter(lead__branch=branch)
    per_person = dict(links.values_list("user_id").annotate(n=Count("lead")))
    tallied = dict(
        AdvisorTally.objects.filter(branch=branch).values_list("user_id").annotate(n=Sum("count"))
    )
    assert tallied == per_person


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_change_not_yet_committed_during_a_fold_keeps_its_mark(reference_data, branch):
    """The fold deletes the marks it can see, then counts: a change committing later
    leaves its mark behind, so the next report counts that month lead by lead."""
    advisor = UserFactory(branch=branch)
    first, second = (
        LeadFactory(branch=branch, employees=[advisor], created_at=at(date(2026, 1, day)))
        for day in (5, 6)
    )
    report_tallies_fold()
    changed, fold_done = threading.Event(), threading.Event()

    def change_in_another_transaction() -> None:
        try:
            with transaction.atomic():
                Lead.objects.filter(pk=first.pk).update(name="Zmieniony")
                changed.set()  # marked, not committed yet
                fold_done.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=change_in_another_transaction)
    other.start()
    assert changed.wait(10)
    Lead.objects.filter(pk=second.pk).update(status=status("oferta"))  # committed: counted
    assert report_tallies_fold() == 1
    assert LeadTally.objects.get(status=status("oferta")).count == 1
    fold_done.set()
    other.join(10)

    assert marked_slices() == {(branch.pk, date(2026, 1, 1))}


def test_beat_folds_the_tallies_every_minute_on_the_heavy_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["fold-report-tallies"]
    assert entry["task"] == "reports.tasks.run_report_tallies_fold"
    assert entry["schedule"] == 60.0
    assert entry["task"] in settings.LEJEK_HEAVY_TASKS


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data", "celery_worker")
def test_a_worker_folds_the_changed_months(branch):
    from reports.tasks import run_report_tallies_fold

    advisor = UserFactory(branch=branch)
    LeadFactory(branch=branch, employees=[advisor], created_at=at(date(2026, 1, 5)))

    run_report_tallies_fold.delay()

    deadline = time.monotonic() + 30
    while marked_slices() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked_slices() == set()
    assert TalliedSlice.objects.filter(branch=branch, month=date(2026, 1, 1)).exists()
    assert LeadTally.objects.get(branch=branch).count == 1


def test_migrating_a_database_with_leads_marks_all_their_months(advisor, outsider):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2025, 6, 30)))
    LeadFactory(branch=outsider.branch, employees=[outsider], created_at=at(date(2026, 1, 2)))
    TallyChange.objects.all().delete()  # as if the leads were there before the triggers

    migration = import_module("reports.migrations.0003_mark_existing_months")
    with connection.schema_editor() as schema_editor:
        migration.mark_existing_months(apps, schema_editor)

    assert marked_slices() == {
        (advisor.branch_id, date(2025, 6, 1)),
        (outsider.branch_id, date(2026, 1, 1)),
    }
    assert report_tallies_fold() == 2
