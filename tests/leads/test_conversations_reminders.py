"""Next-step discipline by email: a reminder before each planned conversation and a daily
digest per employee, each exactly once however often the sweep runs, also when two sweeps
race."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from leads.models import Activity, ActivityKind, FailureReason
from leads.services.pipeline import lead_mark_failed
from leads.services.reminders import digests_queue, reminders_queue_due
from notifications.models import Notification, NotificationKind
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, LeadFactory, UserFactory

REMINDER = NotificationKind.CONVERSATION_REMINDER
DIGEST = NotificationKind.DAILY_DIGEST


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.LEJEK_BASE_URL = "https://crm.example.com"


@pytest.fixture
def anna(branch):
    return UserFactory(
        username="anna", first_name="Anna", email="anna@lejek.test", language="en", branch=branch
    )


@pytest.fixture
def piotr(branch):
    return UserFactory(
        username="piotr", first_name="Piotr", email="piotr@lejek.test", language="en", branch=branch
    )


def plan(lead, employee, *, minutes: float, kind=ActivityKind.PHONE, client=None) -> Activity:
    return Activity.objects.create(
        lead=lead,
        employee=employee,
        kind=kind,
        client=client,
        planned_at=timezone.now() + timedelta(minutes=minutes),
    )


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


# -- Reminders -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_twice_sends_one_reminder_per_conversation(
    smtp_sink, anna, piotr, branch, django_capture_on_commit_callbacks
):
    lead = LeadFactory(branch=branch, employees=[anna, piotr])
    soon = [
        plan(lead, anna, minutes=10),
        plan(lead, piotr, minutes=25),
        plan(lead, anna, minutes=-2),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_queue_due() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_queue_due() == 0

    assert Notification.objects.filter(kind=REMINDER, sent_at__isnull=False).count() == 3
    assert sorted(d.rcpt_tos[0] for d in smtp_sink.deliveries) == [
        "anna@lejek.test",
        "anna@lejek.test",
        "piotr@lejek.test",
    ]
    keys = set(Notification.objects.values_list("key", flat=True))
    assert all(any(f":{a.pk}:" in key for key in keys) for a in soon)


@pytest.mark.django_db
def test_only_planned_conversations_of_open_leads_due_soon_are_reminded(anna, branch):
    lead = LeadFactory(branch=branch, employees=[anna])
    due = plan(lead, anna, minutes=29)
    plan(lead, anna, minutes=31)  # beyond the settings' 30 minutes
    plan(lead, anna, minutes=-30)  # long past: a late reminder is noise
    done = plan(lead, anna, minutes=5)
    done.done_at = timezone.now()
    done.save()
    gone = UserFactory(branch=branch, is_active=False)
    plan(lead, gone, minutes=5)  # an employee who left is not reminded
    failed = LeadFactory(branch=branch, employees=[anna])
    plan(failed, anna, minutes=5)
    lead_mark_failed(lead=failed, reason=FailureReason.objects.get(name="Cena"), user=anna)

    assert reminders_queue_due() == 1
    (notification,) = Notification.objects.all()
    assert notification.lead == lead and notification.recipient == anna
    assert f":{due.pk}:" in notification.key


@pytest.mark.django_db
def test_the_reminder_window_follows_the_settings(anna, branch):
    row = CRMSettings.get_solo()
    row.reminder_minutes = 90
    row.save()
    plan(LeadFactory(branch=branch, employees=[anna]), anna, minutes=80)
    assert reminders_queue_due() == 1


@pytest.mark.django_db
def test_a_replanned_conversation_is_reminded_again(anna, branch):
    activity = plan(LeadFactory(branch=branch, employees=[anna]), anna, minutes=10)
    assert reminders_queue_due() == 1
    activity.planned_at += timedelta(minutes=15)
    activity.save()
    assert reminders_queue_due() == 1
    assert reminders_queue_due() == 0
    assert Notification.objects.filter(kind=REMINDER).count() == 2


@pytest.mark.django_db
def test_the_sweep_is_a_few_queries_whatever_the_number_of_conversations(
    anna, branch, django_assert_max_num_queries
):
    lead = LeadFactory(branch=branch, employees=[anna])
    Activity.objects.bulk_create(
        Activity(lead=lead, employee=anna, planned_at=timezone.now() + timedelta(seconds=n))
        for n in range(300)
    )
    CRMSettings.get_solo()
    # savepoint, settings, the due conversations, the keys owed already, one insert, release.
    with django_assert_max_num_queries(6):
        assert reminders_queue_due() == 300


@pytest.mark.django_db
def test_the_reminder_email_says_what_with_whom_and_when_and_links_the_lead(
    smtp_sink, anna, branch, django_capture_on_commit_callbacks
):
    client = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=branch)
    lead = LeadFactory(branch=branch, employees=[anna], clients=[client])
    activity = plan(lead, anna, minutes=10, kind=ActivityKind.MEETING, client=client)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_queue_due()

    (delivery,) = smtp_sink.deliveries
    when = timezone.localtime(activity.planned_at).strftime("%d.%m.%Y, %H:%M")
    # (A long encoded subject is folded; the parser keeps the fold's leading space.)
    assert delivery.message["Subject"].strip() == f"Reminder: meeting with Elżbieta Turza at {when}"
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    url = f"https://crm.example.com/leads/{lead.pk}/"
    assert url in text_of(delivery.message) and url in html_of(delivery.message)


@pytest.mark.django_db
def test_a_line_break_in_a_name_cannot_add_a_header_to_the_reminder(
    smtp_sink, anna, branch, django_capture_on_commit_callbacks
):
    lead = LeadFactory(
        branch=branch,
        employees=[anna],
        contact_first_name="Jan\r\nBcc: evil@example.com",
        contact_last_name="Nowak",
    )
    plan(lead, anna, minutes=10)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_queue_due()

    (delivery,) = smtp_sink.deliveries
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    assert delivery.message["Bcc"] is None
    assert "\n" not in delivery.message["Subject"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_sweeps_racing_send_one_reminder_per_conversation(smtp_sink, branch):
    anna = UserFactory(username="anna", email="anna@lejek.test", branch=branch)
    lead = LeadFactory(branch=branch, employees=[anna])
    for minutes in (5, 10, 15):
        plan(lead, anna, minutes=minutes)
    first_inserted, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        # Its rows inserted and not committed while the second sweep reads and inserts.
        try:
            with transaction.atomic():
                reminders_queue_due()
                first_inserted.set()
                second_started.wait(5)
                time.sleep(0.3)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(5)
            second_started.set()
            reminders_queue_due()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert errors == []
    assert Notification.objects.filter(kind=REMINDER).count() == 3
    time.sleep(0.3)
    assert len(smtp_sink.deliveries) == 3
    assert len({d.message["Message-ID"] for d in smtp_sink.deliveries}) == 3


# -- The daily digest ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_goes_once_a_day_to_each_employee_with_something_to_do(anna, piotr, branch):
    late = LeadFactory(branch=branch, employees=[anna, piotr])
    plan(late, anna, minutes=-120)  # anna's overdue call; the lead has a next step
    LeadFactory(branch=branch, employees=[piotr])  # piotr's lead without a next step
    calm = UserFactory(email="calm@lejek.test", branch=branch)
    plan(LeadFactory(branch=branch, employees=[calm]), calm, minutes=600)
    gone = UserFactory(email="gone@lejek.test", branch=branch, is_active=False)
    LeadFactory(branch=branch, employees=[gone])
    today = timezone.localdate()

    assert digests_queue(today=today) == 2
    assert digests_queue(today=today) == 0
    assert digests_queue(today=today + timedelta(days=1)) == 2

    digests = Notification.objects.filter(kind=DIGEST)
    assert set(digests.values_list("recipient__username", flat=True)) == {"anna", "piotr"}
    assert digests.count() == 4
    assert not digests.filter(lead__isnull=False).exists()


@pytest.mark.django_db
def test_the_digest_lists_overdue_and_leads_without_a_next_step_with_links(
    smtp_sink, anna, branch, django_capture_on_commit_callbacks
):
    late = LeadFactory(name="Zaległy <b>lead</b>", branch=branch, employees=[anna])
    plan(late, anna, minutes=-120)
    bare = LeadFactory(name="Bez kroku", branch=branch, employees=[anna])
    LeadFactory(name="Cudzy", branch=branch)

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_queue() == 1

    (delivery,) = smtp_sink.deliveries
    message = delivery.message
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    assert message["Subject"].startswith("Your Lejek digest for ")
    text, html = text_of(message), html_of(message)
    for lead in (late, bare):
        assert f"https://crm.example.com/leads/{lead.pk}/" in text
        assert f"https://crm.example.com/leads/{lead.pk}/" in html
    assert "Overdue conversations: 1. Open leads without a next step: 1." in text
    assert "Cudzy" not in text
    assert "Zaległy <b>lead</b>" in text
    assert "Zaległy &lt;b&gt;lead&lt;/b&gt;" in html
    assert "https://crm.example.com/leads/my-day/" in text
