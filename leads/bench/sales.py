"""The bench data's sales: a signed contract for every won lead, and the units it sells.

A lead is won only by a contract (``leads.services.sales.contract_create``), so each won
lead gets one, for units of one of its investments: a flat (or what the lead's name asks
for: a commercial unit, a parking space, a storage room), often with a parking space or a
storage room. The units are sold and held by the contract (``UnitHold``), as the service
leaves them. The contracts are planned during the leads' pass (``add``) and written by
``write`` with COPY, a few statements whatever their number.

Each investment's units are its free ones (available, held by nobody, from an earlier
load) and, when they do not suffice, new ones numbered after the last: flats over the
floors of buildings of FLATS_PER_BUILDING, commercial units on the ground floor, parking
spaces and storage rooms in the garage, priced around the investment's price per m². The
oldest contracts take the lowest numbers, so the first buildings are sold out and the
newest has what is still on sale; STOCK of each kind stay free for the open leads' offers
and reservations.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from investments.models import UnitKind, UnitStatus
from leads.demo import data as demo
from leads.models import ContractKind

from .database import copy_into, reserve_ids

DAY = 86400.0
FLATS_PER_BUILDING = 48  # six floors (0–5) of eight flats
FLATS_PER_FLOOR = 8
# Units of each kind left free per investment after the load's contracts.
STOCK = {UnitKind.FLAT: 40, UnitKind.COMMERCIAL: 2, UnitKind.PARKING: 12, UnitKind.STORAGE: 6}
# What a buyer takes with the main unit: a parking space, a storage room.
PARKING_WITH = {UnitKind.FLAT: 0.35, UnitKind.COMMERCIAL: 0.3}
STORAGE_WITH = {UnitKind.FLAT: 0.15}
# The main unit by the lead's name ("Zakup mieszkania": a flat).
KIND_OF_LEAD_NAME = {name: kind for kind, name in demo.LEAD_NAMES.items()}
CONTRACT_KINDS = ((ContractKind.DEVELOPER, 0.7), (ContractKind.PRELIMINARY, 0.3))
DISCOUNT_SHARE = 0.25  # units sold 1–5 % below the list price
# New flats' average list price per m² by city (2025 asking prices, roughly); each of a
# branch's investments a little dearer than the one before.
PRICE_PER_M2 = {
    "Warszawa": 17_500, "Kraków": 16_500, "Gdańsk": 15_500, "Wrocław": 13_500,
    "Poznań": 11_500, "Łódź": 9_500, "Szczecin": 10_000, "Lublin": 10_500,
    "Katowice": 10_000, "Białystok": 9_500,
}  # fmt: skip
INVESTMENT_PRICE_FACTORS = (0.92, 1.0, 1.1)
STORAGE_PER_M2 = 4_500
# Unit numbers this module writes, and how to read their running number back.
NUMBER_FORMATS = {
    UnitKind.FLAT: ("B{building}/M{n:04d}", r"^B\d+/M(\d+)$"),
    UnitKind.COMMERCIAL: ("U{n:03d}", r"^U(\d+)$"),
    UnitKind.PARKING: ("P{n:04d}", r"^P(\d+)$"),
    UnitKind.STORAGE: ("K{n:04d}", r"^K(\d+)$"),
}
UNIT_COLUMNS = (
    "id", "investment_id", "number", "kind", "rooms", "area", "floor", "list_price", "status",
)  # fmt: skip
CONTRACT_COLUMNS = (
    "id", "lead_id", "kind", "number", "signed_at", "price", "cancelled_at",
    "cancellation_reason", "created_at", "created_by_id",
)  # fmt: skip


def price_per_m2(city: str, index: int) -> float:
    """The list price per m² of a flat in a branch's `index`-th investment in `city`."""
    factor = INVESTMENT_PRICE_FACTORS[index % len(INVESTMENT_PRICE_FACTORS)]
    return PRICE_PER_M2.get(city, 11_000) * factor


@dataclass
class PlannedContract:
    lead_id: int
    investment_id: int
    created: float  # the lead's creation, epoch seconds
    closed: float  # when it was won: the contract entered
    employee: int
    client_ids: tuple[int, ...]
    main_kind: str
    unit_ids: list[int] = field(default_factory=list)
    price: int = 0


@dataclass
class _Pool:
    """One investment's units of one kind: (id, list price), the free ones first."""

    units: list[tuple[int, int]] = field(default_factory=list)
    taken: int = 0

    def take(self) -> tuple[int, int]:
        unit = self.units[self.taken]
        self.taken += 1
        return unit


