"""Where the state of leads disagrees with their contracts and units: what
`manage.py lead_integrity_check` lists. Each check is one set-based query (an anti-join or
a join), so it answers over a million leads in seconds.

The services keep these true (a won status only through `contract_create`, left only
through `contract_cancel`; a failed lead gives its reservations back; a lead holding a
contract is not failed or deleted). What they find came from before those rules or from
data loaded past the services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from investments.models import Unit, UnitStatus

from ..models import Contract, IntakeOutcome, Lead, UnitHold


@dataclass(frozen=True)
class Disagreement:
    """One thing that cannot be: its kind (a stable code), what it is in words, and the
    lead and unit it concerns."""

    kind: str
    message: str
    lead_id: int | None = None
    unit_id: int | None = None


def _active_contract() -> Exists:
    return Exists(Contract.objects.filter(lead=OuterRef("pk"), cancelled_at__isnull=True))


def _closed_lead(prefix: str) -> Q:
    """A lead (reached through `prefix`) that is failed or a deleted inquiry."""
    return Q(**{f"{prefix}failed_at__isnull": False}) | Q(
        **{f"{prefix}intake_outcome": IntakeOutcome.DELETED}
    )


def lead_disagreements() -> Iterator[Disagreement]:
    """Every disagreement, check by check: won leads without an active contract, active
    contracts on leads that are not won, units held for a failed or deleted lead, and units
    whose status is not what their hold says."""
    won_without = (
        Lead.objects.filter(status__is_won=True)
        .exclude(_active_contract())
        .values_list("pk", "name", "status__name")
        .order_by("pk")
    )
    for pk, name, status in won_without.iterator():
        yield Disagreement(
            "won_without_contract",
            _("lead %(pk)s “%(name)s” is won (%(status)s) without an active contract")
            % {"pk": pk, "name": name, "status": status},
            lead_id=pk,
        )

    contract_not_won = (
        Contract.objects.filter(cancelled_at__isnull=True, lead__status__is_won=False)
        .values_list("pk", "number", "lead_id", "lead__name", "lead__status__name")
        .order_by("pk")
    )
    for pk, number, lead_id, name, status in contract_not_won.iterator():
        yield Disagreement(
            "contract_on_open_lead",
            _(
                "contract %(contract)s is active on lead %(pk)s “%(name)s”, which is not "
                "won (%(status)s)"
            )
            % {"contract": number or pk, "pk": lead_id, "name": name, "status": status},
            lead_id=lead_id,
        )

    held_for_closed = (
        UnitHold.objects.filter(
            _closed_lead("reservation__lead__") | _closed_lead("contract__lead__")
        )
        .values_list("unit_id", "unit__number", "reservation__lead_id", "contract__lead_id")
        .order_by("unit_id")
    )
    for unit_id, number, reservation_lead, contract_lead in held_for_closed.iterator():
        lead_id = reservation_lead or contract_lead
        yield Disagreement(
            "unit_held_for_closed_lead",
            _("unit %(unit)s is held for lead %(pk)s, which is failed or deleted")
            % {"unit": number, "pk": lead_id},
            lead_id=lead_id,
            unit_id=unit_id,
        )

    holds = UnitHold.objects.filter(unit=OuterRef("pk"))
    wrong_status = (
        Unit.objects.filter(
            Q(status=UnitStatus.SOLD) & ~Exists(holds.filter(contract__isnull=False))
            | Q(status=UnitStatus.RESERVED) & ~Exists(holds.filter(reservation__isnull=False))
            | Q(status=UnitStatus.AVAILABLE) & Exists(holds)
        )
        .values_list("pk", "number", "status")
        .order_by("pk")
    )
    labels = dict(UnitStatus.choices)
    for pk, number, status in wrong_status.iterator():
        yield Disagreement(
            "unit_status_not_its_hold",
            _("unit %(unit)s is %(status)s, which its reservation or contract does not say")
            % {"unit": number, "status": labels[status]},
            unit_id=pk,
        )
