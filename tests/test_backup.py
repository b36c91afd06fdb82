"""The restore drill: a database with a lead, its client and a note's attached document is
backed up with `scripts/backup.sh` (what `make backup` runs), restored with
`scripts/restore.sh` (`make restore`) into a fresh database and an empty media folder, and
gunicorn started on the restored copy serves the lead's page and the document to the
advisor who logs in."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.ports import free_port
from tests.worker_processes import test_database_url

pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
PASSWORD = "haslo-testowe-123"  # tests/factories.py's UserFactory
PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"

# Run in the source database by `manage.py shell`: the story's data, made by the factories
# and services the other tests use. Prints what the test looks for afterwards.
SEED = f"""
import json
from django.core.files.uploadedfile import SimpleUploadedFile
from leads.services.documents import note_create
from tests.factories import BranchFactory, ClientFactory, LeadFactory, UserFactory

branch = BranchFactory(name="Poznań Centrum")
advisor = UserFactory(username="doradca", first_name="Anna", branch=branch)
client = ClientFactory(first_name="Elżbieta", last_name="Kopia", branch=branch)
leads = [
    LeadFactory(name=name, branch=branch, employees=[advisor], clients=[client])
    for name in ("Mieszkanie na Jeżycach", "Dom pod Poznaniem", "Lokal usługowy")
]
note = note_create(
    lead=leads[0],
    text="Umowa przedwstępna w załączniku",
    upload=SimpleUploadedFile("umowa.pdf", {PDF!r}, content_type="application/pdf"),
    user=advisor,
)
print(json.dumps({{"lead": leads[0].pk, "document": note.attachment.pk}}))
"""


def admin_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def databases(reference_data):
    """Two databases of the test's own: the source, a copy of the migrated test database
    with the migrations' reference data, and an empty one to restore into. Both are
    dropped at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump and pg_restore: PostgreSQL only")
    suffix = uuid4().hex[:12]
    source, target = f"lejek_backup_src_{suffix}", f"lejek_backup_dst_{suffix}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{source}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        # Copied rather than used as a template: CREATE DATABASE … TEMPLATE needs the test
        # database without other sessions, and a live server or worker thread may hold one.
        copy = subprocess.run(
            f"pg_dump --format=custom --dbname='{test_database_url()}'"
            f" | pg_restore --no-owner --exit-on-error --dbname='{test_database_url(source)}'",
            shell=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert copy.returncode == 0, copy.stderr
        yield test_database_url(source), test_database_url(target)
    finally:
        with admin_connection() as admin:
            for name in (source, target):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(database: str, media: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media),
        **extra,
    }


def start_gunicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crm.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"gunicorn died:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=10).close()
            return process, base
        except OSError:  # not listening yet (URLError is one too)
            time.sleep(0.2)


def log_in(
    base: str, username: str, password: str, next_url: str
) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser that has logged in through the login form (its CSRF token included) and
    was sent on to `next_url`."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = browser.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": next_url}
    ).encode()
    landed = browser.open(urllib.request.Request(f"{base}/login/", data=body))
    assert landed.url == f"{base}{next_url}", "the login was refused"
    return browser, landed.read().decode()


def test_a_backup_restored_into_a_fresh_database_serves_the_lead_and_its_document(
    databases, tmp_path
):
    source, target = databases
    source_media, target_media = tmp_path / "media", tmp_path / "restored-media"
    backups = tmp_path / "backups"
    output = run(
        [sys.executable, "manage.py", "shell", "-c", SEED], environment(source, source_media)
    )
    # The seed's one line among whatever the logging prints to stdout.
    seeded = json.loads(next(line for line in output.splitlines() if '"document"' in line))

    dump = run(
        ["scripts/backup.sh"], environment(source, source_media, BACKUP_DIR=str(backups))
    ).strip()

    assert re.fullmatch(rf"{re.escape(str(backups))}/lejek-\d{{8}}-\d{{6}}\.dump", dump)
    media_archive = Path(dump.removesuffix(".dump") + ".media.tar.gz")
    assert Path(dump).stat().st_size > 0 and media_archive.is_file()
    # The restore has only the backup to go on: the source's files are gone.
    shutil.rmtree(source_media)

    run(["scripts/restore.sh", dump], environment(target, target_media))

    env = environment(target, target_media)
    server, base = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        lead_url = f"/leads/{seeded['lead']}/"
        browser, page = log_in(base, "doradca", PASSWORD, next_url=lead_url)
        assert "Mieszkanie na Jeżycach" in page
        clients_tab = browser.open(f"{base}{lead_url}tab/clients/").read().decode()
        assert "Elżbieta" in clients_tab and "Kopia" in clients_tab
        download = browser.open(f"{base}{lead_url}documents/{seeded['document']}/download/")
        assert download.read() == PDF
        assert "umowa.pdf" in download.headers["Content-Disposition"]
    finally:
        server.terminate()
        server.wait(10)


def test_restore_without_a_file_says_how_to_call_it(tmp_path):
    result = subprocess.run(
        ["scripts/restore.sh"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "usage: make restore FILE=" in result.stderr
