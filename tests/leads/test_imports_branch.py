"""A manager's lead import lands in the manager's branch: the assignment rules give its
leads to their advisors of that branch (their pool's, else their fallback pool's), and
when no rule has one, the manager who imported gets them. An administrator's import is
the company's: it follows the rules as the intake does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import AssignmentRule, AssignmentStrategy, ImportBatch, Lead

from .import_fixtures import (
    SAMPLE_CP1250,
    browser,
    post_mapping,
    post_upload,
    private_media,  # noqa: F401
    upload_file,
)

pytestmark = pytest.mark.usefixtures("private_media")
ROWS = b"E-mail\n" + b"".join(f"osoba{n}@example.com\n".encode() for n in range(4))


def import_as(user, capture) -> list[Lead]:
    http = browser(user)
    assert post_upload(http, upload_file(SAMPLE_CP1250, "oddzial.csv", ROWS)).status_code == 302
    batch = ImportBatch.objects.latest("id")
    with capture(execute=True):
        post_mapping(http, batch)
    with capture(execute=True):
        http.post(reverse("leads:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.rows_imported == 4, batch.error
    return list(Lead.objects.filter(import_batch=batch).prefetch_related("employees"))


def rule(pool, fallback=()) -> AssignmentRule:
    made = AssignmentRule.objects.create(name="Wszyscy", strategy=AssignmentStrategy.ROUND_ROBIN)
    made.pool.set(pool)
    made.fallback_pool.set(fallback)
    return made


@pytest.mark.parametrize(
    "pools, expected",
    [
        ("advisors of both branches", "outsider"),
        ("branch A's pool, branch B's fallback", "outsider"),
        ("branch A's advisor only", "other_manager"),
        ("no rule", "other_manager"),
    ],
)
def test_a_branch_b_managers_import_lands_in_branch_b(
    pools,
    expected,
    administrator,
    advisor,
    outsider,
    other_manager,
    other_branch,
    django_capture_on_commit_callbacks,
):
    # The administrator is the intake's last resort (the longest-serving one).
    assert administrator.date_joined < other_manager.date_joined
    if pools == "advisors of both branches":
        rule([advisor, outsider])
    elif pools == "branch A's pool, branch B's fallback":
        rule([advisor], fallback=[outsider])
    elif pools == "branch A's advisor only":
        rule([advisor])

    leads = import_as(other_manager, django_capture_on_commit_callbacks)

    assignee = {"outsider": outsider, "other_manager": other_manager}[expected]
    assert {lead.branch_id for lead in leads} == {other_branch.pk}
    assert [list(lead.employees.all()) for lead in leads] == [[assignee]] * 4
    # The manager sees them in the lead list of the import.
    listed = browser(other_manager).get(
        reverse("leads:list"), {"import_batch": leads[0].import_batch_id}
    )
    assert len(listed.context["table"].rows) == 4


def test_an_administrators_import_follows_the_rules_of_every_branch(
    administrator, advisor, outsider, django_capture_on_commit_callbacks
):
    rule([advisor, outsider])

    leads = import_as(administrator, django_capture_on_commit_callbacks)

    given = sorted(lead.employees.get().username for lead in leads)
    assert given == sorted([advisor.username, outsider.username] * 2)
    assert {lead.branch_id for lead in leads} == {advisor.branch_id, outsider.branch_id}
