"""The README's first command, `make run`, on a fresh SQLite file: migrated and seeded as
that command does it, then every page and every export of each demo role requested as
the server it starts would answer them (crm.settings.dev, DEBUG=1, no broker: Celery
tasks run eagerly). The walk itself, and what it leaves out and why, is
tests/demo_walk.py; it runs in a process of its own, on the SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from tests import demo_walk

pytestmark = pytest.mark.slow

LEAD_HEADERS = ["Nazwa", "Status", "Klienci", "Pracownicy", "Źródło", "Inwestycje"]
# The default survey's questions follow the list's columns (the seeded "Ankieta zakupowa").
SURVEY_HEADERS = ["Budżet (PLN)", "Liczba pokoi", "Powierzchnia (m²)"]
CLIENT_HEADERS = ["Imię", "Nazwisko", "Nazwa firmy", "E-mail", "Telefon"]
# Per export: the first sheet's first header cells.
FIRST_HEADERS = {
    "leads": LEAD_HEADERS,
    "leads-won": LEAD_HEADERS,
    "leads-selected": LEAD_HEADERS,
    "leads-job": LEAD_HEADERS,
    "clients": CLIENT_HEADERS,
    "clients-job": CLIENT_HEADERS,
    "sources": ["Źródło", "Leady", "Zweryfikowane"],
    "funnel": ["Status", "Leady", "% z poprzedniego etapu"],
    # A span, read "2d 0h" on the page, is minutes in the file: its header says so.
    "response_times": [
        "Mierzony odcinek",
        "Zmierzone leady",
        "Mediana (min)",
        "90. percentyl (min)",
    ],
    "repeat": ["Miesiąc", "Leady", "Powtarzalne leady"],
    "import-rejected": ["Wiersz", "Imię", "Nazwisko", "E-mail", "Telefon", "Błędy"],
}


def demo_environment(database: Path, media: Path) -> dict[str, str]:
    """The environment `make run` gives its commands: the SQLite file, DEBUG, no broker."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "LOG_LEVEL"}
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="crm.settings.dev",
        CELERY_BROKER_URL="",
        REDIS_URL="",
        MEDIA_ROOT=str(media),
    )
    return environment


