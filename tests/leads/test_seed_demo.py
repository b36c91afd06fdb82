"""manage.py seed_demo: a coherent demo data set, created once however often it is run."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum.pl import nip, regon

from clients.models import Client, ClientKind, Contractor, LeadSource
from crm.core.models import Branch, Role, User
from crm.core.normalization import fold_name, normalize_email, normalize_phone
from crm.core.services import ROLE_GROUPS
from investments.models import Investment, Unit, UnitKind, UnitStatus
from leads.models import IntakeOutcome, Lead, LeadStatus
from leads.selectors import leads_visible_to

LOGINS = {
    "administrator": ("lejek-admin-2026", Role.ADMINISTRATOR),
    "kierownik": ("lejek-kierownik-2026", Role.MANAGER),
    "doradca1": ("lejek-doradca-2026", Role.ADVISOR),
    "doradca2": ("lejek-doradca-2026", Role.ADVISOR),
    "doradca3": ("lejek-doradca-2026", Role.ADVISOR),
}


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the whole module, inside a transaction rolled back when the module is
    done: seeding takes seconds, and every test here only reads the data (anything a test
    writes is rolled back to a savepoint by pytest-django as usual)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):  # the command refuses to seed with DEBUG off
            output = seed_demo()
        yield output
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    models = (Branch, User, Investment, Unit, Client, Contractor, Lead)
    counts = {model.__name__: model.objects.count() for model in models}
    for name in ("clients", "contractors", "investments", "employees"):
        counts[f"Lead.{name}"] = getattr(Lead, name).through.objects.count()
    for model in (Client, Contractor, Unit, Lead):
        counts[f"{model.__name__}.history"] = model.history.count()
    return counts


def test_seed_demo_prints_the_demo_logins(seeded, db):
    assert "Created demo data" in seeded
    for username, (password, role) in LOGINS.items():
        assert any(line.split() == [username, password, role] for line in seeded.splitlines()), (
            username
        )
    assert "Done in" in seeded


def test_seed_demo_creates_one_branch_with_its_team_in_role_groups(seeded, db):
    branch = Branch.objects.get(name="Poznań Centrum")
    users = {user.username: user for user in User.objects.filter(branch=branch)}
    assert set(users) == set(LOGINS)
    for username, (password, role) in LOGINS.items():
        user = users[username]
        assert user.role == role
        assert [group.name for group in user.groups.all()] == [ROLE_GROUPS[role]]
        assert user.is_staff == (role == Role.ADMINISTRATOR)
        validate_password(password, user=user)  # the printed passwords are acceptable ones


def test_demo_advisor_can_log_in_with_the_printed_password(seeded, db, client):
    assert client.login(username="doradca2", password="lejek-doradca-2026")


def test_seed_demo_creates_investments_with_realistically_priced_units(seeded, db):
    assert Investment.objects.count() == 5
    units = list(Unit.objects.select_related("investment"))
    assert len(units) == 200
    assert {unit.kind for unit in units} == set(UnitKind.values)
    assert {unit.status for unit in units} == set(UnitStatus.values)
    flats = [unit for unit in units if unit.kind == UnitKind.FLAT]
    assert len(flats) > 100
    assert all(8_000 <= unit.price_per_m2 <= 16_000 for unit in flats)
    assert all(1 <= unit.rooms <= 5 and unit.floor >= 0 for unit in flats)


def test_demo_clients_are_valid_and_their_lookup_columns_match_normalization(seeded, db):
    clients = list(Client.objects.select_related("caretaker", "branch"))
    assert len(clients) == 200
    for client in clients:
        assert client.email or client.phone
        assert client.email_normalized == normalize_email(client.email)
        assert client.phone_e164 == normalize_phone(client.phone)
        assert client.first_name_folded == fold_name(client.first_name)
        assert client.last_name_folded == fold_name(client.last_name)
        assert client.caretaker.role == Role.ADVISOR
        assert client.branch.name == "Poznań Centrum"
        assert client.source_id is not None
        assert client.consent_processing == (client.consent_processing_at is not None)
    assert any(not client.email for client in clients)
    assert any(not client.phone for client in clients)
    assert any(client.email != client.email_normalized for client in clients)
    assert any(client.last_name_folded != client.last_name.lower() for client in clients)
    assert len({client.phone_e164 for client in clients if client.phone}) == sum(
        1 for client in clients if client.phone
    )
    companies = [client for client in clients if client.kind == ClientKind.COMPANY]
    assert companies and all(client.company_name for client in companies)
    assert any(client.failed and client.failed_at for client in clients)


def test_demo_contractors_have_valid_nip_regon_and_krs(seeded, db):
    contractors = list(Contractor.objects.all())
    assert len(contractors) == 10
    for contractor in contractors:
        assert nip.is_valid(contractor.nip), contractor.nip
        assert regon.is_valid(contractor.regon), contractor.regon
        assert contractor.krs.isdigit() and len(contractor.krs) == 10
        assert contractor.phone_e164


def test_demo_leads_cover_the_pipeline_and_everyone_can_see_their_own(seeded, db):
    leads = list(
        Lead.objects.select_related("status").prefetch_related(
            "clients", "contractors", "investments"
        )
    )
    assert len(leads) == 500
    assert not Lead.objects.filter(employees__isnull=True).exists()
    assert {lead.status_id for lead in leads} == set(
        LeadStatus.objects.values_list("pk", flat=True)
    )
    assert {lead.source_id for lead in leads} == set(
        LeadSource.objects.values_list("pk", flat=True)
    )
    assert {lead.intake_outcome for lead in leads} == set(IntakeOutcome.values)
    now = timezone.now()
    for lead in leads:
        assert now - timedelta(days=550) < lead.created_at <= lead.updated_at <= now
        assert lead.created_by_id and lead.updated_by_id
        assert lead.contact_email or lead.contact_phone
        assert len(lead.contractors.all()) <= 1
        if lead.is_deleted:
            assert lead.deletion_reason_id and not lead.clients.all()
        elif not lead.clients.all():
            # A fresh inquiry, still waiting for its advisor to link or create a client.
            assert lead.intake_outcome == IntakeOutcome.NEW
            assert now - lead.created_at < timedelta(days=3)
        else:
            assert 1 <= len(lead.clients.all()) <= 2
            assert 1 <= len(lead.investments.all()) <= 2
        if lead.is_failed:
            assert lead.failure_reason_id and lead.closed_at == lead.failed_at
        if lead.status.is_won:
            assert lead.closed_at and not lead.is_failed
        if lead.closed_at:
            assert lead.created_at < lead.closed_at <= now
    assert sum(lead.is_failed for lead in leads) >= 25
    assert sum(lead.status.is_won for lead in leads) >= 10
    for advisor in User.objects.filter(role=Role.ADVISOR):
        assert leads_visible_to(advisor).exists()
    assert leads_visible_to(User.objects.get(username="kierownik")).count() == 500


def test_demo_repeat_leads_are_those_of_clients_with_an_earlier_lead(seeded, db):
    created = dict(Lead.objects.values_list("pk", "created_at"))
    leads_of_client = defaultdict(list)
    clients_of_lead = defaultdict(list)
    for lead_id, client_id in Lead.clients.through.objects.values_list("lead_id", "client_id"):
        leads_of_client[client_id].append(lead_id)
        clients_of_lead[lead_id].append(client_id)
    repeat = set(Lead.objects.filter(is_repeat=True).values_list("pk", flat=True))
    assert repeat
    for lead_id, client_ids in clients_of_lead.items():
        has_earlier = any(
            created[other] < created[lead_id]
            for client_id in client_ids
            for other in leads_of_client[client_id]
        )
        assert has_earlier == (lead_id in repeat), lead_id


def test_running_seed_demo_again_changes_nothing(seeded, db, settings):
    settings.DEBUG = True
    before = table_counts()
    output = seed_demo()
    assert table_counts() == before
    assert "already exist" in output
    assert "lejek-kierownik-2026" in output


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    users = User.objects.count()
    with pytest.raises(CommandError, match="DEBUG"):
        seed_demo()
    assert User.objects.count() == users
