"""The lead list's table (django-tables2): the seed's columns plus source, investments and
the next step; every column but the name can be hidden with the column chooser."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from leads.models import Lead

CELLS = "leads/list/cells/"

# Columns a user may hide, in display order; "select" and "name" always show.
OPTIONAL_COLUMNS = [
    "status",
    "clients",
    "employees",
    "created_at",
    "updated_at",
    "source",
    "investments",
    "next_step",
]
DEFAULT_COLUMNS = OPTIONAL_COLUMNS
PAGE_SIZES = [25, 50, 100]


class LeadTable(tables.Table):
    select = tables.TemplateColumn(
        template_name=CELLS + "select.html",
        orderable=False,
        verbose_name="",
        attrs={"th": {"class": "col-select"}, "td": {"class": "col-select"}},
    )
    name = tables.TemplateColumn(template_name=CELLS + "name.html", verbose_name=_("Name"))
    status = tables.TemplateColumn(
        template_name=CELLS + "status.html", verbose_name=_("Status"), order_by=("status__order",)
    )
    clients = tables.TemplateColumn(
        template_name=CELLS + "clients.html", verbose_name=_("Clients"), orderable=False
    )
    employees = tables.TemplateColumn(
        template_name=CELLS + "employees.html", verbose_name=_("Employees"), orderable=False
    )
    created_at = tables.TemplateColumn(
        template_name=CELLS + "created.html", verbose_name=_("Created")
    )
    updated_at = tables.TemplateColumn(
        template_name=CELLS + "updated.html", verbose_name=_("Updated")
    )
    source = tables.Column(verbose_name=_("Source"), order_by=("source__name",))
    investments = tables.TemplateColumn(
        template_name=CELLS + "investments.html", verbose_name=_("Investments"), orderable=False
    )
    next_step = tables.TemplateColumn(
        template_name=CELLS + "next_step.html",
        verbose_name=_("Next step"),
        order_by=("next_step_at",),
    )

    class Meta:
        model = Lead
        fields: list[str] = []
        sequence = ["select", "name", *OPTIONAL_COLUMNS]
        order_by = ("-created_at",)
        template_name = "leads/list/table.html"
        attrs = {"class": "table table--leads", "id": "lead-table"}
        empty_text = _("No leads match. Change the filters or add a lead.")


def column_labels() -> list[tuple[str, str]]:
    """(name, label) of the columns the chooser offers."""
    return [(name, LeadTable.base_columns[name].verbose_name) for name in OPTIONAL_COLUMNS]
