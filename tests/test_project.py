"""Project-wide guarantees: no pending migration, production settings refuse bad config."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-production-secret-for-the-settings-test-" + "z" * 20


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _start_production(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DEBUG"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="crm.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_database_url():
    result = _start_production(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="crm.example.pl")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _start_production(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lejek", ALLOWED_HOSTS="crm.example.pl"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _start_production(
        SECRET_KEY="short",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lejek",
        ALLOWED_HOSTS="crm.example.pl",
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_starts_with_complete_configuration():
    result = _start_production(
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lejek",
        ALLOWED_HOSTS="crm.example.pl",
    )
    assert result.returncode == 0, result.stderr
