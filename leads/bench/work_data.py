"""The data of issue 5's benchmark (``manage.py bench_work --setup``), added to a database
that ``generate_bench_data`` filled.

- One advisor (the busiest of the biggest branch, or ``--advisor``) gets open leads until
  they hold ``open_leads`` of them: new leads of their branch, each with a client and an
  investment, a few done conversations and, on most, a planned next step (some overdue,
  some today or tomorrow); the others have none.
- Among them a "heavy" lead: 200 conversations (done and planned), 20 offers of 2–3 units
  (free units of its investment, more created when it has too few), 50 documents (real small files
  written through Django's default storage, ten of them note attachments), notes, survey
  responses, an active and an expired reservation and a cancelled contract, all written
  through the ORM so that django-simple-history records them, dated as they happened. A
  "light" lead has one or two of each: its query counts are the heavy lead's yardstick.
- A cluster of planned conversations due within the reminder window after the "sweep
  time" (the load's own now, kept in the heavy lead's ``raw_payload``), and filler
  conversations over every lead until the table holds ``conversations`` rows, inserted
  set-wise with ``INSERT … SELECT generate_series``: done over the leads' lives, a few
  still planned (overdue, or spread over the next month).

Run again, it only tops up what is missing. What it adds is recognisable: its leads carry
the external id ``bench-work-…``, and the conversations it adds to leads it did not create
have no ``created_by``; ``reset_work_data`` deletes both (and the files).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from clients.models import Client, LeadSource
from crm.core.models import Role, User
from investments.models import Investment, Unit, UnitKind, UnitStatus
from leads.models import (
    Activity,
    Contract,
    ContractKind,
    Document,
    Lead,
    LeadStatus,
    Note,
    Offer,
    OfferItem,
    OfferStatus,
    Reservation,
    ReservationStatus,
    SurveyAnswer,
    SurveyResponse,
    SurveyTemplate,
    UnitHold,
)
from leads.services.events import lead_events_backfill_created
from settings_app.selectors import crm_settings

from . import database
from .data import ACTIVITY_KINDS, ACTIVITY_NOTES, Step, _Weighted, _weighted_index
from .database import ACTIVITY_COLUMNS, LEAD_COLUMNS, copy_into
from .history import copy_history
from .measure import biggest_branch

WORK_PREFIX = "bench-work-"
HEAVY_EXTERNAL_ID = "bench-work-heavy"
LIGHT_EXTERNAL_ID = "bench-work-light"
MARKER_KEY = "bench_work"
DAY = timedelta(days=1)

# The heavy lead (the figures) and its yardstick.
HEAVY = {"conversations": 200, "planned": 12, "offers": 20, "documents": 50, "notes": 30}
LIGHT = {"conversations": 3, "planned": 1, "offers": 1, "documents": 2, "notes": 2}
NOTE_ATTACHMENTS = 10  # of the heavy lead's documents; the light lead's: 1
SURVEYS = {"heavy": 3, "light": 1}
UNITS_NEEDED = 60

# The advisor's open leads: a planned next step on most (the rest get flagged), some of
# those overdue; the others as many a day as a person can hold (today, tomorrow), the rest
# over the next two months.
PLANNED_SHARE = 0.7
OVERDUE_SHARE = 0.15
CONVERSATIONS_PER_DAY = 40
PLAN_HORIZON_DAYS = 60
OPEN_STAGE_WEIGHTS = (30, 20, 15, 12, 9, 6, 5, 3)
WORK_SOURCES = ("telefon", "recznie", "wizyta-w-biurze", "www")

# The filler conversations: almost all done; of the rest, open leads' are overdue or
# spread over the next 30 days, closed leads' stale.
FILLER_PLANNED_SHARE = 0.002
FILLER_FUTURE_DAYS = 30
DUE_IN_WINDOW = 300  # planned conversations due within the window after the sweep time

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
DOCUMENT_NAMES = (
    ("Rzut mieszkania {n}.pdf", "application/pdf", PDF),
    ("Karta lokalu {n}.pdf", "application/pdf", PDF),
    ("Zaświadczenie z banku {n}.pdf", "application/pdf", PDF),
    ("Zdjęcie dowodu wpłaty {n}.png", "image/png", PNG),
    ("Skan wniosku {n}.png", "image/png", PNG),
)
NOTE_TEXTS = (
    "Klient prosi o kontakt po 17:00.",
    "Żona decyduje o wyborze piętra; mąż o finansowaniu.",
    "Porównuje z inwestycją konkurencji przy ul. Polnej.",
    "Czeka na decyzję kredytową z dwóch banków.",
    "Interesuje go miejsce postojowe w hali garażowej.",
    "Pyta o możliwość zmian lokatorskich.",
)


def marker(lead: Lead) -> dict:
    return (lead.raw_payload or {}).get(MARKER_KEY, {})


def heavy_lead() -> Lead | None:
    return Lead.objects.filter(external_id=HEAVY_EXTERNAL_ID).first()


def light_lead() -> Lead | None:
    return Lead.objects.filter(external_id=LIGHT_EXTERNAL_ID).first()


class WorkDataLoader:
    """Loads (tops up) the data of issue 5's benchmark; ``run`` returns the timed steps."""

    def __init__(
        self,
        *,
        conversations: int,
        open_leads: int,
        advisor: str | None,
        due_in_window: int,
        media_root: str,
        seed: int,
        out: Callable[[str], None],
    ) -> None:
        if open_leads < 2:
            raise CommandError("--open-leads must be at least 2 (the heavy and light leads).")
        self.n_conversations = conversations
        self.n_open_leads = open_leads
        self.advisor_username = advisor
        self.due_in_window = due_in_window
        self.media_root = media_root
        self.rng = random.Random(seed)
        self.out = out
        self.now = timezone.now()
        self.steps: list[Step] = []
        self.skip_fk_triggers = False

    def run(self) -> list[Step]:
        self.skip_fk_triggers = database.is_superuser()
        self._timed("advisor chosen", self._choose_advisor, writes=False)
        self._timed("heavy and light leads", self._create_subject_leads)
        self._timed("advisor's open leads", self._top_up_open_leads)
        self._timed("lead events", lead_events_backfill_created)
        self._timed("heavy lead's conversations, offers, documents…", self._fill_subject_leads)
        self._timed("conversations due after the sweep time", self._copy_due_cluster)
        self._timed("filler conversations", self._insert_filler)
        self._timed(
            "foreign keys checked",
            lambda: database.verify_foreign_keys(LOADED_MODELS),
            writes=False,
        )
        self._timed("tables vacuumed and analysed", _vacuum_analyze, atomic=False, writes=False)
        return self.steps

    def _timed(
        self, name: str, step: Callable[[], int], *, atomic: bool = True, writes: bool = True
    ) -> None:
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
        unit = " rows" if writes else ""
        self.out(f"  {name}: {rows:,}{unit} in {result.seconds:.1f} s")

    # -- who ---------------------------------------------------------------------------------

    def _choose_advisor(self) -> int:
        heavy = heavy_lead()
        username = (marker(heavy).get("advisor") if heavy else None) or self.advisor_username
        if username:
            advisor = User.objects.filter(username=username, role=Role.ADVISOR).first()
            if advisor is None:
                raise CommandError(f"No advisor {username!r}.")
        else:
            biggest = biggest_branch()
            busiest = (
                Lead.employees.through.objects.filter(
                    user__branch_id=biggest["branch_id"],
                    user__role=Role.ADVISOR,
                    user__is_active=True,
                )
                .values("user_id")
                .annotate(n=Count("id"))
                .order_by("-n", "user_id")
                .first()
            )
            if busiest is None:
                raise CommandError("The biggest branch has no advisor.")
            advisor = User.objects.get(pk=busiest["user_id"])
        self.advisor = advisor
        self.teammates = list(
            User.objects.filter(branch_id=advisor.branch_id, role=Role.ADVISOR, is_active=True)
            .exclude(pk=advisor.pk)
            .values_list("pk", flat=True)
        )
        # The advisor's own clients (their caretaker), or else any of the branch.
        branch_clients = Client.objects.filter(branch_id=advisor.branch_id).order_by("id")
        self.client_ids = list(
            branch_clients.filter(caretaker=advisor).values_list("pk", flat=True)
        ) or list(branch_clients.values_list("pk", flat=True))
        self.investment_ids = list(
            Investment.objects.filter(leads__branch_id=advisor.branch_id)
            .distinct()
            .order_by("code")
            .values_list("pk", flat=True)
        ) or list(Investment.objects.order_by("pk").values_list("pk", flat=True)[:3])
        if not self.client_ids or not self.investment_ids:
            raise CommandError("The advisor's branch needs clients and investments.")
        statuses = list(LeadStatus.objects.order_by("order", "id"))
        self.stages = [s.pk for s in statuses if not s.is_won and s.active]
        self.won_status_id = next(s.pk for s in statuses if s.is_won)
        sources = dict(LeadSource.objects.values_list("slug", "pk"))
        self.source_ids = [sources[s] for s in WORK_SOURCES if s in sources] or list(
            sources.values()
        )
        self.out(f"  advisor: {advisor.username} (branch {advisor.branch})")
        return 1

    # -- leads -------------------------------------------------------------------------------

    def _create_subject_leads(self) -> int:
        """The heavy and the light lead, unless there; their conversations and the rest
        come later (``_fill_subject_leads``)."""
        rows = 0
        self.sweep_at = self.now
        for external_id, stage in ((HEAVY_EXTERNAL_ID, 6), (LIGHT_EXTERNAL_ID, 3)):
            if Lead.objects.filter(external_id=external_id).exists():
                continue
            payload = {}
            if external_id == HEAVY_EXTERNAL_ID:
                payload = {
                    MARKER_KEY: {
                        "advisor": self.advisor.username,
                        "sweep_at": self.sweep_at.isoformat(),
                        "due_in_window": self.due_in_window,
                    }
                }
            created = self.now - 320 * DAY
            status = self.stages[min(stage, len(self.stages) - 1)]
            # Both on the branch's first investment, whose units they are offered.
            spec = (external_id, status, created, payload, self.investment_ids[0])
            lead_id = self._copy_leads([spec])[0]
            copy_history(
                lead_ids=[lead_id], stages=self.stages, won_status_id=self.won_status_id,
                rng=self.rng,
            )  # fmt: skip
            rows += 1
        heavy = heavy_lead()
        self.sweep_at = datetime.fromisoformat(marker(heavy)["sweep_at"])
        return rows

    def _top_up_open_leads(self) -> int:
        have = Lead.objects.open().filter(employees=self.advisor).count()
        need = self.n_open_leads - have
        if need <= 0:
            self.out(f"  the advisor already has {have:,} open leads")
            return 0
        rng = self.rng
        specs = []
        for _ in range(need):
            age_days = 365 * rng.random() ** 2  # more of them recent
            stage = self.stages[min(_weighted_index(rng, OPEN_STAGE_WEIGHTS), len(self.stages) - 1)]
            specs.append((None, stage, self.now - age_days * DAY, {}, None))
        lead_ids = self._copy_leads(specs)
        self._copy_conversations_of_new_leads(lead_ids)
        return len(lead_ids)

    def _copy_leads(self, specs: list[tuple]) -> list[int]:
        """COPY leads of the advisor (external id, status, created, raw payload,
        investment), with their links and board entries; returns their ids."""
        rng = self.rng
        first = database.reserve_ids("leads_lead", "id", len(specs))
        ids = list(range(first, first + len(specs)))
        advisor = self.advisor.pk
        branch = self.advisor.branch_id
        with copy_into("leads_lead", LEAD_COLUMNS) as copy:
            for lead_id, (external_id, status, created, payload, _) in zip(ids, specs, strict=True):
                updated = created + (self.now - created) * rng.random()
                copy.write_row(
                    (
                        lead_id, "Zakup mieszkania", status, branch, rng.choice(self.source_ids),
                        "", "", "", "", "", "", "", "", "", "",
                        external_id or f"{WORK_PREFIX}{lead_id}", json.dumps(payload),
                        "linked", None, None, None, "", None, False,
                        created, advisor, updated, advisor,
                    )
                )  # fmt: skip
        self.lead_client = {}
        with copy_into("leads_lead_clients", ("lead_id", "client_id")) as copy:
            for lead_id in ids:
                self.lead_client[lead_id] = rng.choice(self.client_ids)
                copy.write_row((lead_id, self.lead_client[lead_id]))
        with copy_into("leads_lead_employees", ("lead_id", "user_id")) as copy:
            for lead_id in ids:
                copy.write_row((lead_id, advisor))
                if self.teammates and rng.random() < 0.2:
                    copy.write_row((lead_id, rng.choice(self.teammates)))
        with copy_into("leads_lead_investments", ("lead_id", "investment_id")) as copy:
            for lead_id, spec in zip(ids, specs, strict=True):
                copy.write_row((lead_id, spec[4] or rng.choice(self.investment_ids)))
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO leads_boardentry
                    (lead_id, employee_id, status_id, failed, deleted, created_at)
                SELECT link.lead_id, link.user_id, lead.status_id, false, false, lead.created_at
                FROM leads_lead_employees link JOIN leads_lead lead ON lead.id = link.lead_id
                WHERE link.lead_id = ANY(%s)
                ON CONFLICT DO NOTHING
                """,
                [ids],
            )
        return ids

    def _copy_conversations_of_new_leads(self, lead_ids: list[int]) -> int:
        """0–3 done conversations each, and a next step on most: overdue, today, tomorrow
        or later (at most CONVERSATIONS_PER_DAY today and tomorrow)."""
        rng = self.rng
        kinds = _Weighted(ACTIVITY_KINDS)
        advisor = self.advisor.pk
        now = self.now
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = 0
        per_day = [0, 0]
        created_of = dict(Lead.objects.filter(pk__in=lead_ids).values_list("pk", "created_at"))
        with copy_into("leads_activity", ACTIVITY_COLUMNS) as copy:
            for lead_id in lead_ids:
                created = created_of[lead_id]
                client = self.lead_client[lead_id]
                for _ in range(rng.randint(0, 3)):
                    done = created + (now - created) * rng.random()
                    kind = kinds.pick(rng)
                    copy.write_row(
                        (
                            lead_id, client, advisor, kind, "out", done if rng.random() < 0.5
                            else None, done, rng.randint(2, 40) if kind == "phone" else None,
                            rng.choice(ACTIVITY_NOTES), done, advisor,
                        )
                    )  # fmt: skip
                    rows += 1
                if rng.random() >= PLANNED_SHARE:
                    continue  # no next step: "My day" lists it
                if rng.random() < OVERDUE_SHARE:
                    planned = now - rng.uniform(0.1, 20) * DAY
                else:
                    day = next((d for d in (0, 1) if per_day[d] < CONVERSATIONS_PER_DAY), None)
                    if day is None:
                        day = rng.randint(2, PLAN_HORIZON_DAYS)
                    else:
                        per_day[day] += 1
                    planned = today + day * DAY + timedelta(hours=rng.uniform(8, 18))
                made = max(created, min(now, planned - DAY))
                copy.write_row(
                    (
                        lead_id, client, advisor, kinds.pick(rng), "out", planned, None, None,
                        "", made, advisor,
                    )
                )  # fmt: skip
                rows += 1
        return rows

    # -- the heavy and the light lead ------------------------------------------------------

    def _fill_subject_leads(self) -> int:
        rows = 0
        for lead, sizes, surveys in (
            (heavy_lead(), HEAVY, SURVEYS["heavy"]),
            (light_lead(), LIGHT, SURVEYS["light"]),
        ):
            if lead.activities.exists():
                continue
            filler = _LeadFiller(
                lead=lead, advisor=self.advisor, rng=self.rng, now=self.now,
                media_root=self.media_root,
            )  # fmt: skip
            rows += filler.fill(sizes, surveys=surveys)
        return rows

    # -- the reminder window and the filler --------------------------------------------------

    def _copy_due_cluster(self) -> int:
        """Planned conversations due within the reminder window after the sweep time, on
        open leads of every branch but not the advisor's; once (the sweep time is fixed at
        the first load)."""
        window = timedelta(minutes=crm_settings().reminder_minutes)
        already = Activity.objects.filter(
            done_at__isnull=True,
            planned_at__gte=self.sweep_at,
            planned_at__lt=self.sweep_at + window,
            created_by__isnull=True,
        ).count()
        need = self.due_in_window - already
        if need <= 0:
            return 0
        # Not the advisor's: their day keeps a person's number of conversations.
        leads = list(
            Lead.objects.open().exclude(employees=self.advisor).values_list("pk", flat=True)
        )
        employee_of = _first_links("leads_lead_employees", "user_id")
        client_of = _first_links("leads_lead_clients", "client_id")
        rng = self.rng
        kinds = _Weighted(ACTIVITY_KINDS)
        with copy_into("leads_activity", ACTIVITY_COLUMNS) as copy:
            rows = 0
            for lead_id in rng.sample(leads, min(need, len(leads))):
                if lead_id not in employee_of:
                    continue
                planned = self.sweep_at + window * rng.random()
                copy.write_row(
                    (
                        lead_id, client_of.get(lead_id), employee_of[lead_id], kinds.pick(rng),
                        "out", planned, None, None, "", planned - rng.uniform(1, 5) * DAY, None,
                    )
                )  # fmt: skip
                rows += 1
        return rows

    def _insert_filler(self) -> int:
        need = self.n_conversations - Activity.objects.count()
        if need <= 0:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [self.rng.random() * 2 - 1])
            cursor.execute(FILLER_SQL, {"n": need, "t": self.sweep_at, "heavy": LIGHT_OR_HEAVY})
            return cursor.rowcount


LIGHT_OR_HEAVY = [HEAVY_EXTERNAL_ID, LIGHT_EXTERNAL_ID]

# One row per conversation: a lead drawn at random (never the heavy or light one), its
# first employee and client; done between its creation and its closing (or the sweep
# time), planned before for half of them; 0.2 % still planned.
FILLER_SQL = f"""
WITH target AS (
    SELECT row_number() OVER (ORDER BY l.id) AS n, l.id, l.created_at,
           LEAST(COALESCE(l.closed_at, %(t)s), %(t)s) AS until,
           (l.failed_at IS NULL AND l.closed_at IS NULL) AS open,
           (SELECT min(e.user_id) FROM leads_lead_employees e WHERE e.lead_id = l.id) AS employee,
           (SELECT min(c.client_id) FROM leads_lead_clients c WHERE c.lead_id = l.id) AS client
    FROM leads_lead l
    WHERE l.intake_outcome <> 'deleted' AND l.external_id <> ALL(%(heavy)s)
      AND EXISTS (SELECT 1 FROM leads_lead_employees e WHERE e.lead_id = l.id)
),
draw AS (
    SELECT 1 + floor(random() * (SELECT count(*) FROM target))::bigint AS n,
           random() AS r_when, random() AS r_kind, random() AS r_state, random() AS r_dir,
           random() AS r_more
    FROM generate_series(1, %(n)s)
),
shaped AS (
    SELECT t.id AS lead_id, t.client, t.employee,
           CASE WHEN d.r_kind < 0.6 THEN 'phone' WHEN d.r_kind < 0.8 THEN 'email'
                WHEN d.r_kind < 0.95 THEN 'meeting' ELSE 'sms' END AS kind,
           CASE WHEN d.r_dir < 0.2 THEN 'in' ELSE 'out' END AS direction,
           d.r_state >= {FILLER_PLANNED_SHARE} AS done,
           t.created_at + (t.until - t.created_at) * d.r_when AS done_at,
           CASE
               WHEN NOT t.open THEN t.created_at + (t.until - t.created_at) * d.r_when
               WHEN d.r_more < 0.4 THEN %(t)s - interval '60 days' * d.r_when
               ELSE %(t)s + interval '{FILLER_FUTURE_DAYS} days' * d.r_when
           END AS planned_at,
           d.r_more
    FROM draw d JOIN target t ON t.n = d.n
)
INSERT INTO leads_activity (lead_id, client_id, employee_id, kind, direction, planned_at,
                            done_at, duration_minutes, notes, created_at, created_by_id)
