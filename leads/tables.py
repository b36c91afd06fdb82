"""The lead list's table (django-tables2): the seed's columns plus source, investments and
the next step; every column but the name can be hidden with the column chooser.

Cells are rendered by `render_<column>` methods with format_html (every value escaped)
rather than by a template per cell: 25–100 rows × 9 columns of template renders cost more
than all the page's SQL on a million leads.
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.core.formatting import format_duration
from leads.models import IntakeOutcome, Lead
from leads.person import (
    email_link,
    lead_details,
    lead_name_link,
    lead_person,
    lead_title,
    phone_link,
)

# Columns a user may hide, in display order; "select" and "name" always show.
OPTIONAL_COLUMNS = [
    "status",
    "clients",
    "phone",
    "email",
    "employees",
    "created_at",
    "updated_at",
    "source",
    "investments",
    "next_step",
    "overdue",
]
# The name cell already shows the person and their phone: the clients, phone and email
# columns are offered in the chooser, not shown by default (denser rows, issue 19).
DEFAULT_COLUMNS = [name for name in OPTIONAL_COLUMNS if name not in ("clients", "phone", "email")]

EMPTY = format_html('<span class="muted">—</span>')

# The filter bar's "Sort" choices (the grid has no headers to click); the table's headers
# set the same `sort` parameter.
DEFAULT_SORT = "-created_at"
SORT_CHOICES = [
    ("-created_at", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("-updated_at", _("Recently updated")),
    ("next_step", _("Next step, soonest first")),
    ("name", _("Name, A to Z")),
    ("status", _("Status, in pipeline order")),
]


def _when(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _names(objects) -> str:
    names = [str(obj) for obj in objects]
    return format_html_join(", ", "{}", ((name,) for name in names)) if names else EMPTY


def _when_and_who(value, who) -> str:
    return format_html(
        '<span class="nowrap">{}</span><br><small class="muted">{}</small>',
        _when(value),
        who if who else "—",
    )


class LeadTable(tables.Table):
    select = tables.Column(
        accessor="pk",
        orderable=False,
        verbose_name="",
        attrs={"th": {"class": "col-select"}, "td": {"class": "col-select"}},
    )
    name = tables.Column(verbose_name=_("Name"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status__order", "pk"))
    clients = tables.Column(verbose_name=_("Clients"), orderable=False, accessor="pk")
    phone = tables.Column(verbose_name=_("Phone"), orderable=False, accessor="pk")
    email = tables.Column(verbose_name=_("Email"), orderable=False, accessor="pk")
    employees = tables.Column(verbose_name=_("Employees"), orderable=False, accessor="pk")
    created_at = tables.Column(verbose_name=_("Created"), order_by=("created_at", "pk"))
    updated_at = tables.Column(verbose_name=_("Updated"), order_by=("updated_at", "pk"))
    source = tables.Column(verbose_name=_("Source"), order_by=("source__name", "pk"))
    investments = tables.Column(verbose_name=_("Investments"), orderable=False, accessor="pk")
    next_step = tables.Column(
        verbose_name=_("Next step"), order_by=("next_step_at", "pk"), accessor="pk"
    )
    # How long the next step is overdue (a planned conversation in the past, not done).
    overdue = tables.Column(
        verbose_name=_("Overdue"), order_by=("next_step_at", "pk"), accessor="pk"
    )

    class Meta:
        model = Lead
        fields: list[str] = []
        sequence = ["select", "name", *OPTIONAL_COLUMNS]
        order_by = ("-created_at",)
        template_name = "leads/list/table.html"
        attrs = {"class": "table table--leads", "id": "lead-table"}
        empty_text = _("No leads match. Change the filters or add a lead.")

    # Set for the leads of one client (their page): the rows then need not name the person.
    of_one_client = False

    def fast_rows(self) -> list[list[tuple[str, str]]]:
        """The page's rows as (css class, cell html) per visible column, rendered straight by
        the render_ methods: django-tables2's per-cell machinery (signature inspection,
        attribute objects) cost more than the rest of the page together."""
        names = [column.name for column in self.columns]
        renderers = [getattr(self, f"render_{name}") for name in names]
        classes = ["col-select" if name == "select" else "" for name in names]
        return [
            [
                (css_class, render(record=row.record))
                for css_class, render in zip(classes, renderers, strict=True)
            ]
            for row in self.paginated_rows
        ]

    def fast_cards(self) -> list[dict[str, str]]:
        """The page's leads as the grid's cards: the same cells as the table's rows,
        rendered once each by the same render_ methods."""
        return [
            {
                "pk": row.record.pk,
                "select": self.render_select(record=row.record),
                "name": self.render_name(record=row.record),
                "status": self.render_status(record=row.record),
                "employees": self.render_employees(record=row.record),
                "next_step": self.render_next_step(record=row.record),
                "created_at": _when(row.record.created_at),
            }
            for row in self.paginated_rows
        ]

    def render_source(self, record: Lead) -> str:
        return str(record.source)

    def render_select(self, record: Lead) -> str:
        title = lead_title(record, record.clients.all())
        label = gettext("Select %(name)s") % {"name": title}
        return format_html(
            '<input type="checkbox" name="selected" value="{}" aria-label="{}">', record.pk, label
        )

    def render_name(self, record: Lead) -> str:
        tags = []
        if record.is_repeat:
            tags.append(("tag", gettext("repeat"), ""))
        if record.of_returning_customer:
            tags.append(("tag tag--success", gettext("returning customer"), ""))
        if record.intake_outcome == IntakeOutcome.NEW:
            tags.append(("tag tag--warning", gettext("to verify"), ""))
        if record.is_failed:
            tags.append(("tag tag--danger", gettext("failure"), str(record.failure_reason)))
        if record.is_deleted:
            tags.append(("tag tag--danger", gettext("deleted"), ""))
        if record.is_archived:
            tags.append(("tag", gettext("archived"), ""))
        # The client first: "Zakup mieszkania" on every row would tell the rows apart by
        # nothing; the lead's own name follows only when it is not the default. Tags sit on
        # the person's line, the details on one small line below: two lines a row.
        clients = record.clients.all()
        if self.of_one_client:
            # A client's own page: the person is that client on every row; the lead's name
            # and investment tell the rows apart.
            heading = format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.name)
            details = _names(list(record.investments.all())[:1]) if record.investments.all() else ""
        else:
            heading = lead_name_link(record, clients, url=record.get_absolute_url())
            details = lead_details(record, clients, record.investments.all())
        return format_html(
            "{}{}{}",
            heading,
            format_html_join(
                "", ' <span class="{}" title="{}">{}</span>', ((c, t, s) for c, s, t in tags)
            ),
            format_html('<br><small class="lead-label__details">{}</small>', details)
            if details
            else "",
        )

    def render_status(self, record: Lead) -> str:
        return format_html(
            # The colour is painted by lejek.js: the CSP allows no style="" attribute.
            '<span class="badge" data-badge-colour="{}">{}</span>',
            record.status.colour,
            record.status.name,
        )

    def render_clients(self, record: Lead) -> str:
        clients = record.clients.all()
        if not clients and (record.contact_first_name or record.contact_last_name):
            # An inquiry not verified yet: who sent it, until a client is chosen.
            return format_html(
                '<span class="muted" title="{}">{} {}</span>',
                gettext("From the inquiry"),
                record.contact_first_name,
                record.contact_last_name,
            )
        return _names(clients)

    def render_phone(self, record: Lead) -> str:
        person = lead_person(record, record.clients.all())
        return phone_link(person.phone) if person and person.phone else EMPTY

    def render_email(self, record: Lead) -> str:
        person = lead_person(record, record.clients.all())
        return email_link(person.email) if person and person.email else EMPTY

    def render_employees(self, record: Lead) -> str:
        return _names(record.employees.all())

    def render_investments(self, record: Lead) -> str:
        return _names(record.investments.all())

    def render_created_at(self, record: Lead) -> str:
        return _when_and_who(record.created_at, record.created_by)

    def render_updated_at(self, record: Lead) -> str:
        return _when_and_who(record.updated_at, record.updated_by)

    def render_next_step(self, record: Lead) -> str:
        if record.next_step_at:
            if record.next_step_at < timezone.now():
                return format_html(
                    '<span class="tag tag--danger" title="{}">{}</span>',
                    gettext("overdue"),
                    _when(record.next_step_at),
                )
            return _when(record.next_step_at)
        if record.is_failed or record.status.is_won:
            return EMPTY
        return format_html('<span class="tag tag--warn">{}</span>', gettext("no next step"))

    def render_overdue(self, record: Lead) -> str:
        next_step_at = record.next_step_at
        if not next_step_at or next_step_at >= timezone.now():
            return EMPTY
        if record.is_failed or record.status.is_won:
            return EMPTY
        return format_html(
            '<span class="tag tag--danger" data-overdue title="{}">{}</span>',
            _when(next_step_at),
            format_duration(timezone.now() - next_step_at),
        )


def compact_lead_table(
    leads, *, exclude: tuple[str, ...] | list[str] = (), of_one_client: bool = False
) -> LeadTable:
    """A short, unsorted lead table for other pages (the start page, a client's leads)."""
    table = LeadTable(
        leads,
        exclude=[
            "select",
            "phone",
            "email",
            "updated_at",
            "source",
            "investments",
            "overdue",
            *exclude,
        ],
        orderable=False,
    )
    table.of_one_client = of_one_client
    return table


def sort_choices(current: str) -> list[tuple[str, str]]:
    """The sort menu, with the current sort in it even when a header set another one."""
    choices = [(value, str(label)) for value, label in SORT_CHOICES]
    if current and current not in dict(choices):
        name = current.removeprefix("-")
        column = LeadTable.base_columns.get(name)
        if column is not None and column.orderable:
            arrow = "↓" if current.startswith("-") else "↑"
            choices.append((current, f"{column.verbose_name} {arrow}"))
    return choices


def column_labels() -> list[tuple[str, str]]:
    """(name, label) of the columns the chooser offers."""
    return [(name, LeadTable.base_columns[name].verbose_name) for name in OPTIONAL_COLUMNS]
