"""The import receives a chunk of rows at once (leads/imports/batch.py) instead of calling
the intake's `lead_receive` row by row. Whatever the rows, the leads it makes must be the
ones `lead_receive` makes: the same fields and figures, clients, investments, employees
(caretaker, round robin, fewest open leads, last resort), history, events, board entries
and receipts. Each story here receives the same inquiries both ways and compares."""

from __future__ import annotations

from typing import Any

import pytest

from consents.models import ConsentEvent, ConsentState
from crm.core.models import Role
from leads.imports.batch import Inquiry, inquiry_consents, receive_chunk
from leads.intake_config import intake_config
from leads.models import (
    AssignmentRule,
    AssignmentStrategy,
    BoardEntry,
    ImportBatch,
    IntakeReceipt,
    Lead,
    LeadEvent,
)
from leads.services.common import M2M_SNAPSHOTS
from leads.services.intake import Received, lead_receive
from settings_app.models import CRMSettings, RepeatInquiryScenario
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UserFactory, source

pytestmark = pytest.mark.django_db

# Differ by nature between two receptions of the same inquiry.
OWN = {"id", "created_at", "updated_at", "external_id", "raw_payload", "import_batch"}


def inquiries_of(prefix: str, rows: list[dict[str, Any]]) -> list[Inquiry]:
    return [
        Inquiry(number, {**data, "external_id": f"{prefix}:{number}"}, {"row": number})
        for number, data in enumerate(rows, start=2)
    ]


def what_was_stored(lead: Lead) -> dict[str, Any]:
    """Everything an inquiry leaves about its lead, but what differs by nature."""
    fields = {
        f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields if f.name not in OWN
    }
    history = list(lead.history.all())
    return {
        **fields,
        "clients": sorted(lead.clients.values_list("pk", flat=True)),
        "investments": sorted(lead.investments.values_list("pk", flat=True)),
        "employees": sorted(lead.employees.values_list("pk", flat=True)),
        "history": [
            (
                h.history_type,
                h.history_user_id,
                h.status_id,
                h.intake_outcome,
                {
                    name: sorted(
                        snapshot.objects.filter(history=h).values_list(
                            f"{Lead._meta.get_field(name).m2m_reverse_field_name()}_id",
                            flat=True,
                        )
                    )
                    for name, snapshot in M2M_SNAPSHOTS.items()
                },
            )
            for h in history
        ],
        "events": sorted(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True)),
        "board": sorted(
            BoardEntry.objects.filter(lead=lead).values_list(
                "employee_id", "status_id", "failed", "deleted"
            )
        ),
        "receipts": IntakeReceipt.objects.filter(lead=lead).count(),
        "consents": sorted(
            ConsentEvent.objects.filter(lead=lead).values_list(
                "kind", "action", "source", "clause_id", "client_id", "evidence"
            )
        ),
        "consent_states": sorted(
            ConsentState.objects.filter(event__lead=lead).values_list(
                "kind", "granted", "client_id"
            )
        ),
    }


def receive_both_ways(manager, rows, *, reset=lambda: None) -> tuple[list, list]:
    """The rows received one by one by lead_receive, then (their leads deleted and the
    rules' turns reset) as one chunk by the import; what each way stored."""
    www = source("www")
    batch = ImportBatch.objects.create(
        created_by=manager,
        file="imports/x.csv",
        file_name="x.csv",
        source=www,
        file_sha256="0" * 64,
    )
    one_by_one, made = [], []
    for inquiry in inquiries_of("single", rows):
        receipt = lead_receive(
            source=www,
            data=inquiry.data,
            raw_payload=inquiry.raw_payload,
            notify=False,
            consents=inquiry_consents(inquiry, batch=batch, config=intake_config()),
        )
        one_by_one.append((receipt.outcome, what_was_stored(receipt.lead)))
        made.append(receipt.lead.pk)
    Lead.objects.filter(pk__in=made).delete()  # the story's earlier leads stay
    reset()
    inquiries = inquiries_of("chunk", rows)
    receive_chunk(batch=batch, inquiries=inquiries)
    assert [i.error for i in inquiries] == [""] * len(rows)
    together = [(i.outcome, what_was_stored(i.lead)) for i in inquiries]
    assert Lead.objects.filter(import_batch=batch).count() == len(rows)
    return one_by_one, together


