"""`make run PORT=8101` puts its own address into the links of the emails it sends
(LEJEK_BASE_URL), unless LEJEK_BASE_URL is given: read from the server command `make`
would run, started with that command's environment."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def server_command(*make_args: str, **env: str) -> list[str]:
    """The words of the `manage.py runserver` line that `make run` would run (`make -n`
    prints the recipes without running them)."""
    environment = {key: value for key, value in os.environ.items() if key != "LEJEK_BASE_URL"}
    environment.update(env)
    printed = subprocess.run(
        ["make", "-n", "run", *make_args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    line = next(line for line in printed.splitlines() if "manage.py runserver" in line)
    return shlex.split(line)


def setting_the_server_gets(words: list[str], name: str) -> str:
    """Start Django with the command's environment (its VAR=value words) and settings (as
    manage.py chooses them) and read one setting."""
    assignments = dict(word.split("=", 1) for word in words[: words.index("manage.py") - 1])
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LEJEK_BASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(assignments, DJANGO_SETTINGS_MODULE="crm.settings.dev")
    code = f"import django; django.setup(); from django.conf import settings as s; print(s.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_make_run_on_another_port_links_the_emails_to_that_port():
    words = server_command("PORT=8101")
    assert words[-1] == "127.0.0.1:8101"  # runserver's address
    assert setting_the_server_gets(words, "LEJEK_BASE_URL") == "http://127.0.0.1:8101"


def test_make_run_keeps_a_base_url_that_is_given():
    words = server_command("PORT=8101", LEJEK_BASE_URL="https://crm.example.pl")
    assert setting_the_server_gets(words, "LEJEK_BASE_URL") == "https://crm.example.pl"