SELECT lead_id, client, employee, kind, direction,
       CASE WHEN NOT done THEN planned_at
            WHEN r_more < 0.5 THEN done_at - interval '2 days' * r_more END,
       CASE WHEN done THEN done_at END,
       CASE WHEN done AND kind IN ('phone', 'meeting') THEN 2 + floor(r_more * 58)::int END,
       (ARRAY['', '', '', 'Nie odbiera, spróbować jutro.', 'Wysłano ofertę e-mailem.',
              'Pyta o harmonogram płatności.', 'Czeka na decyzję banku.'])[1 + floor(r_more * 7)::int],
       CASE WHEN done THEN done_at - interval '1 hour' * r_more
            ELSE LEAST(planned_at, %(t)s) - interval '3 days' * r_more END,
       NULL
    FROM shaped
"""  # noqa: E501


class _LeadFiller:
    """One lead's conversations, offers, reservations, contract, notes, documents and
    survey responses, saved one by one so that their history is written, dated when each
    happened (``_history_date``)."""

    def __init__(
        self, *, lead: Lead, advisor: User, rng: random.Random, now: datetime, media_root: str
    ) -> None:
        self.lead = lead
        self.advisor = advisor
        self.rng = rng
        self.now = now
        self.media_root = media_root
        self.client = lead.clients.first()
        self.rows = 0

    def fill(self, sizes: dict, *, surveys: int) -> int:
        self._conversations(sizes["conversations"], planned=sizes["planned"])
        units = self._units()
        self._offers(sizes["offers"], units)
        self._reservations_and_contract(units)
        self._notes_and_documents(sizes["notes"], sizes["documents"])
        self._surveys(surveys)
        return self.rows

    def _save(self, obj, when: datetime) -> None:
        obj._history_date = when
        obj._history_user = self.advisor
        obj.save()
        self.rows += 1

    def _when(self, days_back_max: float = 300) -> datetime:
        return self.now - self.rng.uniform(0.5, days_back_max) * DAY

    def _conversations(self, count: int, *, planned: int) -> None:
        rng = self.rng
        kinds = _Weighted(ACTIVITY_KINDS)
        for n in range(count):
            kind = kinds.pick(rng)
            activity = Activity(
                lead=self.lead, client=self.client, employee=self.advisor, kind=kind,
                direction="in" if rng.random() < 0.2 else "out", created_by=self.advisor,
            )  # fmt: skip
            if n < planned:  # the next steps: two overdue, the others ahead
                offset = -rng.uniform(0.1, 3) if n < min(2, planned - 1) else rng.uniform(0.1, 14)
                activity.planned_at = self.now + offset * DAY
                activity.created_at = min(self.now, activity.planned_at) - DAY
                self._save(activity, activity.created_at)
                continue
            done = self._when()
            if rng.random() < 0.7:  # planned first, then logged as done
                activity.planned_at = done - timedelta(minutes=rng.randint(0, 90))
                activity.created_at = activity.planned_at - rng.uniform(0.5, 5) * DAY
                self._save(activity, activity.created_at)
            else:
                activity.created_at = done
            activity.done_at = done
            activity.duration_minutes = rng.randint(2, 60) if kind in ("phone", "meeting") else None
            activity.notes = rng.choice(ACTIVITY_NOTES)
            self._save(activity, done)

    def _units(self) -> list[Unit]:
        """The investment's free units (the others are sold or held: generate_bench_data's
        contracts), topped up to UNITS_NEEDED."""
        investment = self.lead.investments.order_by("pk").first()
        units = list(
            investment.units.filter(status=UnitStatus.AVAILABLE, hold__isnull=True).order_by("pk")
        )
        if len(units) < UNITS_NEEDED:
            rng = self.rng
            taken = set(investment.units.values_list("number", flat=True))
            new = []
            for n in range(1, UNITS_NEEDED * 2):
                number = f"B{n // 20 + 1}/{n:03d}"
                if number in taken or len(units) + len(new) >= UNITS_NEEDED:
                    continue
                rooms = rng.choice((1, 2, 2, 3, 3, 4, 5))
                area = Decimal(rooms * 16 + rng.randint(10, 25))
                new.append(
                    Unit(
                        investment=investment, number=number, kind=UnitKind.FLAT, rooms=rooms,
                        area=area, floor=n % 8, list_price=area * rng.randint(9_000, 14_000),
                    )
                )  # fmt: skip
            units += Unit.objects.bulk_create(new)
            self.rows += len(new)
        return units

    def _offers(self, count: int, units: list[Unit]) -> None:
        rng = self.rng
        statuses = (OfferStatus.SENT,) * 8 + (OfferStatus.DRAFT,) * 5 + (OfferStatus.REJECTED,) * 5
        statuses += (OfferStatus.ACCEPTED,) * 2
        for n in range(count):
            created = self._when(250)
            offer = Offer(
                lead=self.lead, client=self.client, created_at=created, created_by=self.advisor,
                valid_until=(created + 14 * DAY).date(), status=OfferStatus.DRAFT,
            )  # fmt: skip
            self._save(offer, created)
            for unit in rng.sample(units[:40], rng.choice((2, 3))):
                discount = Decimal(rng.choice((0, 0, 1, 2, 3, 5))) / 100
                OfferItem.objects.create(
                    offer=offer, unit=unit, list_price=unit.list_price,
                    price=(unit.list_price * (1 - discount)).quantize(Decimal("1.00")),
                )  # fmt: skip
                self.rows += 1
            status = statuses[n % len(statuses)]
            if status != OfferStatus.DRAFT:  # sent, then maybe answered: a change each
                offer.status = OfferStatus.SENT
                offer.sent_at = created + timedelta(hours=rng.uniform(1, 48))
                offer.channel = rng.choice(("email", "email", "in_person", "post"))
                self._save(offer, offer.sent_at)
                if status != OfferStatus.SENT:
                    offer.status = status
                    self._save(offer, offer.sent_at + rng.uniform(1, 10) * DAY)

    def _reservations_and_contract(self, units: list[Unit]) -> None:
        """An expired reservation, an active one (the unit reserved, its hold) and a
        cancelled reservation agreement, on units no other lead holds."""
        free = [u for u in units[40:] if u.status == UnitStatus.AVAILABLE]
        free = [u for u in free if not UnitHold.objects.filter(unit=u).exists()]
        if len(free) < 3:
            return
        expired_unit, active_unit, contract_unit = free[:3]
        created = self._when(120)
        expired = Reservation(
            lead=self.lead, client=self.client, unit=expired_unit, created_by=self.advisor,
            reserved_until=(created + 7 * DAY).date(), created_at=created,
        )  # fmt: skip
        self._save(expired, created)
        expired.status, expired.ended_at = ReservationStatus.EXPIRED, created + 8 * DAY
        self._save(expired, expired.ended_at)
        created = self.now - 2 * DAY
        active = Reservation(
            lead=self.lead, client=self.client, unit=active_unit, created_by=self.advisor,
            reserved_until=(created + 7 * DAY).date(), created_at=created,
            fee=Decimal("5000.00"),
        )  # fmt: skip
        self._save(active, created)
        UnitHold.objects.create(unit=active_unit, reservation=active, since=created)
        active_unit.status = UnitStatus.RESERVED
        active_unit.save(update_fields=["status"])
        signed = self.now - 60 * DAY
        contract = Contract(
            lead=self.lead, kind=ContractKind.RESERVATION, number=f"UR/{self.lead.pk}/1",
            signed_at=signed.date(), price=contract_unit.list_price, created_at=signed,
            created_by=self.advisor,
        )  # fmt: skip
        self._save(contract, signed)
        contract.units.add(contract_unit)
        if self.client:
            contract.clients.add(self.client)
        contract.cancelled_at = signed + 20 * DAY
        contract.cancelled_by = self.advisor
        contract.cancellation_reason = "Klient wycofał się z zakupu."
        self._save(contract, contract.cancelled_at)
        self.rows += 2

    def _notes_and_documents(self, notes: int, documents: int) -> None:
        rng = self.rng
        attachments = min(NOTE_ATTACHMENTS if documents > 5 else 1, documents, notes)
        with override_settings(MEDIA_ROOT=self.media_root):
            for n in range(notes):
                created = self._when()
                note = Note(
                    lead=self.lead, text=rng.choice(NOTE_TEXTS), created_at=created,
                    created_by=self.advisor,
                )  # fmt: skip
                self._save(note, created)
                if n < attachments:
                    self._document(n, created + timedelta(seconds=1), note=note)
            for n in range(attachments, documents):
                self._document(n, self._when())

    def _document(self, n: int, when: datetime, note: Note | None = None) -> None:
        name, content_type, content = DOCUMENT_NAMES[n % len(DOCUMENT_NAMES)]
        document = Document(
            lead=self.lead, note=note, original_name=name.format(n=n + 1),
            content_type=content_type, size=len(content), uploaded_at=when,
            uploaded_by=self.advisor,
        )  # fmt: skip
        document.file.save("upload", ContentFile(content), save=False)
        self._save(document, when)

    def _surveys(self, count: int) -> None:
        template = SurveyTemplate.objects.filter(is_default=True).first()
        if template is None:
            return
        questions = list(template.questions.order_by("order", "id"))
        rng = self.rng
        for _ in range(count):
            response = SurveyResponse.objects.create(
                lead=self.lead, template=template, filled_at=self._when(200),
                filled_by=self.advisor,
            )  # fmt: skip
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, question=q, value=_answer(q, rng))
                for q in questions
            )
            self.rows += 1 + len(questions)


def _answer(question, rng: random.Random) -> str:
    if question.kind == "number":
        return str(rng.choice((450_000, 600_000, 750_000))) if question.order == 1 else "54"
    if question.kind == "single":
        return rng.choice(question.choice_list)
    if question.kind == "multiple":
        return "\n".join(rng.sample(question.choice_list, 2))
    if question.kind == "yes_no":
        return rng.choice(("yes", "no"))
    return "Mieszkanie z balkonem, blisko szkoły."


def _first_links(table: str, column: str) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT lead_id, min({column}) FROM {table} GROUP BY lead_id")
        return dict(cursor.fetchall())


LOADED_MODELS = (
    Activity, Offer, OfferItem, Reservation, Contract, UnitHold, Note, Document,
    SurveyResponse, SurveyAnswer, Lead, *(f.remote_field.through for f in Lead._meta.many_to_many),
)  # fmt: skip
WORK_ANALYZE_TABLES = (
    "leads_lead", "leads_activity", "leads_boardentry", "leads_lead_employees",
    "leads_lead_clients", "leads_lead_investments", "leads_leadevent", "leads_offer",
    "leads_offeritem", "leads_reservation", "leads_contract", "leads_unithold", "leads_note",
    "leads_document", "leads_surveyresponse", "leads_surveyanswer", "leads_historicalactivity",
    "leads_historicaloffer", "leads_historicalreservation", "leads_historicalcontract",
    "leads_historicalnote", "leads_historicaldocument", "leads_historicallead",
    "investments_unit", "notifications_notification",
)  # fmt: skip


def _vacuum_analyze() -> int:
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in WORK_ANALYZE_TABLES:
            cursor.execute(f"{command} {table}")
    return len(WORK_ANALYZE_TABLES)


# -- reset ---------------------------------------------------------------------------------


def reset_work_data(*, media_root: str) -> dict[str, int]:
    """Delete what the loader added: its leads with everything on them (their files too),
    their history rows, and the conversations it added to other leads. Units stay."""
    with transaction.atomic():
        lead_ids = list(
            Lead.objects.filter(external_id__startswith=WORK_PREFIX).values_list("pk", flat=True)
        )
        files = list(Document.objects.filter(lead_id__in=lead_ids).values_list("file", flat=True))
        held = list(
            UnitHold.objects.filter(reservation__lead_id__in=lead_ids).values_list(
                "unit_id", flat=True
            )
        )
        deleted = {"leads": len(lead_ids)}
        with connection.cursor() as cursor:
            deleted["conversations"] = _delete_where(
                cursor, "leads_activity", "created_by_id IS NULL OR lead_id = ANY(%s)", [lead_ids]
            )
            _delete_where(cursor, "leads_lead", "id = ANY(%s)", [lead_ids])
            for table in (
                "leads_historicalactivity", "leads_historicaloffer", "leads_historicalnote",
                "leads_historicaldocument", "leads_historicalreservation",
                "leads_historicalcontract",
            ):  # fmt: skip
                cursor.execute(f"DELETE FROM {table} WHERE lead_id = ANY(%s)", [lead_ids])
            cursor.execute("DELETE FROM leads_historicallead WHERE id = ANY(%s)", [lead_ids])
            for _, _, history_table in database.LINK_TABLES:
                cursor.execute(f"DELETE FROM {history_table} WHERE lead_id = ANY(%s)", [lead_ids])
        Unit.objects.filter(pk__in=held).update(status=UnitStatus.AVAILABLE)
    with override_settings(MEDIA_ROOT=media_root):
        for name in files:
            default_storage.delete(name)
    deleted["files"] = len(files)
    return deleted


def _delete_where(cursor, table: str, condition: str, params: list, depth: int = 0) -> int:
    """DELETE rows and, first, whatever references them (Django's foreign keys have no
    ON DELETE in the database), following the catalogue's foreign keys."""
    if depth > 6:
        raise CommandError(f"Foreign keys nest too deep under {table}.")
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, a.attname, af.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.confrelid = %s::regclass
        """,
        [table],
    )
    for child, column, target in cursor.fetchall():
        if child == table:
            continue
        _delete_where(
            cursor,
            child,
            f"{column} IN (SELECT {target} FROM {table} WHERE {condition})",
            params,
            depth + 1,
        )
    cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
    return cursor.rowcount


def media_root_default() -> str:
    """Where the documents' files go unless told: a directory of the system's temp."""
    return str(Path(tempfile.gettempdir()) / "lejek-bench-work-media")
