"""What `docker-compose config` cannot tell: the stack's processes agree with the settings
(the queues the workers consume are the ones the tasks are routed to), every service has a
health check, beat runs once, and .env.example names every variable the stack reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from crm.celery import app

yaml = pytest.importorskip("yaml")

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def queues_of(service: dict) -> list[str]:
    command = service["command"]
    return command[command.index("-Q") + 1].split(",")


def route_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_imports_and_exports_go_to_the_heavy_queue_and_the_rest_to_the_default_one():
    app.loader.import_default_modules()  # every app's tasks.py
    job_tasks = sorted(name for name in app.tasks if name.split(".")[-1].startswith("run_"))
    assert job_tasks == sorted(settings.LEJEK_HEAVY_TASKS)  # a new job task is routed too
    for name in job_tasks:
        assert route_of(name) == "heavy"
    for name in (
        "notifications.tasks.send_notification",
        "notifications.tasks.send_unsent_notifications",
        "leads.tasks.queue_conversation_reminders",
    ):
        assert route_of(name) == "celery"


def test_each_queue_has_its_worker_service(services):
    assert queues_of(services["worker"]) == [settings.CELERY_TASK_DEFAULT_QUEUE]
    assert queues_of(services["worker-heavy"]) == [settings.LEJEK_HEAVY_QUEUE]


def test_every_service_has_a_health_check_and_beat_runs_once(services):
    assert {name for name, service in services.items() if "healthcheck" not in service} == set()
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "/healthz/" in (ROOT / "scripts" / "healthcheck.py").read_text()


def test_the_processes_wait_for_the_one_migration_step(services):
    for name in ("web", "worker", "worker-heavy", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(services[name]["command"])
    assert services["migrate"]["restart"] == "no"


def test_env_example_names_every_variable_the_stack_reads():
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    compose = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    production = "\n".join(
        (ROOT / "crm" / "settings" / name).read_text() for name in ("base.py", "production.py")
    )
    read = set(re.findall(r'(?:environ\.get|environ\[|env_bool|env_list)\(?"(\w+)"', production))
    # Set by docker-compose.yml itself, or meaningful only outside the stack.
    not_in_env_file = {
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "MEDIA_ROOT",
        "DEBUG",
        "EMAIL_BACKEND",
    }
    assert compose - example == set()
    assert read - not_in_env_file - example == set()