def test_new_people_and_known_clients_are_stored_as_lead_receive_stores_them(
    manager, advisor, teammate, branch
):
    caretaken = ClientFactory(phone="601 100 200", email="", caretaker=advisor, branch=branch)
    LeadFactory(branch=branch, clients=[caretaken])  # an earlier lead: the next is a repeat
    ClientFactory(email="Znany@Example.com", phone="", caretaker=None, branch=branch)
    # Matching both the phone and the email wins over a newer client with the email only.
    both = ClientFactory(phone="602 200 300", email="oba@example.com", caretaker=teammate)
    ClientFactory(phone="", email="oba@example.com", branch=branch)
    investment = InvestmentFactory(name="Zielone Tarasy")
    round_robin = AssignmentRule.objects.create(
        name="Wszyscy", strategy=AssignmentStrategy.ROUND_ROBIN
    )
    round_robin.pool.set([advisor, teammate])
    rows = [
        {"first_name": "Nowa", "email": "nowa@example.com", "consents_processing": True},
        {"first_name": "Stały", "phone": "+48601100200", "message": "Znowu ja"},
        {"email": "znany@example.com", "investment": "zielone tarasy"},
        {"email": "oba@example.com", "phone": "+48602200300"},
        {"phone": "+48603300400", "investment": "Nieznana"},
        {"email": "trzecia@example.com", "consents_marketing": True},
    ]

    def reset():
        AssignmentRule.objects.filter(pk=round_robin.pk).update(turn=0)

    one_by_one, together = receive_both_ways(manager, rows, reset=reset)

    assert together == one_by_one
    assert [outcome for outcome, _ in together] == [Received.CREATED] * 6
    assert together[1][1]["employees"] == [advisor.pk]  # the caretaker
    assert together[1][1]["clients"] == [caretaken.pk] and together[1][1]["is_repeat"]
    assert together[3][1]["clients"] == [both.pk]
    assert together[2][1]["investments"] == [investment.pk]
    # Rows 1, 3 (a client without caretaker), 5 and 6 took the round robin's turns in order.
    given = [together[n][1]["employees"][0] for n in (0, 2, 4, 5)]
    assert given == [advisor.pk, teammate.pk, advisor.pk, teammate.pk]


def test_fewest_open_leads_counts_the_leads_the_chunk_gives(manager, advisor, teammate):
    rule = AssignmentRule.objects.create(name="Najmniej", strategy=AssignmentStrategy.FEWEST_OPEN)
    rule.pool.set([advisor, teammate])
    rows = [{"email": f"osoba{n}@example.com"} for n in range(5)]

    one_by_one, together = receive_both_ways(manager, rows)

    assert together == one_by_one
    given = [stored["employees"][0] for _, stored in together]
    assert sorted(given.count(pk) for pk in (advisor.pk, teammate.pk)) == [2, 3]


def test_without_any_rule_the_last_resort_gets_them(manager):
    UserFactory(role=Role.ADVISOR)
    one_by_one, together = receive_both_ways(manager, [{"email": "a@example.com"}])

    assert together == one_by_one
    assert together[0][1]["employees"] == [manager.pk]


def test_under_add_to_the_newest_lead_a_known_clients_rows_go_onto_its_lead(
    manager, advisor, branch
):
    settings_row = CRMSettings.get_solo()
    settings_row.repeat_inquiry_scenario = RepeatInquiryScenario.ADD_TO_EXISTING
    settings_row.save()
    client = ClientFactory(phone="601 100 200", email="", caretaker=advisor, branch=branch)
    batch = ImportBatch.objects.create(
        created_by=manager,
        file="imports/x.csv",
        file_name="x.csv",
        source=source("www"),
        file_sha256="0" * 64,
    )
    inquiries = inquiries_of("chunk", [{"phone": "+48601100200"}, {"phone": "+48601100200"}])

    receive_chunk(batch=batch, inquiries=inquiries)

    # The first row opens the client's lead, the second is logged on it.
    assert [i.outcome for i in inquiries] == [Received.CREATED, Received.APPENDED]
    assert inquiries[0].lead == inquiries[1].lead
    assert list(client.leads.all()) == [inquiries[0].lead]
    assert inquiries[0].lead.activities.count() == 1
