"""The README's first command, `make run`, migrates and seeds the demo on SQLite (the
embedded default): both steps, run as that command runs them, on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def manage(*args: str, database: Path) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "crm.settings.dev",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_run_migrates_and_seeds_the_demo_on_sqlite(tmp_path):
    database = tmp_path / "demo.sqlite3"

    migrated = manage("migrate", "--no-input", "-v", "0", database=database)
    assert migrated.returncode == 0, migrated.stderr
    seeded = manage("seed_demo", database=database)
    assert seeded.returncode == 0, seeded.stderr
    again = manage("seed_demo", database=database)

    assert "500 leads" in seeded.stdout and "1515 conversations" in seeded.stdout
    assert "doradca1" in seeded.stdout  # the demo logins
    assert again.returncode == 0, again.stderr
    assert "Created demo data" not in again.stdout  # the second run creates nothing
    assert "doradca1" in again.stdout
