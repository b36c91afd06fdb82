"""The migration of the old consent booleans into the register (consents 0002): no consent
lost, none invented, each with the legacy clause, source "before the register" and its
old date; the old marketing checkbox becomes email and phone, not SMS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consents.models import Action, ConsentEvent, ConsentState, Kind, Source

BEFORE = [
    ("consents", "0001_initial"),
    ("clients", "0007_source_form_help_text"),
    ("leads", "0018_verify_leads_made_with_a_client"),
]
PROCESSING_AT = datetime(2024, 3, 12, 10, 30, tzinfo=UTC)
MARKETING_AT = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
SUBMITTED_AT = datetime(2025, 1, 20, 18, 45, tzinfo=UTC)


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def old_data(apps) -> dict[str, int]:
    """Rows as Lejek stored them before the register, with its historical models."""
    Branch = apps.get_model("core", "Branch")
    Client = apps.get_model("clients", "Client")
    Lead = apps.get_model("leads", "Lead")
    LeadStatus = apps.get_model("leads", "LeadStatus")
    branch = Branch.objects.create(name="Migracja", city="Poznań")
    status = LeadStatus.objects.order_by("order", "id").first()
    source = apps.get_model("clients", "LeadSource").objects.order_by("id").first()
    consenting = Client.objects.create(
        first_name="Anna", last_name="Nowak", email="anna@example.com",
        email_normalized="anna@example.com", branch=branch,
        consent_processing=True, consent_processing_at=PROCESSING_AT,
        consent_marketing=True, consent_marketing_at=MARKETING_AT,
    )  # fmt: skip
    silent = Client.objects.create(
        first_name="Jan", last_name="Kowalski", phone="600100200", phone_e164="+48600100200",
        branch=branch,
    )  # fmt: skip
    contact = Lead.objects.create(
        name="Zapytanie", status=status, branch=branch, source=source, contact_first_name="Ewa",
        contact_email="ewa@example.com", consent_processing=True, consent_marketing=True,
        submitted_at=SUBMITTED_AT,
    )  # fmt: skip
    converted = Lead.objects.create(
        name="Zakup", status=status, branch=branch, source=source, consent_processing=True,
        submitted_at=SUBMITTED_AT,
    )  # fmt: skip
    converted.clients.add(silent)
    return {
        "consenting": consenting.pk,
        "silent": silent.pk,
        "contact": contact.pk,
        "converted": converted.pk,
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # the pipeline and sources a lead needs
def test_old_booleans_become_legacy_events_and_states_with_their_dates():
    executor = migrate(BEFORE)
    try:
        ids = old_data(executor.loader.project_state(BEFORE).apps)
    finally:
        migrate(latest())  # whatever happens, the rest of the suite finds the latest schema

    events = ConsentEvent.objects.select_related("clause")
    assert all(e.clause.is_legacy and e.source == Source.LEGACY for e in events)
    assert all(e.action == Action.GIVEN for e in events)
    client = {(e.kind, e.at) for e in events.filter(client_id=ids["consenting"])}
    assert client == {
        (Kind.INQUIRY, PROCESSING_AT),
        (Kind.MARKETING_EMAIL, MARKETING_AT),
        (Kind.MARKETING_PHONE, MARKETING_AT),
    }
    contact = {(e.kind, e.at) for e in events.filter(lead_id=ids["contact"], client=None)}
    assert contact == {
        (Kind.INQUIRY, SUBMITTED_AT),
        (Kind.MARKETING_EMAIL, SUBMITTED_AT),
        (Kind.MARKETING_PHONE, SUBMITTED_AT),
    }
    assert not events.filter(kind=Kind.MARKETING_SMS).exists()

    states = ConsentState.objects.filter(granted=True)
    assert set(states.filter(client_id=ids["consenting"]).values_list("kind", flat=True)) == {
        Kind.INQUIRY,
        Kind.MARKETING_EMAIL,
        Kind.MARKETING_PHONE,
    }
    assert set(
        states.filter(lead_id=ids["contact"], client=None).values_list("kind", flat=True)
    ) == {Kind.INQUIRY, Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE}
    # The converted inquiry's consent is its history; its client's own (none) is the state.
    assert list(events.filter(lead_id=ids["converted"]).values_list("kind", flat=True)) == [
        Kind.INQUIRY
    ]
    assert not ConsentState.objects.filter(lead_id=ids["converted"]).exists()
    assert not ConsentEvent.objects.filter(client_id=ids["silent"]).exists()
    assert not ConsentState.objects.filter(client_id=ids["silent"]).exists()
    assert ConsentState.objects.count() == 6