class SalesBook:
    """The contracts of one load's won leads and the units they sell."""

    def __init__(self, *, rng: random.Random, prices: dict[int, float]) -> None:
        self.rng = rng
        self.prices = prices  # investment id → list price per m² of a flat
        self.contracts: list[PlannedContract] = []

    def __len__(self) -> int:
        return len(self.contracts)

    def add(
        self,
        *,
        lead_id: int,
        lead_name: str,
        investment_id: int,
        created: float,
        closed: float,
        employee: int,
        client_ids: tuple[int, ...],
    ) -> None:
        """A won lead: its contract, for units of `investment_id` (one of the lead's)."""
        if not client_ids or not investment_id:
            raise ValueError(f"Won lead {lead_id} needs a client and an investment.")
        kind = KIND_OF_LEAD_NAME.get(lead_name, UnitKind.FLAT)
        self.contracts.append(
            PlannedContract(lead_id, investment_id, created, closed, employee, client_ids, kind)
        )

    # -- writing ------------------------------------------------------------------------------

    def write(self) -> int:
        """Units (new ones, and free ones sold), contracts, their units and clients, and the
        holds, each with COPY; returns the rows written."""
        rng = self.rng
        wanted: list[tuple[PlannedContract, list[str]]] = []
        demand: dict[tuple[int, str], int] = defaultdict(int)
        for contract in sorted(self.contracts, key=lambda c: c.closed):  # oldest sold first
            kinds = [contract.main_kind]
            if rng.random() < PARKING_WITH.get(contract.main_kind, 0):
                kinds.append(UnitKind.PARKING)
            if rng.random() < STORAGE_WITH.get(contract.main_kind, 0):
                kinds.append(UnitKind.STORAGE)
            wanted.append((contract, kinds))
            for kind in kinds:
                demand[contract.investment_id, kind] += 1
        pools = self._stock_up(demand)
        sold_existing: list[int] = []
        new_sold: set[int] = set()
        for contract, kinds in wanted:
            for kind in kinds:
                pool = pools[contract.investment_id, kind]
                unit_id, list_price = pool.take()
                contract.unit_ids.append(unit_id)
                contract.price += self._agreed_price(list_price)
                if unit_id in self.new_unit_ids:
                    new_sold.add(unit_id)
                else:
                    sold_existing.append(unit_id)
        rows = self._copy_new_units(new_sold)
        if sold_existing:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE investments_unit SET status = %s WHERE id = ANY(%s)",
                    [UnitStatus.SOLD, sold_existing],
                )
                rows += cursor.rowcount
        return rows + self._copy_contracts(wanted)

    def _stock_up(self, demand: dict[tuple[int, str], int]) -> dict[tuple[int, str], _Pool]:
        """Each investment's pool of each kind: its free units, then new ones planned (ids
        reserved, rows kept for ``_copy_new_units``) until the demand and STOCK are met."""
        investment_ids = sorted(self.prices)
        pools: dict[tuple[int, str], _Pool] = defaultdict(_Pool)
        with connection.cursor() as cursor:
            # A unit without a hold: an active reservation holds its unit there too.
            cursor.execute(
                """
                SELECT u.investment_id, u.kind, u.id, u.list_price FROM investments_unit u
                WHERE u.investment_id = ANY(%s) AND u.status = %s
                  AND NOT EXISTS (SELECT 1 FROM leads_unithold h WHERE h.unit_id = u.id)
                ORDER BY u.id
                """,
                [investment_ids, UnitStatus.AVAILABLE],
            )
            for investment_id, kind, unit_id, list_price in cursor.fetchall():
                pools[investment_id, kind].units.append((unit_id, int(list_price)))
            last = self._last_numbers(cursor, investment_ids)
        planned = []
        for investment_id in investment_ids:
            for kind in NUMBER_FORMATS:
                pool = pools[investment_id, kind]
                missing = demand.get((investment_id, kind), 0) + STOCK[kind] - len(pool.units)
                first = last.get((investment_id, kind), 0) + 1
                planned += [(pool, investment_id, kind, n) for n in range(first, first + missing)]
        first_id = reserve_ids("investments_unit", "id", len(planned)) if planned else 0
        self.new_units: list[tuple] = []
        for offset, (pool, investment_id, kind, n) in enumerate(planned):
            row = self._new_unit(first_id + offset, investment_id, kind, n)
            self.new_units.append(row)
            pool.units.append((row[0], row[7]))
        self.new_unit_ids = {row[0] for row in self.new_units}
        return pools

    @staticmethod
    def _last_numbers(cursor, investment_ids: list[int]) -> dict[tuple[int, str], int]:
        """The highest running number of each kind this module numbers units with, per
        investment (0 when none)."""
        last = {}
        for kind, (_template, pattern) in NUMBER_FORMATS.items():
            cursor.execute(
                "SELECT investment_id, max(substring(number from %s)::int) FROM investments_unit "
                "WHERE investment_id = ANY(%s) AND number ~ %s GROUP BY investment_id",
                [pattern, investment_ids, pattern],
            )
            for investment_id, number in cursor.fetchall():
                last[investment_id, kind] = number
        return last

    def _new_unit(self, unit_id: int, investment_id: int, kind: str, n: int) -> tuple:
        """A unit's row (UNIT_COLUMNS), available; `n` its running number of its kind."""
        rng = self.rng
        per_m2 = self.prices[investment_id]
        template = NUMBER_FORMATS[kind][0]
        building = (n - 1) // FLATS_PER_BUILDING + 1
        rooms = None
        if kind == UnitKind.FLAT:
            floor = (n - 1) % FLATS_PER_BUILDING // FLATS_PER_FLOOR
            rooms = rng.choices(
                list(demo.FLAT_ROOMS_WEIGHTS), weights=demo.FLAT_ROOMS_WEIGHTS.values()
            )[0]
            area = _area(rng, *demo.FLAT_AREA_BY_ROOMS[rooms])
            # Higher floors sell a little dearer.
            price = _round_price(area * per_m2 * (1 + 0.012 * floor) * rng.uniform(0.95, 1.05))
        elif kind == UnitKind.COMMERCIAL:
            floor = 0
            area = _area(rng, 55, 160)
            price = _round_price(area * per_m2 * rng.uniform(0.85, 1.05))
        elif kind == UnitKind.PARKING:
            floor = -1
            area = _area(rng, 12.5, 14.5)
            price = round(per_m2 * 4 * rng.uniform(0.9, 1.1), -3)  # about 4 m² of a flat
        else:
            floor = -1
            area = _area(rng, 3.5, 7.5)
            price = _round_price(area * STORAGE_PER_M2)
        number = template.format(building=building, n=n)
        return (
            unit_id, investment_id, number, kind, rooms, Decimal(f"{area:.2f}"), floor, int(price),
            UnitStatus.AVAILABLE,
        )  # fmt: skip

    def _agreed_price(self, list_price: int) -> int:
        """The list price, or now and then 1–5 % off it, in round hundreds (rounded up)."""
        if self.rng.random() >= DISCOUNT_SHARE:
            return list_price
        return math.ceil(list_price * (1 - self.rng.uniform(0.01, 0.05)) / 100) * 100

    def _copy_new_units(self, sold: set[int]) -> int:
        with copy_into("investments_unit", UNIT_COLUMNS) as copy:
            for row in self.new_units:
                status = UnitStatus.SOLD if row[0] in sold else UnitStatus.AVAILABLE
                copy.write_row((*row[:-1], status))
        return len(self.new_units)

    def _copy_contracts(self, wanted: list[tuple[PlannedContract, list[str]]]) -> int:
        """The contracts, their units and clients, and the units' holds."""
        if not wanted:
            return 0
        rng = self.rng
        zone = timezone.get_current_timezone()
        first_id = reserve_ids("leads_contract", "id", len(wanted))
        kinds, weights = zip(*CONTRACT_KINDS, strict=True)
        rows = 0
        with copy_into("leads_contract", CONTRACT_COLUMNS) as copy:
            for offset, (contract, _kinds) in enumerate(wanted):
                contract_id = first_id + offset
                kind = rng.choices(kinds, weights)[0]
                # Signed that day or the day before it was entered (never before the lead).
                signed = datetime.fromtimestamp(
                    max(contract.created, contract.closed - rng.random() * DAY), zone
                ).date()
                prefix = demo.CONTRACT_NUMBER_PREFIXES.get(kind, "U")
                copy.write_row(
                    (
                        contract_id, contract.lead_id, kind,
                        f"{prefix}/{signed.year}/{contract_id:06d}", signed, contract.price,
                        None, "", _dt(contract.closed), contract.employee,
                    )
                )  # fmt: skip
        rows += len(wanted)
        ids = range(first_id, first_id + len(wanted))
        pairs = list(zip(ids, (contract for contract, _kinds in wanted), strict=True))
        with copy_into("leads_contract_units", ("contract_id", "unit_id")) as copy:
            for contract_id, contract in pairs:
                for unit_id in contract.unit_ids:
                    copy.write_row((contract_id, unit_id))
                    rows += 1
        with copy_into("leads_contract_clients", ("contract_id", "client_id")) as copy:
            for contract_id, contract in pairs:
                for client_id in contract.client_ids:
                    copy.write_row((contract_id, client_id))
                    rows += 1
        with copy_into("leads_unithold", ("unit_id", "contract_id", "since")) as copy:
            for contract_id, contract in pairs:
                for unit_id in contract.unit_ids:
                    copy.write_row((unit_id, contract_id, _dt(contract.closed)))
                    rows += 1
        return rows


def _area(rng: random.Random, low: float, high: float) -> float:
    return rng.randint(round(low * 100), round(high * 100)) / 100


def _round_price(price: float) -> int:
    """List prices are round hundreds of złoty."""
    return int(round(price, -2))


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
