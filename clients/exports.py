"""Excel export of the client list: the rows of the user's filtered list, one per client.

`write_clients_xlsx(queryset, file_obj)` is a plain function (no request), used by the
export view and the Celery task."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import IO, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from consents.models import MARKETING_KINDS, Kind
from consents.selectors import granted_kinds
from crm.core.excel import Column, ProgressCallback, chunked, export_file_name, write_xlsx
from crm.core.jobs import JobProgress
from crm.core.listing import sort_queryset
from crm.core.models import BackgroundJob, User

from .filters import ClientFilter
from .models import Client
from .selectors import clients_visible_to
from .views import CLIENT_SORTS

CLIENT_EXPORT = "client_export"
CHUNK_SIZE = 2000
CLIENT_DEFAULT_SORT = "-added"  # as the client list


def _label(field: str):
    return capfirst(Client._meta.get_field(field).verbose_name)


# The seed's client columns; headers are the model's (translated) field names.
CLIENT_COLUMNS = [
    Column(_label("first_name"), 16),
    Column(_label("last_name"), 20),
    Column(_label("company_name"), 28),
    Column(_label("email"), 28),
    Column(_label("phone"), 16),
    Column(_label("pesel"), 13),
    Column(_label("caretaker"), 22),
    Column(_label("branch"), 20),
    Column(_label("source"), 16),
    Column(_label("created_at"), 17),
    Column(_label("failed"), 10),
    Column(_label("failed_at"), 17),
    # Whether the client may be contacted for marketing, per channel.
    *(Column(Kind(kind).label, 14) for kind in MARKETING_KINDS),
]


def client_export_queryset(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The clients with what a row needs, and nothing more."""
    return clients.select_related("caretaker", "branch", "source").only(
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "pesel",
        "created_at",
        "failed",
        "failed_at",
        "caretaker__first_name",
        "caretaker__last_name",
        "caretaker__username",
        "branch__name",
        "source__name",
    )


def client_rows(clients: QuerySet[Client]) -> Iterator[list[Any]]:
    """One list of cell values per client, in CLIENT_COLUMNS order; the consents of each
    chunk of clients in one query."""
    rows = client_export_queryset(clients).iterator(chunk_size=CHUNK_SIZE)
    for chunk in chunked(rows, CHUNK_SIZE):
        granted = granted_kinds(client_ids=[client.pk for client in chunk])
        for client in chunk:
            kinds = granted.get(("client", client.pk), set())
            yield [*_client_cells(client), *(kind in kinds for kind in MARKETING_KINDS)]


def _client_cells(client: Client) -> list[Any]:
    return [
        client.first_name,
        client.last_name,
        client.company_name,
        client.email,
        client.phone,
        client.pesel,
        str(client.caretaker) if client.caretaker else None,
        client.branch.name,
        client.source.name if client.source else None,
        client.created_at,
        client.failed,
        client.failed_at,
    ]


def write_clients_xlsx(
    clients: QuerySet[Client], file_obj: IO[bytes], *, progress: ProgressCallback | None = None
) -> int:
    """Write the clients as an .xlsx into file_obj; return the number of rows written.
    Headers come in the active language."""
    return write_xlsx(
        file_obj,
        columns=CLIENT_COLUMNS,
        rows=client_rows(clients),
        title=str(_("Clients")),
        progress=progress,
    )


def client_export_file_name() -> str:
    return export_file_name(pgettext("export file name", "clients"))


def client_export_filterset(*, user: User, query: str) -> ClientFilter:
    """The list's filter panel bound to its URL query string (filters, search, sort) over
    the clients the user may see, rebuilt from the string alone so that a worker gets the
    same clients as the request."""
    params = QueryDict(query)
    request = SimpleNamespace(user=user, GET=params)
    return ClientFilter(params, queryset=clients_visible_to(user), request=request)


def client_export_rows(client_filter: ClientFilter) -> QuerySet[Client]:
    """The filterset's clients in the list's order (?sort=, newest first by default)."""
    request = client_filter.request
    return sort_queryset(request, client_filter.qs, CLIENT_SORTS, CLIENT_DEFAULT_SORT)[0]


def clients_for_export(*, user: User, query: str) -> QuerySet[Client]:
    """The user's client list as its URL query string gives it (filters, search, sort):
    the list's filter panel over the clients the user may see."""
    return client_export_rows(client_export_filterset(user=user, query=query))


def write_client_export_job(job: BackgroundJob, file_obj: IO[bytes], progress: JobProgress) -> str:
    """The writer of a client export job (see crm.core.jobs.job_run)."""
    clients = clients_for_export(user=job.user, query=job.params.get("query", ""))
    progress.set_total(clients.count())
    write_clients_xlsx(clients, file_obj, progress=progress)
    return client_export_file_name()
