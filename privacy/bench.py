"""Timing issue 17's two speed targets against a database filled by generate_bench_data
(``manage.py bench_privacy``):

- the lead list filtered by a consent ("may be called for marketing"), page 1 with its
  count, through the list view as a user opens it, against the list's own target;
- anonymising a person with 50 leads, each with a conversation, a note and an offer: the
  person is made anew for each run and the run rolled back, so the data stay as loaded.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, LeadSource
from consents.models import Action, ConsentEvent, ConsentState, Kind, Source
from consents.selectors import clauses_offered, controller_default, lead_granted_q
from consents.services import consent_events_load
from crm.core.models import Role, User
from leads.bench import measure
from leads.filters import LeadFilter
from leads.models import Activity, Lead, LeadStatus, Note, Offer
from leads.selectors import leads_visible_to
from privacy.services.anonymisation import person_anonymise

ANONYMISE_TARGET_S = 2.0
PERSON_LEADS = 50


@dataclass
class Anonymisation(measure.TimingStats):
    leads: int
    queries: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    timings_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def consent_data_sizes() -> dict[str, int]:
    granted = ConsentState.objects.filter(granted=True, kind=Kind.MARKETING_PHONE)
    return measure.data_sizes() | {
        "consent events": ConsentEvent.objects.count(),
        "consent states": ConsentState.objects.count(),
        "people who may be called": granted.count(),
    }


def consent_pages(subjects: measure.Subjects) -> list[measure.Page]:
    """The list unfiltered (for comparison) and filtered by "may be called for marketing",
    as the manager and the advisor open them; the filter has the list's target."""
    if "consent" not in LeadFilter.base_filters:  # the list would ignore ?consent=
        raise CommandError("The lead list has no consent filter to time.")
    lead_list = reverse("leads:list")
    phone = urlencode({"consent": Kind.MARKETING_PHONE.value})
    email = urlencode({"consent": Kind.MARKETING_EMAIL.value})
    s, target = subjects, measure.PAGE_TARGET_MS
    return [
        measure.Page("list", "list, page 1", s.manager, lead_list, target),
        measure.Page(
            "consent_phone", "list: may be called", s.manager, f"{lead_list}?{phone}", target
        ),
        measure.Page(
            "consent_phone_advisor",
            "list: may be called (advisor)",
            s.advisor,
            f"{lead_list}?{phone}",
            target,
        ),  # fmt: skip
        measure.Page(
            "consent_email", "list: may be emailed", s.manager, f"{lead_list}?{email}", target
        ),
    ]


def consent_filter_count_ms(user: User, kind: Kind = Kind.MARKETING_PHONE) -> tuple[int, float]:
    """The selector alone: how many of the user's leads the filter keeps, and in how long."""
    started = time.perf_counter()
    count = leads_visible_to(user).filter(lead_granted_q(kind)).count()
    return count, (time.perf_counter() - started) * 1000


# -- anonymisation ---------------------------------------------------------------------------


def person_with_leads(*, advisor: User, n: int, tag: str) -> Client:
    """A client with `n` leads, each with a done conversation, a note and an offer that
    name them, and their consents, as the application's own writes leave them (history
    records included: each object is saved, not bulk-inserted)."""
    now = timezone.now()
    client = Client(
        first_name="Bożena", last_name=f"Anonimowska{tag}", email=f"bozena.{tag}@example.com",
        phone=f"600 {tag[-3:]:0>3} 200", branch=advisor.branch, caretaker=advisor,
        created_by=advisor,
    )  # fmt: skip
    client.full_clean()
    client.save()
    status = LeadStatus.objects.filter(active=True, is_won=False).order_by("order").first()
    source = LeadSource.objects.filter(active=True).order_by("id").first()
    for index in range(n):
        created = now - timedelta(days=n - index)
        lead = Lead(
            name=f"Zakup mieszkania {index + 1}", status=status, branch=advisor.branch,
            source=source, contact_first_name=client.first_name,
            contact_last_name=client.last_name, contact_email=client.email,
            contact_phone=client.phone,
            message=f"Dzień dobry, tu {client.first_name} {client.last_name}, tel. {client.phone}.",
            created_at=created, created_by=advisor, updated_by=advisor,
        )  # fmt: skip
        lead.save()
        lead.clients.add(client)
        lead.employees.add(advisor)
        Activity(
            lead=lead, client=client, employee=advisor, done_at=created,
            notes=f"Rozmowa z p. {client.last_name}, prosi o kontakt na {client.email}.",
            created_by=advisor,
        ).save()  # fmt: skip
        Note(lead=lead, text=f"{client.first_name} pyta o kredyt.", created_by=advisor).save()
        Offer(
            lead=lead, client=client, notes=f"Dla {client.first_name} {client.last_name}",
            created_by=advisor,
        ).save()  # fmt: skip
    clauses = clauses_offered(controller_default())
    consent_events_load(
        events=[
            ConsentEvent(
                client=client,
                kind=kind,
                action=Action.GIVEN,
                clause=clauses[kind],
                at=now - timedelta(days=n),
                source=Source.PUBLIC_FORM,
                recorded_at=now,
                evidence={"url": "https://www.example.com/kontakt", "ip": "203.0.113.9"},
            )  # fmt: skip
            for kind in (Kind.INQUIRY, Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE)
            if kind in clauses
        ]
    )
    return client


def time_anonymisation(*, advisor: User, runs: int, leads: int = PERSON_LEADS) -> Anonymisation:
    """Make the person, anonymise them, roll back; `runs` times (one untimed warm-up)."""
    administrator = (
        User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).order_by("pk").first()
    )
    result = Anonymisation(leads=leads)
    for run in range(runs + 1):
        with transaction.atomic():
            client = person_with_leads(advisor=advisor, n=leads, tag=f"{run:06d}")
            # The query log keeps the last 9 000 queries; a full one would make the capture's
            # count 0 (it counts by positions in the log).
            connection.queries_log.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                done = person_anonymise(client=client, user=administrator)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            transaction.set_rollback(True)
        if run == 0:
            continue
        result.timings_ms.append(elapsed)
        result.cpu_ms.append(cpu)
        result.queries = len(queries)
        result.counts = done.counts
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)
