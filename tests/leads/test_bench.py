"""manage.py generate_bench_data and manage.py bench on a small data set: the data obey
every rule the application's own writes obey, and the benchmark prints its figures."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from clients.models import Client
from consents.models import Action, ConsentEvent, ConsentState, Kind, Source
from crm.core.models import Branch, Role, User
from investments.models import Unit, UnitStatus
from leads.bench.data import BENCH_PASSWORD
from leads.models import Activity, Contract, IntakeOutcome, Lead, Reservation, UnitHold


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_bench_data", *args, stdout=out)
    return out.getvalue()


SMALL = ("--leads", "300", "--clients", "100", "--branches", "2", "--advisors-per-branch", "3")


@pytest.mark.django_db
def test_generated_data_has_the_asked_sizes_and_a_team_per_branch():
    output = generate(*SMALL)

    assert Lead.objects.count() == 300
    assert Client.objects.count() == 100
    assert "leads: 300 rows" in output and "clients: 100 rows" in output
    branches = Branch.objects.filter(name__startswith="Bench ")
    assert branches.count() == 2
    for branch in branches:
        roles = sorted(User.objects.filter(branch=branch).values_list("role", flat=True))
        assert roles == [Role.ADVISOR] * 3 + [Role.MANAGER]
    administrator = User.objects.get(username="bench-administrator")
    assert administrator.role == Role.ADMINISTRATOR
    assert administrator.check_password(BENCH_PASSWORD)
    assert User.objects.get(username="bench-2-doradca-03").check_password(BENCH_PASSWORD)
    assert User.objects.get(username="bench-1-doradca-01").groups.filter(name="Doradca").exists()


@pytest.mark.django_db
def test_generated_clients_pass_the_models_validation_with_true_lookup_columns():
    generate(*SMALL)

    for n, client in enumerate(Client.objects.all()):
        stored = (
            client.email_normalized,
            client.phone_e164,
            client.first_name_folded,
            client.last_name_folded,
            client.company_name_folded,
        )
        assert client.email or client.phone
        client.clean()  # recomputes the lookup columns
        if n % 5 == 0:
            client.full_clean()  # field validators too (PESEL checksum, email), on a sample
        assert stored == (
            client.email_normalized,
            client.phone_e164,
            client.first_name_folded,
            client.last_name_folded,
            client.company_name_folded,
        )
    assert Client.objects.exclude(phone="").values("phone_e164").distinct().count() == (
        Client.objects.exclude(phone="").count()
    )
    assert Client.objects.filter(last_name__regex=r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]").exists()


@pytest.mark.django_db
def test_generated_leads_have_employees_and_clients_of_their_own_branch():
    generate(*SMALL)

    leads = Lead.objects.annotate(employee_count=Count("employees", distinct=True))
    assert not leads.filter(employee_count=0).exists()
    for n, lead in enumerate(Lead.objects.prefetch_related("employees", "clients")):
        if n % 10 == 0:
            lead.full_clean()  # fields and the model's constraints, on a sample
        assert {user.branch_id for user in lead.employees.all()} == {lead.branch_id}
        if lead.intake_outcome == IntakeOutcome.DELETED:
            assert lead.deletion_reason_id and not lead.clients.all()
        else:
            assert 1 <= len(lead.clients.all()) <= 2
            assert {client.branch_id for client in lead.clients.all()} == {lead.branch_id}
    assert Lead.investments.through.objects.exists()
    assert Lead.objects.filter(failed_at__isnull=False, failure_reason__isnull=False).exists()
    assert Lead.objects.filter(status__is_won=True, closed_at__isnull=False).exists()
    assert Lead.objects.filter(is_repeat=True).exists()
    assert Activity.objects.filter(done_at__isnull=True, lead__failed_at__isnull=True).exists()
    assert Activity.objects.filter(done_at__isnull=False).exists()


@pytest.mark.django_db
def test_history_of_a_sample_of_leads_ends_in_their_present_state():
    generate(*SMALL)

    history = Lead.history.model.objects
    lead_ids = set(history.values_list("id", flat=True))
    assert lead_ids
    for lead in Lead.objects.filter(pk__in=lead_ids):
        records = list(lead.history.order_by("history_date", "history_id"))
        assert records[0].history_type == "+"
        assert records[-1].status_id == lead.status_id
        assert records[-1].failed_at == lead.failed_at
        assert {c.client_id for c in records[-1].clients.all()} == set(
            lead.clients.values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_every_won_lead_has_its_signed_contract_for_sold_units_it_holds():
    generate(*SMALL)

    call_command("lead_integrity_check", stdout=StringIO())  # CommandError on any finding
    won = (
        Lead.objects.filter(status__is_won=True)
        .select_related("status")
        .prefetch_related(
            "clients", "employees", "investments", "contracts__clients", "contracts__units__hold"
        )
    )
    assert len(won) >= 5
    for lead in won:
        contracts = [c for c in lead.contracts.all() if c.cancelled_at is None]
        assert len(contracts) == 1, lead
        contract = contracts[0]
        contract.full_clean()
        units = list(contract.units.all())
        assert units
        assert {unit.investment_id for unit in units} <= {i.pk for i in lead.investments.all()}
        for unit in units:
            unit.full_clean()  # area, price, number unique in its investment
            assert unit.status == UnitStatus.SOLD
            assert unit.hold.contract_id == contract.pk and unit.hold.reservation_id is None
        assert set(contract.clients.all()) == set(lead.clients.all()) != set()
        assert contract.created_by in lead.employees.all()
        assert contract.created_at == lead.closed_at
        signed_from = timezone.localdate(lead.created_at)
        assert signed_from <= contract.signed_at <= timezone.localdate(lead.closed_at)
        # The report figures computed after the load still say what the lead reached.
        assert lead.furthest_status_order == lead.status.order
        assert lead.has_reservation == lead.reservations.exists()
    assert Contract.objects.count() == len(won)
    assert UnitHold.objects.count() == Unit.objects.filter(status=UnitStatus.SOLD).count()
    assert Unit.objects.filter(status=UnitStatus.AVAILABLE, hold__isnull=True).exists()
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_generated_consents_are_a_register_whose_states_follow_the_newest_events():
    generate(*SMALL)

    events = ConsentEvent.objects.all()
    clients_with_inquiry_basis = events.filter(kind=Kind.INQUIRY, client__isnull=False)
    assert clients_with_inquiry_basis.values("client").distinct().count() == 100
    for kind in (Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE, Kind.MARKETING_SMS):
        assert events.filter(kind=kind, action=Action.GIVEN).exists(), kind
    assert events.filter(action=Action.WITHDRAWN).exists()
    form = events.filter(source=Source.PUBLIC_FORM, kind=Kind.MARKETING_EMAIL).first()
    assert form.evidence["url"].startswith("https://")
    assert form.evidence["ip"].startswith("203.0.113.")
    assert "Mozilla" in form.evidence["user_agent"]
    # A portal's inquiry implies no marketing consent: an employee recorded each one.
    assert not events.filter(kind__startswith="marketing", source=Source.PORTAL).exists()
    # The inquiries' contacts without a client (spam) have their own states.
    assert ConsentState.objects.filter(client__isnull=True, lead__isnull=False).exists()
    assert ConsentState.objects.count() == (
        events.values("client", "kind").filter(client__isnull=False).distinct().count()
        + events.values("lead", "kind").filter(client__isnull=True).distinct().count()
    )
    for state in ConsentState.objects.select_related("event"):
        if state.client_id:
            person = events.filter(client_id=state.client_id)
        else:
            person = events.filter(lead_id=state.lead_id, client__isnull=True)
        newest = person.filter(kind=state.kind).order_by("-at", "-id").first()
        assert state.event == newest
        assert state.granted == (newest.action == Action.GIVEN)
    for event in events.filter(action=Action.GIVEN).select_related("clause")[:50]:
        assert event.clause.kind == event.kind and event.clause.active


@pytest.mark.django_db
def test_a_second_load_and_a_reset_leave_leads_contracts_and_units_agreeing(monkeypatch):
    tiny = ("--leads", "150", "--clients", "50", "--branches", "1", "--advisors-per-branch", "2")
    generate(*tiny)
    sold_before = set(Unit.objects.filter(status=UnitStatus.SOLD).values_list("pk", flat=True))

    generate(*tiny, "--seed", "7")  # adds to what is there: free units sold first

    call_command("lead_integrity_check", stdout=StringIO())
    sold = set(Unit.objects.filter(status=UnitStatus.SOLD).values_list("pk", flat=True))
    assert sold > sold_before
    assert Contract.objects.count() == Lead.objects.filter(status__is_won=True).count()

    monkeypatch.setitem(connection.settings_dict, "NAME", "lejek_bench_tests")
    generate(*tiny, "--seed", "8", "--reset")

    call_command("lead_integrity_check", stdout=StringIO())
    assert Unit.objects.filter(status=UnitStatus.SOLD).count() == UnitHold.objects.count()


@pytest.mark.django_db
def test_reset_is_refused_on_a_database_not_named_for_benching(monkeypatch):
    generate("--leads", "20", "--clients", "10", "--branches", "1", "--advisors-per-branch", "1")
    monkeypatch.setitem(connection.settings_dict, "NAME", "lejek_production")

    with pytest.raises(CommandError, match="bench"):
        generate("--leads", "20", "--clients", "10", "--reset")

    assert Lead.objects.count() == 20


FIGURE_LINES = (
    "list, page 1 ",
    "list, page 1 (advisor)",
    "list, 100 rows",
    "list: status + employee",
    "grid, page 1 ",
    "grid, page 1 (advisor)",
    "search phone ",
    "kanban ",
    "detail ",
    "history tab ",
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_bench_prints_a_figure_line_per_page_and_the_export():
    # The export runs in a child process, which sees only committed rows.
    generate("--leads", "200", "--clients", "60", "--branches", "1", "--advisors-per-branch", "2")
    out = StringIO()

    call_command(
        "bench", "--runs", "1", "--export-runs", "1", "--export-rows", "50", stdout=out, stderr=out
    )

    output = out.getvalue()
    assert "data: 200 leads · 60 clients" in output
    lines = output.splitlines()
    for label in FIGURE_LINES:
        line = next(line for line in lines if line.startswith(label))
        assert " 200 " in line, line  # HTTP status
        assert "—" not in line, line  # timed
    assert "export 50 of 50 rows as bench-1-kierownik" in output
    assert "peak RSS" in output
