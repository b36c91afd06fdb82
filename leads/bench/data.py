"""Bench data: up to millions of believable leads, loaded with PostgreSQL COPY.

The leads are planned in one pass in time order (three years, more of them lately), branch
by branch: each lead either brings a new client (converted from it) or comes back to one
the branch already knows, so clients, caretakers, employees and repeat leads fit together.
The pass streams the leads straight into COPY and keeps only compact arrays (the clients,
the links, the few facts the conversations need) and the won leads' contracts; clients,
links, contracts with the units they sell, conversations and a sample of history follow,
each in its own COPY and transaction.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from clients.models import Client, LeadSource
from consents.models import ConsentEvent, ConsentState
from crm.core.models import Branch, Role, User
from crm.core.services import user_create
from investments.models import Investment, Unit
from leads.demo import data as demo
from leads.models import (
    Activity,
    Contract,
    DeletionReason,
    FailureReason,
    Lead,
    LeadStatus,
    UnitHold,
)
from leads.services.board import board_entries_rebuild
from leads.services.events import lead_events_backfill_created
from leads.services.figures import lead_figures_rebuild

from . import database
from .consents import ConsentWriter
from .database import ACTIVITY_COLUMNS, LEAD_COLUMNS, LINK_TABLES, copy_into
from .history import copy_contract_history, copy_history
from .people import FIRST_NAMES, SURNAMES_FEMININE, SURNAMES_MASCULINE, ClientBook
from .sales import SalesBook, price_per_m2

BENCH_PASSWORD = "bench-password-2026"
DAY = 86400.0
PERIOD_DAYS = 3 * 365
CITIES = (
    "Poznań", "Warszawa", "Kraków", "Wrocław", "Gdańsk", "Łódź", "Szczecin", "Lublin",
    "Katowice", "Białystok",
)  # fmt: skip
INVESTMENT_NAMES = ("Akacjowe Ogrody", "Osiedle Nad Rzeką", "Zielone Tarasy", "Rezydencja Lipowa")
INVESTMENTS_PER_BRANCH = 3

# Shares of all leads; won and failed leads are mostly the older ones.
DELETED_SHARE = 0.01
WON_SHARE = 0.05
FAILED_SHARE = 0.15
REPEAT_SHARE = 0.20
SECOND_CLIENT_SHARE = 0.3  # households of two
SECOND_EMPLOYEE_SHARE = 0.25
CARETAKER_WORKS_LEAD_SHARE = 0.85  # a returning client's lead goes to their caretaker
NO_INVESTMENT_SHARE = 0.1
TWO_INVESTMENTS_SHARE = 0.1
PLANNED_NEXT_STEP_SHARE = 0.6  # open leads with a planned conversation
DONE_CONVERSATION_WEIGHTS = (30, 35, 25, 10)  # 0, 1, 2 or 3 done conversations
HISTORY_SHARE = 0.01
CLOSING_DAYS = 120  # a lead this old has had its full chance to be won or failed
FRESH_DAYS = 14
# Open leads by stage (Nowy … Rezerwacja wstępna): most stay early, fewer get far.
FRESH_STAGE_WEIGHTS = (50, 25, 10, 8, 3, 2, 1, 1)
SETTLED_STAGE_WEIGHTS = (22, 22, 16, 14, 10, 7, 5, 4)
LEAD_NAMES = (("Zakup mieszkania", 85), *((name, 5) for name in demo.LEAD_NAMES.values()))
ACTIVITY_KINDS = (("phone", 60), ("email", 20), ("meeting", 15), ("sms", 5))
ACTIVITY_NOTES = (
    "", "", "", "Klient prosi o rzut mieszkania.", "Umówiona prezentacja mieszkania pokazowego.",
    "Nie odbiera, spróbować jutro.", "Wysłano ofertę e-mailem.", "Pyta o harmonogram płatności.",
    "Czeka na decyzję banku.", "Zainteresowany miejscem postojowym.",
)  # fmt: skip
NO_UTM = ("", "", "", "", "")
UTM = {
    "www": (("google", "cpc", "mieszkania-2025", "", ""), NO_UTM),
    "facebook": (("facebook", "paid_social", "lead-ads", "karuzela", ""),),
}
OPEN, WON, FAILED, DELETED = range(4)
# The users are created through user_create with this hasher, then all given one hash of
# BENCH_PASSWORD by the project's own hasher: hashing it per user (a million PBKDF2
# rounds each) took a second or more per user, most of a small load's time.
CHEAP_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOADED_MODELS = (
    Client, Lead, Activity, *(f.remote_field.through for f in Lead._meta.many_to_many),
    Unit, Contract, UnitHold, *(f.remote_field.through for f in Contract._meta.many_to_many),
    ConsentEvent, ConsentState,
)  # fmt: skip


@dataclass(frozen=True)
class Step:
    name: str
    rows: int  # rows written (0 for a step that writes none)
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class BranchTeam:
    branch_id: int
    advisor_ids: list[int]
    investment_ids: list[int]
    lead_count: int
    client_count: int
    leads_so_far: int = 0


class BenchDataGenerator:
    """Plans and loads one data set; ``run`` returns the timed steps."""

    def __init__(
        self,
        *,
        leads: int,
        clients: int,
        branches: int,
        advisors_per_branch: int,
        seed: int,
        out: Callable[[str], None],
    ) -> None:
        if min(leads, clients, branches, advisors_per_branch) < 1:
            raise CommandError("Leads, clients, branches and advisors must each be at least 1.")
        self.n_leads = leads
        self.n_clients = clients
        self.n_branches = branches
        self.advisors_per_branch = advisors_per_branch
        self.rng = random.Random(seed)
        self.out = out
        self.now = timezone.now().timestamp()
        self.start = self.now - PERIOD_DAYS * DAY
        self.steps: list[Step] = []
        self.skip_fk_triggers = False
        # Per lead (index = id - first lead id): what the conversations need.
        self.lead_state = array("B")
        self.lead_employee = array("q")
        self.lead_client = array("q")  # 0: none
        self.lead_created = array("d")
        self.lead_last_touch = array("d")
        self.links = {table: array("q") for table, _, _ in LINK_TABLES}  # lead, other, ...
        self.history_lead_ids: list[int] = []
        self.contactless = array("q")  # lead id, source id, employee, ...

    # -- the whole run -------------------------------------------------------------------------

    def run(self) -> list[Step]:
        self.skip_fk_triggers = database.is_superuser()
        if not self.skip_fk_triggers:
            self.out("  (not a superuser: foreign keys are checked row by row, which is slower)")
        self._timed("users created (others reused)", self._set_up_teams, writes=False)
        self._load_reference_data()
        self._timed("leads", self._copy_leads)
        self._timed("clients", self._copy_clients)
        for table, column, _ in LINK_TABLES:
            self._timed(table, lambda t=table, c=column: self._copy_links(t, c))
        self._timed("contracts, their units and holds", self.sales.write)
        self._timed("board entries", board_entries_rebuild)
        self._timed("lead events", lead_events_backfill_created)
        self._timed("activities", self._copy_activities)
        self.consents = ConsentWriter(rng=self.rng, now=self.now)
        self._timed("consent events", self._copy_consent_events)
        self._timed("consent states", self.consents.write_states)
        self._timed("history (sample)", self._copy_history)
        # The figures' correlated lookups need the planner's statistics of the tables just
        # loaded (autovacuum may be off, and is too slow to come by in any case).
        self._timed(
            "tables vacuumed and analysed", database.vacuum_analyze, atomic=False, writes=False
        )
        self._timed("leads' report figures", lead_figures_rebuild)
        self._timed(
            "foreign keys checked",
            lambda: database.verify_foreign_keys(LOADED_MODELS),
            writes=False,
        )
        self.clients.check_phone_sample()
        self._timed(
            "tables vacuumed and analysed", database.vacuum_analyze, atomic=False, writes=False
        )
        return self.steps

    def _timed(
        self, name: str, step: Callable[[], int], *, atomic: bool = True, writes: bool = True
    ) -> None:
        """Run one step in its own transaction (inside the caller's, in tests), without the
        per-row foreign-key triggers when allowed, and report its time."""
        started = time.perf_counter()
        if connection.in_atomic_block or not atomic:
            rows = step()
        else:
            with transaction.atomic():
                if self.skip_fk_triggers:
                    database.skip_foreign_key_triggers()
                rows = step()
        result = Step(name, rows if writes else 0, time.perf_counter() - started)
        self.steps.append(result)
        if writes:
            rate = f"{result.rate:,.0f} rows/s"
            self.out(f"  {name}: {rows:,} rows in {result.seconds:.1f} s ({rate})")
        else:
            self.out(f"  {name}: {rows:,} in {result.seconds:.1f} s")

    # -- users, branches, investments and reference data ------------------------------------

    def _set_up_teams(self) -> int:
        """Branches of decreasing size, each with a manager, advisors and investments, and
        an administrator; existing ones (an earlier load) are reused. Returns how many users
        were created."""
        weights = [1 / (k + 1) ** 0.8 for k in range(self.n_branches)]
        lead_counts = _split(self.n_leads, weights)
        client_counts = _split(self.n_clients, weights)
        self.teams: list[BranchTeam] = []
        self.price_per_m2: dict[int, float] = {}  # investment id → a flat's list price per m²
        with override_settings(PASSWORD_HASHERS=CHEAP_HASHERS):
            new_user_ids = self._create_teams(lead_counts, client_counts)
        if new_user_ids:
            password = make_password(BENCH_PASSWORD)
            User.objects.filter(pk__in=new_user_ids).update(password=password)
        return len(new_user_ids)

    def _create_teams(self, lead_counts: list[int], client_counts: list[int]) -> list[int]:
        """The branches, their users and investments; returns the ids of the users created."""
        created = []
        for k in range(self.n_branches):
            city = base_city = CITIES[k % len(CITIES)]
            if k >= len(CITIES):
                city = f"{city} {k // len(CITIES) + 1}"
            branch, _ = Branch.objects.get_or_create(name=f"Bench {city}", defaults={"city": city})
            manager, new = self._user(f"bench-{k + 1}-kierownik", Role.MANAGER, branch, k * 97)
            created += [manager.pk] if new else []
            advisor_ids = []
            for j in range(self.advisors_per_branch):
                username = f"bench-{k + 1}-doradca-{j + 1:02d}"
                advisor, new = self._user(username, Role.ADVISOR, branch, k * 97 + j + 1)
                advisor_ids.append(advisor.pk)
                created += [advisor.pk] if new else []
            investment_ids = [
                Investment.objects.get_or_create(
                    code=f"bench-{k + 1}-{j + 1}",
                    defaults={"name": f"{INVESTMENT_NAMES[j % 4]} ({city})", "city": city},
                )[0].pk
                for j in range(INVESTMENTS_PER_BRANCH)
            ]
            for j, investment_id in enumerate(investment_ids):
                self.price_per_m2[investment_id] = price_per_m2(base_city, j)
            self.teams.append(
                BranchTeam(branch.pk, advisor_ids, investment_ids, lead_counts[k], client_counts[k])
            )
        administrator, new = self._user("bench-administrator", Role.ADMINISTRATOR, None, 7)
        return created + ([administrator.pk] if new else [])

    def _user(self, username: str, role: str, branch: Branch | None, n: int) -> tuple[User, bool]:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing, False
        female = n % 2 == 0
        first = (demo.FEMALE_FIRST_NAMES if female else demo.MALE_FIRST_NAMES)[n % 26]
        last = (SURNAMES_FEMININE if female else SURNAMES_MASCULINE)[n * 7 % len(demo.SURNAMES)]
        user = user_create(
            username=username,
            password=BENCH_PASSWORD,
            role=role,
            branch=branch,
            first_name=first,
            last_name=last,
            email=f"{username}@lejek.example",
        )
        return user, True

    def _load_reference_data(self) -> None:
        """Statuses, sources and reasons, as the migrations created them."""
        statuses = list(LeadStatus.objects.order_by("order", "id"))
        won = [s for s in statuses if s.is_won]
        self.stages = [s.pk for s in statuses if not s.is_won and s.active]
        if not won or len(self.stages) < 2:
            raise CommandError("The pipeline statuses are missing: run manage.py migrate first.")
        self.won_status_id = won[0].pk
        sources = {s.slug: s.pk for s in LeadSource.objects.all()}
        missing = set(demo.SOURCE_WEIGHTS) - set(sources)
        if missing:
            raise CommandError(f"Sources {sorted(missing)} are missing: run manage.py migrate.")
        self.source_slug = {pk: slug for slug, pk in sources.items()}
        self.sources = _Weighted((sources[slug], w) for slug, w in demo.SOURCE_WEIGHTS.items())
        self.intake_source_ids = {sources[slug] for slug in demo.INTAKE_SOURCES}
        self.failure_reason_ids = {r.name: r.pk for r in FailureReason.objects.all()}
        self.failure_reasons = _Weighted(
            (name, w)
            for name, w in demo.FAILURE_REASON_WEIGHTS.items()
            if name in self.failure_reason_ids
        )
        self.deletion_reason_ids = list(DeletionReason.objects.values_list("pk", flat=True))
        if not self.failure_reasons.items or not self.deletion_reason_ids:
            raise CommandError("Failure or deletion reasons are missing: run manage.py migrate.")
        self.lead_names = _Weighted(LEAD_NAMES)
        rng = self.rng
        self.messages = [
            template.format(
                rooms=rng.randint(1, 4),
                investment=rng.choice(INVESTMENT_NAMES),
                first_name=rng.choice(FIRST_NAMES),
                area=rng.randint(30, 90),
            )
            for template in demo.INQUIRY_MESSAGES
            for _ in range(5)
        ]

    # -- leads (one pass in time order) ---------------------------------------------------------

    def _lead_times(self) -> list[float]:
        # Density growing linearly 1 → 3 over the period: inverse CDF of (1 + 2x) / 2.
        span = self.now - self.start
        return [
            self.start + span * (math.sqrt(1 + 8 * u) - 1) / 2
            for u in sorted(self.rng.random() for _ in range(self.n_leads))
        ]

    def _copy_leads(self) -> int:
        rng = self.rng
        times = self._lead_times()
        # Won and failed grow with age; this factor keeps their overall shares as set above.
        mean_age_factor = sum(min(1.0, (self.now - t) / DAY / CLOSING_DAYS) for t in times)
        self.closing = 1 / max(mean_age_factor / self.n_leads, 0.05) / (1 - DELETED_SHARE)
        # About this share of leads come back to a known client; a sample of them is flagged
        # repeat, as the design's share asks (at 1M leads / 300k clients most are returns).
        reused_share = max(0.0, 1 - self.n_clients / self.n_leads)
        self.repeat_chance = min(1.0, REPEAT_SHARE / reused_share) if reused_share else 0.0
        branch_sequence = [k for k, team in enumerate(self.teams) for _ in range(team.lead_count)]
        rng.shuffle(branch_sequence)
        self.clients = ClientBook(
            first_id=database.reserve_ids("clients_client", "id", self.n_clients), rng=rng
        )
        self.branch_clients: list[list[int]] = [[] for _ in self.teams]
        self.first_lead_id = database.reserve_ids("leads_lead", "id", self.n_leads)
        self.sales = SalesBook(rng=rng, prices=self.price_per_m2)
        with copy_into("leads_lead", LEAD_COLUMNS) as copy:
            for i, (k, created) in enumerate(zip(branch_sequence, times, strict=True)):
                copy.write_row(self._lead_row(self.first_lead_id + i, k, created))
        return self.n_leads

    def _lead_row(self, lead_id: int, k: int, created: float) -> tuple:
        """One lead's row (LEAD_COLUMNS); records its links and what conversations need."""
        rng = self.rng
        team = self.teams[k]
        team.leads_so_far += 1
        state = self._draw_state(created)
        name = self.lead_names.pick(rng)
        source_id = self.sources.pick(rng)
        intake = source_id in self.intake_source_ids
        client_ids, new_client, employee, investment_id = self._link_people(
            lead_id, k, state, created, source_id
        )
        client_id = client_ids[0] if client_ids else 0
        status_id, touched, closing_fields = self._draw_status(state, created, client_id)
        if state == WON:  # won by a signed contract, entered when the lead was closed
            self.sales.add(
                lead_id=lead_id, lead_name=name, investment_id=investment_id, created=created,
                closed=touched, employee=employee, client_ids=client_ids,
            )  # fmt: skip
        if state != DELETED and rng.random() < HISTORY_SHARE:
            self.history_lead_ids.append(lead_id)
        self.lead_state.append(state)
        self.lead_employee.append(employee)
        self.lead_client.append(client_id)
        self.lead_created.append(created)
        self.lead_last_touch.append(touched)
        if intake and not client_id:  # an inquiry's contact without a client: own consents
            self.contactless.extend((lead_id, source_id, employee))
        outcome = "deleted" if state == DELETED else ("converted" if new_client else "linked")
        return (
            lead_id,
            name,
            status_id,
            team.branch_id,
            source_id,
            *self._intake_fields(lead_id, source_id, client_id),
            outcome,
            *closing_fields,
            not new_client and client_id != 0 and rng.random() < self.repeat_chance,
            _dt(created),
            None if intake else employee,
            _dt(touched),
            employee,
        )

    def _draw_state(self, created: float) -> int:
        rng = self.rng
        if rng.random() < DELETED_SHARE:
            return DELETED
        factor = min(1.0, (self.now - created) / DAY / CLOSING_DAYS) * self.closing
        draw = rng.random()
        if draw < WON_SHARE * factor:
            return WON
        if draw < (WON_SHARE + FAILED_SHARE) * factor:
            return FAILED
        return OPEN

    def _link_people(
        self, lead_id: int, k: int, state: int, created: float, source_id: int
    ) -> tuple[tuple[int, ...], bool, int, int]:
        """Clients, employees and investments of the lead; returns (its client ids, whether
        the first is new, the lead's main employee, its first investment id or 0). A won
        lead has a client and an investment: its contract's."""
        rng = self.rng
        team = self.teams[k]
        advisors = team.advisor_ids
        client_ids: tuple[int, ...] = ()
        new_client = False
        if state == DELETED:  # a spam or test inquiry: nobody to link
            employee = rng.choice(advisors)
        else:
            client_id, new_client = self._client_for_lead(k, created, source_id)
            client_ids = (client_id,)
            if new_client or rng.random() < CARETAKER_WORKS_LEAD_SHARE:
                employee = self.clients.caretaker_of(client_id)
            else:
                employee = rng.choice(advisors)
            self.links["leads_lead_clients"].extend((lead_id, client_id))
            if rng.random() < SECOND_CLIENT_SHARE:
                partner_id, _ = self._client_for_lead(k, created, source_id, partner_id=client_id)
                if partner_id != client_id:
                    self.links["leads_lead_clients"].extend((lead_id, partner_id))
                    client_ids = (client_id, partner_id)
        self.links["leads_lead_employees"].extend((lead_id, employee))
        if rng.random() < SECOND_EMPLOYEE_SHARE and len(advisors) > 1:
            other = rng.choice(advisors)
            if other != employee:
                self.links["leads_lead_employees"].extend((lead_id, other))
        draw = rng.random()
        investments = team.investment_ids
        investment_id = 0
        if draw >= NO_INVESTMENT_SHARE or state == WON:
            first = rng.randrange(len(investments))
            investment_id = investments[first]
            self.links["leads_lead_investments"].extend((lead_id, investment_id))
            two = NO_INVESTMENT_SHARE <= draw < NO_INVESTMENT_SHARE + TWO_INVESTMENTS_SHARE
            if two and len(investments) > 1:
                second = investments[(first + 1) % len(investments)]
                self.links["leads_lead_investments"].extend((lead_id, second))
        return client_ids, new_client, employee, investment_id

    def _client_for_lead(
        self, k: int, created: float, source_id: int, partner_id: int | None = None
    ) -> tuple[int, bool]:
        """A new client when the branch's schedule has one due (so that every client has
        leads spread over the period), otherwise one the branch already knows."""
        team = self.teams[k]
        pool = self.branch_clients[k]
        due = -(-team.leads_so_far * team.client_count // max(team.lead_count, 1))
        if pool and (len(pool) >= due or len(self.clients) >= self.n_clients):
            return self.rng.choice(pool), False
        if partner_id is None:
            caretaker = self.rng.choice(team.advisor_ids)
        else:  # a household has one caretaker
            caretaker = self.clients.caretaker_of(partner_id)
        client_id = self.clients.add(
            branch=k,
            source_id=source_id,
            caretaker=caretaker,
            created=min(created + self.rng.random() * 3600, self.now),
            partner_id=partner_id,
        )
        pool.append(client_id)
        return client_id, True

    def _draw_status(self, state: int, created: float, client_id: int) -> tuple[int, float, tuple]:
        """(status id, when last touched, the deletion/failure/closing columns)."""
        rng = self.rng
        age = self.now - created
        stages = self.stages
        failed_at = closed_at = failure_reason_id = deletion_reason_id = None
        failure_comment = ""
        if state == OPEN:
            weights = FRESH_STAGE_WEIGHTS if age < FRESH_DAYS * DAY else SETTLED_STAGE_WEIGHTS
            status_id = stages[min(_weighted_index(rng, weights), len(stages) - 1)]
            touched = created + rng.random() * min(age, 60 * DAY)
        elif state == WON:
            status_id = self.won_status_id
            touched = created + rng.random() * min(age, 180 * DAY)
            closed_at = _dt(touched)
            self.clients.mark_won(client_id)
        elif state == FAILED:
            stage = _weighted_index(rng, demo.FAILED_STAGE_WEIGHTS)
            status_id = stages[min(stage, len(stages) - 1)]
            touched = created + rng.random() * min(age, CLOSING_DAYS * DAY)
            failed_at = closed_at = _dt(touched)
            reason = self.failure_reasons.pick(rng)
            failure_reason_id = self.failure_reason_ids[reason]
            failure_comment = rng.choice(demo.FAILURE_COMMENTS.get(reason, ("",)))
        else:
            status_id = stages[0]
            touched = created + rng.random() * min(age, 2 * DAY)
            deletion_reason_id = rng.choice(self.deletion_reason_ids)
        closing = (deletion_reason_id, failed_at, failure_reason_id, failure_comment, closed_at)
        return status_id, touched, closing

    def _intake_fields(self, lead_id: int, source_id: int, client_id: int) -> tuple:
        """contact_first_name … raw_payload: what an inquiry from a website or portal
        carried; empty for a lead entered by hand."""
        if source_id not in self.intake_source_ids:
            return ("", "", "", "", "", *NO_UTM, "", "{}")
        rng = self.rng
        slug = self.source_slug[source_id]
        if client_id:
            first_name, last_name = self.clients.names(client_id)
            email, phone = self.clients.email(client_id), self.clients.phone(client_id)[0]
            message = rng.choice(self.messages)
        else:
            first_name, last_name, email, phone, message = rng.choice(demo.SPAM)
        return (
            first_name,
            last_name,
            email,
            phone,
            message,
            *rng.choice(UTM.get(slug, (NO_UTM,))),
            f"{demo.EXTERNAL_ID_PREFIXES.get(slug, 'EXT')}-{lead_id}",
            f'{{"form": "kontakt", "source": "{slug}"}}',
        )

    # -- clients, links, conversations, history ------------------------------------------------

    def _copy_clients(self) -> int:
        # Clients the schedule did not reach (few) were entered by hand, without a lead yet.
        for k, team in enumerate(self.teams):
            last = k == len(self.teams) - 1
            while len(self.clients) < self.n_clients and (
                len(self.branch_clients[k]) < team.client_count or last
            ):
                created = self.start + self.rng.random() * (self.now - self.start)
                client_id = self.clients.add(
                    branch=k, source_id=None, caretaker=self.rng.choice(team.advisor_ids),
                    created=created,
                )  # fmt: skip
                self.branch_clients[k].append(client_id)
        branch_ids = [team.branch_id for team in self.teams]
        first_id = self.clients.first_id
        with copy_into("clients_client", database.CLIENT_COLUMNS) as copy:
            for index in range(len(self.clients)):
                branch_id = branch_ids[self.clients.branch[index]]
                copy.write_row(self.clients.row(first_id + index, branch_id))
        # A tiny branch may have needed a client more than asked for.
        database.advance_sequence_past("clients_client", "id", first_id + len(self.clients) - 1)
        return len(self.clients)

    def _copy_links(self, table: str, column: str) -> int:
        pairs = self.links[table]
        with copy_into(table, ("lead_id", column)) as copy:
            for i in range(0, len(pairs), 2):
                copy.write_row((pairs[i], pairs[i + 1]))
        return len(pairs) // 2

    def _copy_activities(self) -> int:
        """Done conversations on most leads, and a planned next step on many open ones
        (some overdue, so that the nagging has something to say)."""
        rng = self.rng
        now = self.now
        kinds = _Weighted(ACTIVITY_KINDS)
        rows = 0
        with copy_into("leads_activity", ACTIVITY_COLUMNS) as copy:
            for i, state in enumerate(self.lead_state):
                if state == DELETED:
                    continue
                lead_id = self.first_lead_id + i
                employee = self.lead_employee[i]
                client = self.lead_client[i] or None
                created = self.lead_created[i]
                until = self.lead_last_touch[i] if state != OPEN else min(now, created + 90 * DAY)
                for _ in range(_weighted_index(rng, DONE_CONVERSATION_WEIGHTS)):
                    done = _dt(created + rng.random() * (until - created))
                    kind = kinds.pick(rng)
                    copy.write_row(
                        (
                            lead_id, client, employee, kind,
                            "in" if rng.random() < 0.2 else "out",
                            done if rng.random() < 0.5 else None,  # planned before, or not
                            done,
                            rng.randint(2, 60) if kind in ("phone", "meeting") else None,
                            rng.choice(ACTIVITY_NOTES), done, employee,
                        )
                    )  # fmt: skip
                    rows += 1
                if state == OPEN and rng.random() < PLANNED_NEXT_STEP_SHARE:
                    planned = now + (rng.random() * 19 - 5) * DAY
                    made = _dt(max(created, min(now, planned - DAY)))
                    copy.write_row(
                        (
                            lead_id, client, employee, kinds.pick(rng), "out", _dt(planned),
                            None, None, "", made, employee,
                        )
                    )  # fmt: skip
                    rows += 1
        return rows

    def _copy_consent_events(self) -> int:
        """Every client's consents from when they came, then those of the inquiries'
        contacts without a client."""
        clients, slugs = self.clients, self.source_slug

        def people():
            for index in range(len(clients)):
                source_id = clients.source[index]
                slug = slugs[source_id] if source_id in self.intake_source_ids else ""
                yield (
                    clients.first_id + index, 0, clients.created[index], slug,
                    clients.caretaker[index],
                )  # fmt: skip
            pairs = self.contactless
            for i in range(0, len(pairs), 3):
                lead_id, source_id, employee = pairs[i : i + 3]
                created = self.lead_created[lead_id - self.first_lead_id]
                yield 0, lead_id, created, slugs[source_id], employee

        return self.consents.write_events(people)

    def _copy_history(self) -> int:
        lead_ids = self.history_lead_ids
        if not lead_ids:  # a tiny load: still one lead with history for the bench
            kept = [i for i, state in enumerate(self.lead_state) if state != DELETED]
            lead_ids = [self.first_lead_id + i for i in kept[-1:]]
        rows = copy_history(
            lead_ids=lead_ids, stages=self.stages, won_status_id=self.won_status_id, rng=self.rng
        )
        return rows + copy_contract_history(lead_ids=lead_ids)


class _Weighted:
    """Items drawn by weight with one random number and a bisection."""

    def __init__(self, pairs: Iterable[tuple[object, float]]) -> None:
        items, weights = zip(*pairs, strict=True)
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split by weights into integers that add up to it (the rest to the first)."""
    scale = sum(weights)
    counts = [int(total * w / scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def _weighted_index(rng: random.Random, weights: Sequence[int]) -> int:
    draw = rng.random() * sum(weights)
    for index, weight in enumerate(weights):
        draw -= weight
        if draw < 0:
            return index
    return len(weights) - 1


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
