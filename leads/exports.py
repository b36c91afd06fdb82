"""Excel export of the lead list: the rows of the user's filtered list, one per lead.

`write_leads_xlsx(queryset, file_obj)` is a plain function (no request): the export view,
the Celery task and the benchmark all call it. It streams: leads are read from a
server-side cursor in chunks, with the names of their clients, employees and investments
fetched per chunk, and openpyxl writes the sheet in write-only mode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import IO, Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from clients.models import Client
from clients.selectors import clients_visible_to
from consents.models import MARKETING_KINDS, Kind
from consents.selectors import granted_kinds
from crm.core.excel import Column, ProgressCallback, chunked, export_file_name, write_xlsx
from crm.core.forms import describe_filters
from crm.core.jobs import JobProgress
from crm.core.models import BackgroundJob, User

from .filters import LeadFilter
from .models import IntakeOutcome, Lead, SurveyQuestion
from .selectors import leads_visible_to
from .selectors.surveys import survey_export_answers, survey_export_questions

LEAD_EXPORT = "lead_export"
CHUNK_SIZE = 2000


def _label(field: str):
    return capfirst(Lead._meta.get_field(field).verbose_name)


# The list's columns, in its order; headers are the model's (translated) field names.
LEAD_COLUMNS = [
    Column(_label("name"), 32),
    Column(_label("status"), 18),
    Column(_label("clients"), 32),
    Column(_label("employees"), 28),
    Column(_label("source"), 16),
    Column(_label("investments"), 24),
    Column(_label("created_at"), 17),
    Column(_label("created_by"), 22),
    Column(_label("updated_at"), 17),
    Column(_label("updated_by"), 22),
    Column(_label("failed_at"), 17),
    Column(_label("failure_reason"), 24),
    Column(_label("is_repeat"), 12),
    Column(_label("intake_outcome"), 16),
]

# Leads are read as tuples, not model instances: a row needs names only, and building
# tens of thousands of instances (with prefetch caches) costs more than writing the sheet.
_LEAD_FIELDS = (
    "pk",
    "name",
    "status__name",
    "source__name",
    "created_at",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__username",
    "updated_at",
    "updated_by__first_name",
    "updated_by__last_name",
    "updated_by__username",
    "failed_at",
    "failure_reason__name",
    "is_repeat",
    "intake_outcome",
)
_CLIENT_FIELDS = ("kind", "company_name", "first_name", "last_name", "email", "phone")


def consent_export_columns() -> list[Column]:
    """One column per marketing kind: whether the lead's people may be contacted so."""
    return [Column(Kind(kind).label, 14) for kind in MARKETING_KINDS]


def _lead_consents(ids: list[int], client_ids: dict[int, list[int]]) -> dict[int, list[bool]]:
    """Per lead, a yes/no per marketing kind: granted by one of its clients, or by the
    inquiry's contact while it has none. One query for the chunk."""
    every_client = {client_id for clients in client_ids.values() for client_id in clients}
    granted = granted_kinds(client_ids=every_client, lead_ids=ids)
    consents = {}
    for pk in ids:
        kinds: set[str] = set()
        for client_id in client_ids.get(pk, ()):
            kinds |= granted.get(("client", client_id), set())
        if not client_ids.get(pk):
            kinds |= granted.get(("lead", pk), set())
        consents[pk] = [kind in kinds for kind in MARKETING_KINDS]
    return consents