def run(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class Demo:
    folder: Path
    environment: dict[str, str]
    migrated: subprocess.CompletedProcess
    seeded: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    """A fresh SQLite file, migrated and seeded as `make run` does it."""
    folder = tmp_path_factory.mktemp("demo")
    environment = demo_environment(folder / "demo.sqlite3", folder / "media")
    migrated = run(["manage.py", "migrate", "--no-input", "-v", "0"], environment)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run(["manage.py", "seed_demo"], environment)
    assert seeded.returncode == 0, seeded.stderr
    return Demo(folder, environment, migrated, seeded)


@pytest.fixture(scope="module")
def walked(demo) -> dict:
    """Every page and export of every role, requested in a process on the demo's file."""
    exports = demo.folder / "exports"
    exports.mkdir()
    result = run(["-m", "tests.demo_walk", str(exports)], demo.environment)
    assert result.returncode == 0, result.stderr[-5000:]
    return {**json.loads(result.stdout), "stderr": result.stderr}


def test_make_run_migrates_and_seeds_the_demo_on_sqlite(demo):
    assert "500 leads" in demo.seeded.stdout and "conversations" in demo.seeded.stdout
    assert "doradca1" in demo.seeded.stdout  # the demo logins
    # Development keeps django-axes' start-up line out of the console.
    assert "AXES" not in demo.migrated.stderr + demo.seeded.stderr

    again = run(["manage.py", "seed_demo"], demo.environment)

    assert again.returncode == 0, again.stderr
    assert "Created demo data" not in again.stdout  # the second run creates nothing
    assert "doradca1" in again.stdout


def test_the_demo_on_sqlite_has_a_consent_register_whose_states_follow_its_events(demo):
    with sqlite3.connect(demo.folder / "demo.sqlite3") as database:
        kinds = dict(
            database.execute(
                "SELECT kind || ' ' || action, count(*) FROM consents_consentevent GROUP BY 1"
            ).fetchall()
        )
        # Each state is its person's newest event of that kind (by time, then id).
        stale = database.execute(
            """SELECT count(*) FROM consents_consentstate s
               JOIN consents_consentevent e ON e.id = s.event_id
               WHERE s.granted <> (e.action = 'given') OR EXISTS (
                   SELECT 1 FROM consents_consentevent n
                   WHERE n.kind = s.kind
                     AND (n.client_id = s.client_id
                          OR (s.client_id IS NULL AND n.client_id IS NULL
                              AND n.lead_id = s.lead_id))
                     AND (n.at > e.at OR (n.at = e.at AND n.id > e.id)))"""
        ).fetchone()[0]
        states = database.execute("SELECT count(*) FROM consents_consentstate").fetchone()[0]
    for kind in ("inquiry:any", "marketing:email", "marketing:phone", "marketing:sms"):
        assert kinds.get(f"{kind} given", 0) > 0, kinds
    assert kinds.get("marketing:email withdrawn", 0) > 0, kinds
    assert kinds.get("marketing:email objected", 0) > 0, kinds
    assert states > 0 and stale == 0


def test_every_url_of_the_project_is_walked_or_excluded_with_a_reason(walked):
    assert walked["unclassified"] == []
    assert all(reason for reason in demo_walk.EXCLUDED.values())


def test_every_page_of_every_role_answers_as_it_should(walked):
    requests = walked["requests"]
    wrong = [
        f"{r['role']} {r['method']} {r['url']} ({r['name']}): {r['status']}, not {r['expect']}"
        for r in requests
        if r["status"] not in r["expect"]
    ]
    assert wrong == []
    for role in demo_walk.ROLES:
        pages = [r for r in requests if r["role"] == role and r["method"] == "GET"]
        assert sum(r["status"] == 200 for r in pages) >= 60, role
    admin_lists = {r["name"] for r in requests if r["name"].endswith("_changelist")}
    assert len(admin_lists) >= 15
    # Nothing answered 500: no error was logged for a request.
    assert "ERROR django.request" not in walked["stderr"]


def test_every_export_of_every_role_is_a_readable_workbook(walked):
    exported = [r for r in walked["requests"] if r.get("export")]
    expected = {
        (role, export)
        for role in demo_walk.ROLES
        for export in FIRST_HEADERS
        if export != "import-rejected" or role != "doradca1"  # advisors do not import
    }
    assert {(r["role"], r["export"]) for r in exported} == expected
    for record in exported:
        assert record["status"] == 200, record
        workbook = load_workbook(record["file"], read_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        headers = FIRST_HEADERS[record["export"]]
        assert list(rows[0][: len(headers)]) == headers, record
        assert len(rows) >= 2, record  # data below the header
        assert any(value is not None for value in rows[1]), record


def sheet_rows(walked, role: str, export: str, sheet: int = 0) -> list[tuple]:
    record = next(r for r in walked["requests"] if (r["role"], r.get("export")) == (role, export))
    workbook = load_workbook(record["file"], read_only=True)
    return list(workbook.worksheets[sheet].iter_rows(values_only=True))


def test_the_lead_export_carries_the_newest_survey_answers_on_sqlite(walked):
    rows = sheet_rows(walked, "kierownik", "leads")
    headers = list(rows[0])
    start = headers.index(SURVEY_HEADERS[0])
    assert headers[start : start + len(SURVEY_HEADERS)] == SURVEY_HEADERS
    answered = [row for row in rows[1:] if any(v is not None for v in row[start:])]
    assert len(answered) >= 100


def test_the_reports_show_medians_and_percentiles_on_sqlite(walked):
    for role in demo_walk.ROLES:
        times = sheet_rows(walked, role, "response_times")
        for span, measured, median, p90 in times[1:]:
            assert measured > 0, (role, span)
            assert isinstance(median, float | int) and isinstance(p90, float | int), (role, span)
        over_sla = sheet_rows(walked, role, "response_times", sheet=1)
        assert len(over_sla) >= 2, role  # the leads over the SLA are listed
    advisors = sheet_rows(walked, "kierownik", "funnel", sheet=3)
    assert advisors[0][-1] == "Mediana czasu do pierwszego kontaktu (min)"
    assert len(advisors) == 4  # the three advisors
    assert all(isinstance(row[-1], float | int) for row in advisors[1:]), advisors


def test_inquiries_from_the_form_and_the_api_go_to_an_advisor(walked):
    assert walked["assignees"] == {"form": ["advisor"], "api": ["advisor"]}


def test_the_demos_console_has_no_django_axes_info_lines(walked):
    # Logins (and the failed one) went through django-axes: only its warning shows.
    lines = [line for line in walked["stderr"].splitlines() if "AXES" in line]
    assert lines and all(line.startswith("WARNING axes") for line in lines), lines
