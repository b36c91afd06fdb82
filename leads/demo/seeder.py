"""Demo data: one branch, its team and 18 months of believable sales work.

Demo data let people try Lejek, and developers build screens and reports, without touching
anybody's real personal data. The data are deterministic (a fixed random seed; dates count
back from today), so what one developer sees another can reproduce.

It lives in ``leads`` because leads sit on top of every other domain app (STYLE.md "Shape"):
only here may one module create users, clients, units and leads together.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from clients.models import Client, ClientKind, Contractor, LeadSource
from consents.selectors import controller_default
from crm.core.models import Branch, Role, User
from crm.core.normalization import fold_name
from crm.core.services import user_create
from investments.models import Investment, Unit, UnitKind, UnitStatus
from leads.models import (
    AssignmentRule,
    AssignmentStrategy,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)
from leads.services.board import board_entries_rebuild
from leads.services.figures import lead_figures_rebuild
from leads.services.offers import OFFER_STATUS_SLUG
from leads.services.sales import RESERVATION_STATUS_SLUG
from settings_app.selectors import crm_settings

from . import data
from .consents import DemoConsents
from .history import record_history
from .identities import Identities, format_phone
from .views import seed_saved_views
from .work import LeadWork, response_minutes


@dataclass
class Household:
    """The clients who buy together (one person, a couple or a company) and whoever cares
    for them; their leads follow one another in time, which makes repeat leads true."""

    clients: list[Client]
    caretaker: User
    investment: Investment
    is_company: bool
    lead_count: int = 1
    leads: list[Lead] = field(default_factory=list)


@dataclass
class PlannedLead:
    """A lead and its many-to-many links, inserted in bulk once every lead has its id."""

    lead: Lead
    clients: list[Client]
    contractors: list[Contractor]
    investments: list[Investment]
    employees: list[User]


class DemoSeeder:
    """Plans the whole data set in memory, then writes it with a handful of bulk inserts:
    500 leads saved one by one would take far longer than the 30 seconds we allow."""

    def __init__(self, *, rng: random.Random, end: datetime) -> None:
        self.rng = rng
        self.end = end  # the story's "now": nothing happens after it
        self.start = end - timedelta(days=data.PERIOD_DAYS)
        # When the branch entered its catalogue and partners, before the first inquiry.
        self.set_up_at = self.start - timedelta(days=30)
        self.identities = Identities(rng)
        # Draws for the consent register of its own, so that the rest stays as it was.
        self.consent_rng = random.Random(data.SEED + 398)
        self.used_external_ids: set[tuple[str, str]] = set()
        self.planned: list[PlannedLead] = []
        # (unit, when its status changed, by whom, to what): for the units' history
        self.unit_changes: list[tuple[Unit, datetime, User | None, str]] = []

    # -- reference data and the team ---------------------------------------------------------

    def load_reference_data(self) -> None:
        """The pipeline, sources and reasons come from the data migrations; admins may have
        renamed or reordered them, so they are read, never assumed."""
        statuses = list(LeadStatus.objects.filter(active=True).order_by("order", "id"))
        self.open_statuses = [status for status in statuses if not status.is_won]
        self.won_status = next((status for status in statuses if status.is_won), None)
        self.sources = list(LeadSource.objects.filter(active=True))
        self.failure_reasons = list(FailureReason.objects.filter(active=True))
        self.deletion_reasons = list(DeletionReason.objects.filter(active=True))
        if not (
            self.open_statuses
            and self.won_status
            and self.sources
            and self.failure_reasons
            and self.deletion_reasons
        ):
            raise CommandError(
                "Lead statuses (with a won one), sources, failure and deletion reasons are "
                "missing; run `manage.py migrate` first, their data migrations seed them."
            )
        self.intake_sources = [
            s for s in self.sources if s.slug in data.INTAKE_SOURCES
        ] or self.sources
        settings = crm_settings()
        self.default_lead_name = settings.default_lead_name
        self.reservation_days = settings.reservation_days
        by_slug = {status.slug: status for status in self.open_statuses}
        # The stages the sales services move leads to; the seeded pipeline's places if an
        # administrator renamed them.
        self.offer_status = by_slug.get(OFFER_STATUS_SLUG, self.open_statuses[:2][-1])
        self.reservation_status = by_slug.get(RESERVATION_STATUS_SLUG, self.open_statuses[-1])

    def describe_controller(self) -> None:
        """The demo developer as the data controller the consents are given to (a new
        installation's is a placeholder to fill in: its public form would name it)."""
        controller = controller_default()
        if controller is not None and not controller.nip:
            for name, value in data.DEMO_CONTROLLER.items():
                setattr(controller, name, value)
            controller.save()

    def create_team(self) -> None:
        """Through user_create, as an administrator would: the role sets the group."""
        self.branch, _ = Branch.objects.get_or_create(
            name=data.BRANCH_NAME, defaults={"city": "Poznań"}
        )
        users = {}
        for login in data.DEMO_LOGINS:
            users[login.username] = user_create(
                username=login.username,
                password=login.password,
                role=login.role,
                branch=self.branch,
                first_name=login.first_name,
                last_name=login.last_name,
                email=f"{login.username}@lejek.example",
            )
        self.users = list(users.values())
        self.administrator = users["administrator"]
        self.manager = users["kierownik"]
        self.advisors = [user for user in self.users if user.role == Role.ADVISOR]

    # -- how inquiries arrive ------------------------------------------------------------

    def create_intake_routing(self) -> None:
        """What an administrator sets up in Django admin before the first inquiry: the
        assignment rules (so that an inquiry from the API or the form goes to an advisor,
        not to the administrator as the last resort) and the website's inquiry form
        (/intake/www/)."""
        rules = (
            (
                f"{data.RULE_INVESTMENT_NAME} — {self.investments[0].name}",
                10,
                AssignmentStrategy.FEWEST_OPEN,
                [self.investments[0]],
                self.advisors[:2],
            ),
            (data.RULE_EVERYONE_NAME, 100, AssignmentStrategy.ROUND_ROBIN, [], self.advisors),
        )
        for name, priority, strategy, investments, pool in rules:
            rule = AssignmentRule(name=name, priority=priority, strategy=strategy)
            rule.full_clean()
            rule.save()
            rule.investments.set(investments)
            rule.pool.set(pool)
        website = next((s for s in self.sources if s.slug == data.FORM_SOURCE), None)
        if website is not None and not website.intake_form_enabled:
            website.intake_form_enabled = True
            website.full_clean()
            website.save(update_fields=["intake_form_enabled"])

    # -- investments and units -------------------------------------------------------------

    def create_investments(self) -> None:
        self.investments: list[Investment] = []
        self.units: list[Unit] = []
        self.investment_weights: list[int] = []
        for spec in data.INVESTMENTS:
            investment = Investment(
                name=spec.name, code=spec.code, city=spec.city, address=spec.address
            )
            investment.full_clean()
            investment.save()
            self.investments.append(investment)
            self.investment_weights.append(spec.popularity)
            self.units.extend(self._plan_units(investment, spec))

    def _plan_units(self, investment: Investment, spec: data.InvestmentSpec) -> list[Unit]:
        """Flats over the floors, commercial units on the ground floor, parking spaces and
        storage rooms in the garage, priced around the investment's average per m²."""
        rng, base = self.rng, spec.price_per_m2
        units = []

        def add(
            number: str, kind: str, area: Decimal, floor: int, price: Decimal, rooms=None
        ) -> None:
            units.append(
                Unit(
                    investment=investment,
                    number=number,
                    kind=kind,
                    rooms=rooms,
                    area=area,
                    floor=floor,
                    list_price=price,
                )
            )

        per_floor = math.ceil(data.FLATS_PER_INVESTMENT / (spec.floors + 1))
        room_weights = data.FLAT_ROOMS_WEIGHTS
        for index in range(data.FLATS_PER_INVESTMENT):
            floor = index // per_floor
            rooms = rng.choices(list(room_weights), weights=room_weights.values())[0]
            area = self._area(*data.FLAT_AREA_BY_ROOMS[rooms])
            # Higher floors sell a little dearer, as in every Poznań price list.
            per_m2 = base * (1 + 0.012 * floor) * rng.uniform(0.95, 1.05)
            add(f"M{index + 1:02d}", UnitKind.FLAT, area, floor, self._price(area, per_m2), rooms)
        for index in range(data.COMMERCIAL_PER_INVESTMENT):
            area = self._area(55, 160)
            price = self._price(area, base * rng.uniform(0.85, 1.05))
            add(f"U{index + 1}", UnitKind.COMMERCIAL, area, 0, price)
        for index in range(data.PARKING_PER_INVESTMENT):
            price = Decimal(round(base * 4 * rng.uniform(0.9, 1.1), -3))  # ~4 m² of a flat
            add(f"P{index + 1:02d}", UnitKind.PARKING, self._area(12.5, 14.5), -1, price)
        for index in range(data.STORAGE_PER_INVESTMENT):
            area = self._area(3.5, 7.5)
            add(f"K{index + 1}", UnitKind.STORAGE, area, -1, self._price(area, 4500))
        return units

    def _area(self, low: float, high: float) -> Decimal:
        return Decimal(self.rng.randint(int(low * 100), int(high * 100))) / 100

    @staticmethod
    def _price(area: Decimal, per_m2: float) -> Decimal:
        # List prices are round hundreds of złoty.
        return Decimal(round(float(area) * per_m2, -2))

    def _take_unit(self, investment: Investment, kind: str, status: str, lead: Lead) -> None:
        """Reserve or sell an available unit of the lead's investment, so that availability
        agrees with the pipeline; the unit's history shows who did it and when."""
        available = [
            unit
            for unit in self.units
            if unit.investment is investment and unit.status == UnitStatus.AVAILABLE
        ]
        wanted = [unit for unit in available if unit.kind == kind] or available
        if wanted:
            unit = self.rng.choice(wanted)
            unit.status = status
            lead._demo_unit = unit  # its reservation or contract is planned in work.py
            self.unit_changes.append((unit, lead.updated_at, lead.updated_by, status))

    # -- contractors -----------------------------------------------------------------------

    def create_contractors(self) -> None:
        """The partners leads are tied to (brokers, notaries, firms buying for their staff),
        known to the CRM since before the story begins."""
        self.contractors = []
        for name, street, postal_code in data.CONTRACTORS:
            nip = self.identities.nip()
            dashed = f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
            contractor = Contractor(
                name=name,
                branch=self.branch,
                # Half typed with dashes, as on invoices; clean() keeps the digits only.
                nip=dashed if self.rng.random() < 0.5 else nip,
                krs=self.identities.krs(),
                regon=self.identities.regon(),
                email=f"biuro@{fold_name(name).split()[0]}.example",
                phone=self.identities.landline(),
                street=street,
                postal_code=postal_code,
                city="Poznań",
            )
            contractor.full_clean()
            self.contractors.append(contractor)
        Contractor.objects.bulk_create(self.contractors)
        for contractor in self.contractors:
            # auto_now(_add) stamped the insert time; bulk_update writes the values as given.
            contractor.created_at = contractor.updated_at = self.set_up_at
        Contractor.objects.bulk_update(self.contractors, ["created_at", "updated_at"])
        record_history(
            Contractor, [(c, self.set_up_at, self.administrator) for c in self.contractors]
        )

    # -- clients ---------------------------------------------------------------------------

    def plan_households(self) -> list[Household]:
        rng = self.rng
        households = []
        for company_name in data.COMPANY_CLIENT_NAMES[: data.COMPANY_COUNT]:
            contact = self._person(female=rng.random() < 0.5, contact="both")
            contact.kind = ClientKind.COMPANY
            contact.company_name = company_name
            contact.email = self.identities.unique_email(
                f"biuro.{fold_name(company_name).split()[0]}"
            )
            households.append(self._household([contact], is_company=True))
        for _ in range(data.COUPLE_COUNT):
            family = rng.choice(data.SURNAMES)
            wife = self._person(female=True, family=family)
            husband = self._person(female=False, family=family)
            households.append(self._household([wife, husband], is_company=False))
        singles = data.CLIENT_COUNT - data.COMPANY_COUNT - 2 * data.COUPLE_COUNT
        for _ in range(singles):
            person = self._person(female=rng.random() < 0.55)
            households.append(self._household([person], is_company=False))
        rng.shuffle(households)
        self.clients = [client for household in households for client in household.clients]
        return households

    def _household(self, clients: list[Client], *, is_company: bool) -> Household:
        caretaker = self.rng.choice(self.advisors)
        investment = self.rng.choices(self.investments, weights=self.investment_weights)[0]
        for client in clients:
            client.caretaker = caretaker
            client.created_by = caretaker
        return Household(
            clients=clients, caretaker=caretaker, investment=investment, is_company=is_company
        )

    def _person(self, *, female: bool, family: str | None = None, contact: str = "") -> Client:
        rng, identities = self.rng, self.identities
        first_name = identities.first_name(female=female)
        last_name = identities.surname(female=female, family=family)
        # Every client has an email or a phone (a database rule); many have both.
        contact = contact or rng.choices(("both", "phone", "email"), weights=(60, 25, 15))[0]
        return Client(
            kind=ClientKind.PERSON,
            first_name=first_name,
            last_name=last_name,
            email=identities.email(first_name, last_name) if contact != "phone" else "",
            phone=identities.mobile() if contact != "email" else "",
            pesel=identities.pesel(female=female) if rng.random() < 0.25 else "",
            branch=self.branch,
            description=rng.choice(data.CLIENT_NOTES) if rng.random() < 0.2 else "",
        )

    # -- leads -----------------------------------------------------------------------------

    def plan_leads(self, households: list[Household]) -> None:
        """Each household makes one or more inquiries over time; the first one brings its
        clients into the CRM, later ones are repeat leads."""
        rng = self.rng
        household_leads = (
            data.LEAD_COUNT - data.DELETED_INQUIRY_COUNT - data.UNVERIFIED_INQUIRY_COUNT
        )
        # A few eager households ask many times (several portals, a parking space later);
        # most ask once or twice.
        activity = [rng.choice((1, 1, 1, 2, 3, 5)) for _ in households]
        extra = rng.choices(households, weights=activity, k=household_leads - len(households))
        for household in extra:
            household.lead_count += 1
        for household in households:
            first = self._moment(self.start, self.end - timedelta(hours=2))
            later = [
                self._moment(first, self.end - timedelta(minutes=30))
                for _ in range(household.lead_count - 1)
            ]
            won_before = False
            for index, created_at in enumerate(sorted([first, *later])):
                lead = self._household_lead(household, created_at, index, won_before)
                won_before = won_before or lead.status_id == self.won_status.pk
            self._mark_failed_clients(household)
        for _ in range(data.DELETED_INQUIRY_COUNT):
            self._deleted_inquiry()
        for _ in range(data.UNVERIFIED_INQUIRY_COUNT):
            self._unverified_inquiry()
        self.planned.sort(key=lambda planned: planned.lead.created_at)

    def _household_lead(
        self, household: Household, created_at: datetime, index: int, won_before: bool
    ) -> Lead:
        rng = self.rng
        weights = data.COMPANY_SOURCE_WEIGHTS if household.is_company else data.SOURCE_WEIGHTS
        source_weights = [weights.get(source.slug, 3) for source in self.sources]
        source = rng.choices(self.sources, weights=source_weights)[0]
        is_intake = source.slug in data.INTAKE_SOURCES
        primary = household.clients[0]
        clients = (
            household.clients if len(household.clients) == 1 or rng.random() < 0.7 else [primary]
        )
        investments = [
            household.investment
            if rng.random() < 0.75
            else rng.choices(self.investments, weights=self.investment_weights)[0]
        ]
        if rng.random() < 0.25:
            investments.append(rng.choice([i for i in self.investments if i is not investments[0]]))
        employees = [household.caretaker]
        if rng.random() < 0.15:
            employees.append(rng.choice([a for a in self.advisors if a is not household.caretaker]))
        contractors = []
        if rng.random() < (0.6 if household.is_company else 0.08):
            contractors.append(rng.choice(self.contractors))

        unit_kind = UnitKind.FLAT
        if household.is_company and rng.random() < 0.5:
            unit_kind = UnitKind.COMMERCIAL
        elif won_before and rng.random() < 0.6:
            # A returning customer comes back for a parking space or a storage room.
            unit_kind = rng.choice((UnitKind.PARKING, UnitKind.STORAGE))

        consent_marketing = rng.random() < 0.45
        lead = Lead(
            name=data.LEAD_NAMES.get(unit_kind, self.default_lead_name),
            branch=self.branch,
            source=source,
            contact_first_name=primary.first_name,
            contact_last_name=primary.last_name,
            contact_email=primary.email,
            contact_phone=primary.phone,
            # Intake leads were linked to a client (or made one) by their advisor; a lead
            # made by hand with its client is verified at once, as lead_create marks it.
            intake_outcome=(
                IntakeOutcome.CONVERTED if is_intake and index == 0 else IntakeOutcome.LINKED
            ),
            is_repeat=index > 0,
            created_at=created_at,
            created_by=(household.caretaker if is_intake or rng.random() < 0.9 else self.manager),
        )
        # What the inquiry's form carried, for the consent register (written with the rest).
        lead._demo_consent_marketing = is_intake and consent_marketing
        if is_intake:
            self._fill_inquiry(lead, investments[0])
        self._settle(lead, earlier_inquiry=index < household.lead_count - 1, employees=employees)
        # A contract sells a unit; a preliminary reservation (its own stage) holds one.
        if lead.status == self.won_status:
            self._take_unit(investments[0], unit_kind, UnitStatus.SOLD, lead)
        elif lead.status == self.reservation_status and lead.failed_at is None:
            self._take_unit(investments[0], unit_kind, UnitStatus.RESERVED, lead)
        lead._demo_kind = unit_kind  # what its offers and survey are about
        if index == 0:
            self._welcome_clients(household, lead, consent_marketing)
        household.leads.append(lead)
        self.planned.append(PlannedLead(lead, clients, contractors, investments, employees))
        return lead

    def _fill_inquiry(self, lead: Lead, investment: Investment, message: str = "") -> None:
        """What an intake API call would have stored: the message, UTM tags, the sender's
        id and the raw payload."""
        rng = self.rng
        lead.message = message or rng.choice(data.INQUIRY_MESSAGES).format(
            rooms=rng.choice((2, 3, 3, 4)),
            investment=investment.name,
            first_name=lead.contact_first_name,
            area=rng.choice((45, 55, 60, 70)),
        )
        if lead.source.slug == "facebook":
            lead.utm_source, lead.utm_medium = "facebook", "paid_social"
            lead.utm_campaign = f"{investment.code}-{timezone.localtime(lead.created_at):%Y-%m}"
        elif lead.source.slug == "www" and rng.random() < 0.4:
            lead.utm_source, lead.utm_medium, lead.utm_campaign = "google", "cpc", investment.code
            lead.utm_term = f"mieszkania {investment.city.lower()}"
        lead.external_id = self._external_id(lead.source)
        lead.raw_payload = {
            "first_name": lead.contact_first_name,
            "last_name": lead.contact_last_name,
            "email": lead.contact_email,
            "phone": lead.contact_phone,
            "message": lead.message,
            "investment": investment.code,
            "consents": {"marketing": lead._demo_consent_marketing},
        }

    def _external_id(self, source: LeadSource) -> str:
        prefix = data.EXTERNAL_ID_PREFIXES.get(source.slug, source.slug.upper())
        while True:
            external_id = f"{prefix}-{self.rng.randint(100000, 999999)}"
            if (source.slug, external_id) not in self.used_external_ids:
                self.used_external_ids.add((source.slug, external_id))
                return external_id

    def _settle(self, lead: Lead, *, earlier_inquiry: bool, employees: list[User]) -> None:
        """Where the lead is today: open at some stage, won, or failed. Older leads are more
        often closed; an inquiry followed by another one of the same household more often
        failed (the client came back later)."""
        rng = self.rng
        age = self.end - lead.created_at
        days = age.days
        lead.updated_by = rng.choice(employees)
        outcome = "open"
        if days >= 3:
            p_won = 0.14 if days > 30 else 0.0
            p_failed = 0.12 + 0.35 * days / data.PERIOD_DAYS + (0.2 if earlier_inquiry else 0.0)
            draw = rng.random()
            outcome = "won" if draw < p_won else "failed" if draw < p_won + p_failed else "open"
        if outcome == "won":
            lead.status = self.won_status
            lead.closed_at = lead.created_at + timedelta(days=rng.uniform(14, min(120, days)))
            lead.updated_at = lead.closed_at
        elif outcome == "failed":
            lead.status = self._stage(data.FAILED_STAGE_WEIGHTS)
            lead.failed_at = lead.created_at + timedelta(days=rng.uniform(1, min(90, days)))
            lead.closed_at = lead.updated_at = lead.failed_at
            lead.failure_reason = rng.choices(
                self.failure_reasons,
                weights=[data.FAILURE_REASON_WEIGHTS.get(r.name, 10) for r in self.failure_reasons],
            )[0]
            comments = data.FAILURE_COMMENTS.get(lead.failure_reason.name, ())
            lead.failure_comment = rng.choice(comments) if comments and rng.random() < 0.7 else ""
        else:
            lead.status = self._stage(
                data.FRESH_STAGE_WEIGHTS if days < 14 else data.SETTLED_STAGE_WEIGHTS
            )
            if lead.status == self.open_statuses[0]:
                lead.updated_at = min(
                    lead.created_at + timedelta(minutes=rng.randint(1, 240)), self.end
                )
            elif lead.status == self.reservation_status:
                # A preliminary reservation lasts `reservation_days` and is still running:
                # the lead got there within the last few days.
                recent = self.end - timedelta(days=rng.uniform(0.2, self.reservation_days - 1.2))
                lead.updated_at = max(recent, lead.created_at + age * rng.uniform(0.5, 0.9))
            else:
                lead.updated_at = lead.created_at + age * rng.uniform(0.1, 0.95)

    def _stage(self, weights: tuple[int, ...]) -> LeadStatus:
        # Admins may have more or fewer stages than the seeded eight; extras weigh 5.
        padded = [weights[i] if i < len(weights) else 5 for i in range(len(self.open_statuses))]
        return self.rng.choices(self.open_statuses, weights=padded)[0]

    def _welcome_clients(self, household: Household, lead: Lead, consent_marketing: bool) -> None:
        """The household's clients enter the CRM with its first lead: converted from the
        inquiry a while after it arrived, or typed in just before a hand-made lead."""
        rng = self.rng
        if lead.intake_outcome == IntakeOutcome.CONVERTED:
            # The advisor turns the inquiry into a client (lead_convert_to_client records
            # "client created"): mostly within the hour, some after hours or days.
            minutes = response_minutes(rng)
            created_at = min(lead.created_at + timedelta(minutes=minutes), self.end)
            lead._demo_client_created_at = created_at
        else:
            created_at = lead.created_at - timedelta(minutes=rng.randint(2, 30))
        is_intake_lead = lead.intake_outcome == IntakeOutcome.CONVERTED or bool(lead.external_id)
        for client in household.clients:
            client._demo_created_at = created_at
            client.source = lead.source
            # The register's events of the client (given when the client was added).
            client._demo_consent_processing = is_intake_lead or rng.random() < 0.8
            client._demo_consent_marketing = consent_marketing

    def _mark_failed_clients(self, household: Household) -> None:
        """A household whose every lead failed long ago is, half the time, marked failed."""
        last_failure = max(
            (lead.failed_at for lead in household.leads if lead.failed_at), default=None
        )
        all_failed = all(lead.failed_at for lead in household.leads)
        if all_failed and last_failure < self.end - timedelta(days=90) and self.rng.random() < 0.5:
            for client in household.clients:
                client.failed = True
                client.failed_at = last_failure

    def _deleted_inquiry(self) -> None:
        """Spam, tests and duplicates: deleted with a reason, never linked to a client."""
        rng = self.rng
        reason = rng.choice(self.deletion_reasons)
        kind = fold_name(reason.name)
        if "test" in kind:
            *contact, message = ("Test", "Test", "test@lejek.example", "", "test")
        elif "dupl" in kind:
            client = rng.choice(self.clients)
            contact = [client.first_name, client.last_name, client.email, client.phone]
            message = "Wysłałem formularz drugi raz, bo nie wiedziałem, czy doszedł."
        else:
            *contact, message = rng.choice(data.SPAM)
        created_at = self._moment(self.start, self.end - timedelta(hours=2))
        lead = self._inquiry(*contact, created_at=created_at, message=message)
        lead.intake_outcome = IntakeOutcome.DELETED
        lead.deletion_reason = reason
        lead.updated_at = min(created_at + timedelta(minutes=rng.randint(5, 600)), self.end)

    def _unverified_inquiry(self) -> None:
        """A fresh inquiry waiting for its advisor to link it to a client or create one.
        Half come from existing clients, typed differently ("Lukasz", "+48 ...") so that the
        duplicate search has something to find."""
        rng = self.rng
        if rng.random() < 0.5:
            client = rng.choice([c for c in self.clients if c.kind == ClientKind.PERSON])
            digits = "".join(ch for ch in client.phone if ch.isdigit())[-9:]
            contact = [
                fold_name(client.first_name).title(),
                client.last_name,
                client.email.upper(),
                digits and format_phone(digits, "+48 {a} {b} {c}"),
            ]
        else:
            person = self._person(female=rng.random() < 0.5)
            contact = [person.first_name, person.last_name, person.email, person.phone]
        created_at = self.end - timedelta(minutes=rng.randint(20, 2 * 24 * 60))
        marketing = self.consent_rng.random() < 0.45
        self._inquiry(*contact, created_at=created_at, marketing=marketing)

    def _inquiry(
        self,
        first: str,
        last: str,
        email: str,
        phone: str,
        *,
        created_at,
        message: str = "",
        marketing: bool = False,
    ) -> Lead:
        """An inquiry from a web form or a portal, not tied to a client; routing gave it to
        an advisor."""
        rng = self.rng
        advisor = rng.choice(self.advisors)
        investment = rng.choices(self.investments, weights=self.investment_weights)[0]
        lead = Lead(
            name=self.default_lead_name,
            status=self.open_statuses[0],
            branch=self.branch,
            source=rng.choice(self.intake_sources),
            contact_first_name=first,
            contact_last_name=last,
            contact_email=email,
            contact_phone=phone,
            created_at=created_at,
            created_by=advisor,
            updated_at=created_at,
            updated_by=advisor,
        )
        lead._demo_consent_marketing = marketing  # the form's box, for the consent register
        self._fill_inquiry(lead, investment, message)
        self.planned.append(PlannedLead(lead, [], [], [investment], [advisor]))
        return lead

    def _moment(self, earliest: datetime, latest: datetime) -> datetime:
        """A random moment between two others, usually in office hours: forms are sent at
        night too, but most people write and call by day."""
        moment = earliest + (latest - earliest) * self.rng.random()
        local = timezone.localtime(moment)
        if (local.hour < 7 or local.hour >= 21) and self.rng.random() < 0.8:
            daytime = local.replace(hour=self.rng.randint(8, 19))
            if earliest <= daytime <= latest:
                return daytime
        return moment

    # -- writing ---------------------------------------------------------------------------

    def save_clients(self, households: list[Household]) -> None:
        self.clients = sorted(
            (client for household in households for client in household.clients),
            key=lambda client: client._demo_created_at,
        )
        for client in self.clients:
            # clean() derives the lookup columns the check constraint relies on.
            client.full_clean()
        Client.objects.bulk_create(self.clients)
        # auto_now(_add) stamped the insert time; put the story's dates back.
        for client in self.clients:
            client.created_at = client._demo_created_at
            client.updated_at = client.failed_at or client.created_at
        Client.objects.bulk_update(self.clients, ["created_at", "updated_at"], batch_size=100)
        opening = []
        for client in self.clients:
            snapshot = copy.copy(client)
            snapshot.failed, snapshot.failed_at = False, None
            opening.append((snapshot, client.created_at, client.created_by))
        record_history(Client, opening)
        failed = [(c, c.failed_at, c.caretaker) for c in self.clients if c.failed]
        record_history(Client, failed, update=True)

    def save_units(self) -> None:
        for unit in self.units:
            unit.full_clean()
        Unit.objects.bulk_create(self.units)
        opening = []
        for unit in self.units:
            snapshot = copy.copy(unit)
            snapshot.status = UnitStatus.AVAILABLE
            opening.append((snapshot, self.set_up_at, self.administrator))
        record_history(Unit, opening)
        changes = []
        for unit, when, user, status in sorted(self.unit_changes, key=lambda change: change[1]):
            snapshot = copy.copy(unit)
            snapshot.status = status
            changes.append((snapshot, when, user))
        record_history(Unit, changes, update=True)

    def save_leads(self) -> None:
        leads = [planned.lead for planned in self.planned]
        for lead in leads:
            lead.full_clean()
        Lead.objects.bulk_create(leads)
        links = (
            (Lead.clients.through, "client_id", "clients"),
            (Lead.contractors.through, "contractor_id", "contractors"),
            (Lead.investments.through, "investment_id", "investments"),
            (Lead.employees.through, "user_id", "employees"),
        )
        for through, column, attribute in links:
            through.objects.bulk_create(
                through(lead_id=planned.lead.pk, **{column: related.pk})
                for planned in self.planned
                for related in getattr(planned, attribute)
            )
        board_entries_rebuild()  # bulk_create went around the services that keep them
        # Each lead's "created" event, which lead_create would have recorded.
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, kind=LeadEventKind.CREATED, at=lead.created_at) for lead in leads
        )
        self._lead_history(leads)

    def _lead_history(self, leads: list[Lead]) -> None:
        """Each lead's history starts as a new inquiry at its creation and, when it has
        moved on, records where it is now; so the History tab tells a plausible story."""
        created, changed = [], []
        for lead in leads:
            snapshot = copy.copy(lead)
            snapshot.status = self.open_statuses[0]
            snapshot.failed_at = snapshot.closed_at = snapshot.failure_reason = None
            snapshot.failure_comment = ""
            snapshot.deletion_reason = None
            if lead.external_id:  # an inquiry (a form's, a portal's) arrives to verify
                snapshot.intake_outcome = IntakeOutcome.NEW
            snapshot.updated_at, snapshot.updated_by = lead.created_at, lead.created_by
            created.append((snapshot, lead.created_at, lead.created_by))
            # Where it is now, from when it moved there; conversations logged since then
            # touched its "updated" stamp without a snapshot (as conversation_log does).
            moved_at = getattr(lead, "_demo_moved_at", lead.updated_at)
            if moved_at > lead.created_at:
                snapshot = lead
                if moved_at != lead.updated_at:
                    snapshot = copy.copy(lead)
                    snapshot.updated_at = moved_at
                    snapshot.updated_by = lead._demo_moved_by
                changed.append((snapshot, moved_at, snapshot.updated_by))
        record_history(Lead, created)
        record_history(Lead, changed, update=True)

    def summary(self) -> dict[str, int]:
        return {
            "branch": 1,
            "users": len(self.users),
            "investments": len(self.investments),
            "units": len(self.units),
            "clients": len(self.clients),
            "contractors": len(self.contractors),
            "leads": len(self.planned),
        }


