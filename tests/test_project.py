"""Project-wide guarantees: no pending migration, production settings refuse bad config,
the apps' layers import one way."""

from __future__ import annotations

import ast
import json
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


def test_a_commands_output_on_stdout_has_no_log_lines_in_it():
    """A developer pipes a command's output into a file: the apps' log lines (django-axes
    says hello at start-up, at INFO, which the test settings keep) go to stderr, the
    command's own to stdout."""
    environment = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    environment.update(DEBUG="1", DJANGO_SETTINGS_MODULE="crm.settings.test")
    result = subprocess.run(
        [sys.executable, "manage.py", "diffsettings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "AXES" in result.stderr
    assert "AXES:" not in result.stdout
    assert all(" = " in line for line in result.stdout.splitlines()), result.stdout[:300]


def _log_levels(settings_module: str, **env: str) -> dict:
    """Which of django-axes' levels a process of these settings logs, and the lines it
    wrote while starting: `stdout` (without the answer, the last line) and `stderr`."""
    environment = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    code = (
        "import django, json, logging; django.setup(); "
        "logger = logging.getLogger('axes.handlers.database'); "
        "print(json.dumps({level: logger.isEnabledFor(getattr(logging, level)) "
        "for level in ('INFO', 'WARNING')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    *logs, answer = result.stdout.splitlines()
    return {**json.loads(answer), "stdout": logs, "stderr": result.stderr}


def test_development_keeps_django_axes_start_up_and_login_lines_below_info():
    development = _log_levels("crm.settings.dev", DEBUG="1")
    assert "AXES" not in development["stderr"]  # no "AXES: BEGIN version …" at start-up
    assert development["INFO"] is False  # no "AXES: Successful login by …"
    assert development["WARNING"] is True  # a lockout still shows


def test_production_keeps_django_axes_logins_in_its_json_lines():
    production = _log_levels(
        "crm.settings.production",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lejek",
        ALLOWED_HOSTS="crm.example.pl",
    )
    assert production["INFO"] is True  # the logins stay, an audit trail
    records = [json.loads(line) for line in production["stdout"]]  # each line one object
    assert all(record["level"] and record["logger"] for record in records)
    assert production["stderr"] == ""


# The apps under `intake` never import it, not even inside a function: `leads` keeps what
# its own import needs (`lead_receive`, the intake configuration, the inquiry's field
# rules; see intake/__init__.py).
BELOW_INTAKE = (
    "crm/core", "consents", "clients", "investments", "settings_app", "leads", "notifications",
)  # fmt: skip


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_app_below_intake_imports_it():
    offending = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for app in BELOW_INTAKE
        for path in (ROOT / app).rglob("*.py")
        for module in _imported_modules(path)
        if module == "intake" or module.startswith("intake.")
    )
    assert offending == []