def lead_rows(
    leads: QuerySet[Lead], *, survey_questions: Sequence[SurveyQuestion] = ()
) -> Iterator[list[Any]]:
    """One list of cell values per lead, in LEAD_COLUMNS order and the queryset's order.

    Leads are streamed from a server-side cursor in chunks; for each chunk, one query per
    many-to-many relation (clients, employees, investments) fetches the names. The query
    count grows with the number of chunks only, never with the rows.

    With `survey_questions` (the default survey's, see `survey_export_columns`), each row
    ends with the lead's newest answers to them, one more query per chunk. Before them,
    a yes/no per marketing consent (consent_export_columns), one query per chunk."""
    outcomes = {value: str(label) for value, label in IntakeOutcome.choices}
    user_name = _UserNames()
    rows = leads.values_list(*_LEAD_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    for chunk in chunked(rows, CHUNK_SIZE):
        ids = [row[0] for row in chunk]
        client_rows = list(
            Lead.clients.through.objects.filter(lead_id__in=ids)
            .order_by(*(f"client__{field}" for field in Client._meta.ordering))
            .values_list("lead_id", "client_id", *(f"client__{field}" for field in _CLIENT_FIELDS))
        )
        clients = _names_by_lead(((row[0], *row[2:]) for row in client_rows), _client_name)
        client_ids: dict[int, list[int]] = {}
        for lead_id, client_id, *_rest in client_rows:
            client_ids.setdefault(lead_id, []).append(client_id)
        consents = _lead_consents(ids, client_ids)
        employees = _names_by_lead(
            Lead.employees.through.objects.filter(lead_id__in=ids)
            .order_by(*(f"user__{field}" for field in User._meta.ordering))
            .values_list("lead_id", "user__first_name", "user__last_name", "user__username"),
            lambda values: user_name(*values),
        )
        investments = _names_by_lead(
            Lead.investments.through.objects.filter(lead_id__in=ids)
            .order_by("investment__name")
            .values_list("lead_id", "investment__name"),
            lambda values: values[0],
        )
        surveys = survey_export_answers(lead_ids=ids, questions=survey_questions)
        no_survey = [None] * len(survey_questions)
        for (
            pk,
            name,
            status,
            source,
            created_at,
            *created_by,
            updated_at,
            updated_by_first,
            updated_by_last,
            updated_by_username,
            failed_at,
            failure_reason,
            is_repeat,
            outcome,
        ) in chunk:
            yield [
                name,
                status,
                ", ".join(clients.get(pk, ())),
                ", ".join(employees.get(pk, ())),
                source,
                ", ".join(investments.get(pk, ())),
                created_at,
                user_name(*created_by),
                updated_at,
                user_name(updated_by_first, updated_by_last, updated_by_username),
                failed_at,
                failure_reason,
                is_repeat,
                outcomes.get(outcome, outcome),
                *consents[pk],
                *surveys.get(pk, no_survey),
            ]


def _client_name(values) -> str:
    # The model's own display rule (Client.__str__) on the fetched values: building a
    # model instance per client would cost more than the rest of the row.
    return Client.__str__(SimpleNamespace(**dict(zip(_CLIENT_FIELDS, values, strict=True))))


class _UserNames:
    """An employee's name as the app shows it (User.__str__), built once per person."""

    def __init__(self):
        self._names: dict[tuple, str | None] = {}

    def __call__(self, first_name, last_name, username) -> str | None:
        key = (first_name, last_name, username)
        if key not in self._names:
            self._names[key] = (
                str(User(first_name=first_name, last_name=last_name, username=username))
                if username is not None
                else None  # no such user (created by the system, or the user was removed)
            )
        return self._names[key]


def _names_by_lead(rows, name) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for lead_id, *values in rows:
        names.setdefault(lead_id, []).append(name(values))
    return names


def write_leads_xlsx(
    leads: QuerySet[Lead], file_obj: IO[bytes], *, progress: ProgressCallback | None = None
) -> int:
    """Write the leads as an .xlsx into file_obj; return the number of rows written.
    Headers come in the active language; the default survey's questions follow the list's
    columns."""
    survey_questions = survey_export_questions()
    return write_xlsx(
        file_obj,
        columns=[
            *LEAD_COLUMNS,
            *consent_export_columns(),
            *survey_export_columns(survey_questions),
        ],
        rows=lead_rows(leads, survey_questions=survey_questions),
        title=str(_("Leads")),
        progress=progress,
    )


def survey_export_columns(questions: Sequence[SurveyQuestion]) -> list[Column]:
    """One column per question of the default survey, headed by the question."""
    return [Column(question.text, 20) for question in questions]


def lead_export_file_name() -> str:
    return export_file_name(pgettext("export file name", "leads"))


# The list's sortable columns (leads.tables.LeadTable, ?sort=name or ?sort=-name) and the
# fields they sort by; the next step is left out (it needs the list's annotation).
LIST_SORTS = {
    "name": "name",
    "status": "status__order",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "source": "source__name",
}


def lead_export_filterset(*, user: User, query: str) -> LeadFilter:
    """The list's filter panel bound to its URL query string (filters, search, selected
    ids, sort) over the leads the user may see, rebuilt from the string alone so that a
    worker gets the same leads as the request."""
    return LeadFilter(
        QueryDict(query), queryset=leads_visible_to(user), request=SimpleNamespace(user=user)
    )


def lead_export_rows(lead_filter: LeadFilter) -> QuerySet[Lead]:
    """The filterset's leads in the list's order (?sort=)."""
    leads = lead_filter.qs
    sort = lead_filter.data.get("sort", "")
    field = LIST_SORTS.get(sort.removeprefix("-"))
    if field:
        descending = "-" if sort.startswith("-") else ""
        leads = leads.order_by(f"{descending}{field}", f"{descending}pk")
    return leads


def leads_for_export(*, user: User, query: str) -> QuerySet[Lead]:
    """The user's lead list as its URL query string gives it (filters, search, selected
    ids, sort): the list's filter panel over the leads the user may see."""
    return lead_export_rows(lead_export_filterset(user=user, query=query))


def lead_export_filters(*, user: User, form: forms.Form) -> list[tuple[str, str]]:
    """The filters, search and selection of the export's filter form (its filterset's),
    in words (the export's page): the selected rows as their number, a client as its
    name."""
    described = describe_filters(form, skip={"id", "client"})
    cleaned = getattr(form, "cleaned_data", {})
    client_id = cleaned.get("client")
    if client_id is not None:
        client = clients_visible_to(user).filter(pk=client_id).first()
        described.append((str(_("Client")), str(client) if client else f"#{client_id}"))
    if cleaned.get("id"):
        described.append((str(_("Selected leads")), str(len(set(cleaned["id"])))))
    return described


def write_lead_export_job(job: BackgroundJob, file_obj: IO[bytes], progress: JobProgress) -> str:
    """The writer of a lead export job (see crm.core.jobs.job_run)."""
    leads = leads_for_export(user=job.user, query=job.params.get("query", ""))
    progress.set_total(leads.count())
    write_leads_xlsx(leads, file_obj, progress=progress)
    return lead_export_file_name()