@transaction.atomic
def seed_demo_data() -> dict[str, int]:
    """Create the whole demo data set in one transaction; returns what was created."""
    # One transaction: a failure half-way leaves no half demo behind, and on SQLite one
    # commit instead of thousands is what makes it fast. The story ends at midnight
    # today rather than at this very second, so that the same seed gives the same data
    # whatever the hour the command runs.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    seeder = DemoSeeder(rng=random.Random(data.SEED), end=midnight)
    seeder.load_reference_data()
    seeder.create_team()
    seeder.describe_controller()
    seeder.create_investments()
    seeder.create_intake_routing()
    seeder.create_contractors()
    households = seeder.plan_households()
    seeder.plan_leads(households)
    work = LeadWork(seeder)
    work.plan()  # before the units are saved: their history shows the reservations
    seeder.save_clients(households)
    seeder.save_units()
    seeder.save_leads()
    work.save()
    consents = DemoConsents(seeder)
    consents.save()
    counts = seeder.summary() | work.summary() | consents.summary()
    counts |= seed_saved_views(seeder.users)
    # The upper apps' part of the demo (the intake's channels and what they brought),
    # named in the settings: leads does not import them.
    for name in settings.LEJEK_DEMO_SEEDERS:
        counts |= import_string(name)()
    # Loaded in bulk, past the services that keep the leads' report figures.
    lead_figures_rebuild()
    return counts
