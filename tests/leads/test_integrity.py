"""`manage.py lead_integrity_check`: an operator lists the leads whose state disagrees with
their contracts and units, after an upgrade or a load past the services. Data made
through the services never disagrees; each kind of impossible state, made past them, is
found and named, and the command then exits non-zero."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from investments.models import Unit, UnitStatus
from leads.models import Contract, FailureReason, Lead
from leads.services.pipeline import lead_mark_failed
from leads.services.sales import contract_cancel, reservation_create
from tests.factories import LeadFactory, UnitFactory, status, win
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    other_unit,
    unit,
)

pytestmark = pytest.mark.django_db


def check() -> str:
    """The command's output; CommandError (exit 1) when it finds something."""
    out = StringIO()
    call_command("lead_integrity_check", stdout=out)
    return out.getvalue()


def findings() -> str:
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("lead_integrity_check", stdout=out)
    return out.getvalue() + str(failed.value)


def test_a_life_through_the_services_agrees(advisor, manager, lead, unit, other_unit):
    reservation_create(lead=lead, unit=unit, user=advisor)
    contract = win(lead, advisor, unit=unit)
    contract_cancel(contract=contract, reason="Rezygnacja", user=manager)
    lead.refresh_from_db()
    reservation_create(lead=lead, unit=other_unit, user=advisor)
    lead_mark_failed(lead=lead, reason=FailureReason.objects.first(), user=advisor)

    assert "agree" in check()


def test_a_lead_won_by_hand_without_a_contract_is_found(advisor):
    won = LeadFactory(name="Wygrany bez umowy", branch=advisor.branch, status=status("umowa"))

    found = findings()

    assert f"won_without_contract: lead {won.pk} “Wygrany bez umowy” is won (Umowa)" in found
    assert f"/leads/{won.pk}/" in found
    assert "1 disagreement(s)" in found


def test_an_active_contract_on_a_lead_moved_back_is_found(advisor, lead, unit):
    contract = win(lead, advisor, unit=unit, number="UD/7")
    Lead.objects.filter(pk=lead.pk).update(status=status("nowy"))

    found = findings()

    assert f"contract UD/7 is active on lead {lead.pk}" in found
    assert Contract.objects.get(pk=contract.pk).cancelled_at is None


def test_a_unit_held_for_a_failed_or_deleted_lead_is_found(advisor, lead, unit):
    reservation_create(lead=lead, unit=unit, user=advisor)
    Lead.objects.filter(pk=lead.pk).update(
        failed_at=timezone.now(), failure_reason=FailureReason.objects.first()
    )

    assert f"unit_held_for_closed_lead: unit A1 is held for lead {lead.pk}" in findings()


def test_a_unit_whose_status_is_not_its_holds_is_found(advisor):
    sold = UnitFactory(number="S1")
    Unit.objects.filter(pk=sold.pk).update(status=UnitStatus.SOLD)

    assert "unit_status_not_its_hold: unit S1 is Sold" in findings()


def test_the_check_reads_a_fixed_number_of_queries(advisor, django_assert_num_queries):
    for _n in range(5):
        LeadFactory(branch=advisor.branch, status=status("umowa"))
    # One per check, whatever the number of leads it finds (and the statuses' labels).
    with django_assert_num_queries(4):
        findings()
