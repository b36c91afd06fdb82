"""Administrators look up in the admin whether an email went out and, if not, why; they
cannot write or change one there."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, branch):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, branch=branch))
    return client


@pytest.fixture
def outbox(advisor, teammate, branch):
    lead = LeadFactory(name="Zakup mieszkania Nowaków", branch=branch)
    sent = Notification.objects.create(
        key="lead_assigned:1:1",
        kind=NotificationKind.LEAD_ASSIGNED,
        lead=lead,
        recipient=advisor,
        sent_at=timezone.now(),
    )
    failing = Notification.objects.create(
        key="lead_linked:1:2",
        kind=NotificationKind.LEAD_LINKED,
        lead=lead,
        recipient=teammate,
        attempts=3,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    return sent, failing


def changelist(admin_client, **params):
    response = admin_client.get(reverse("admin:notifications_notification_changelist"), params)
    assert response.status_code == 200
    return response


def test_administrator_sees_every_email_with_its_recipient_lead_and_attempts(
    admin_client, outbox, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = changelist(admin_client)

    assert response.context["cl"].result_count == 2
    assert "lead_assigned:1:1" in response.text and "lead_linked:1:2" in response.text
    assert "Zakup mieszkania Nowaków" in response.text
    assert '<td class="field-attempts">3</td>' in response.text


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"sent": "no"}, ["lead_linked:1:2"]),
        ({"sent": "yes"}, ["lead_assigned:1:1"]),
        ({"kind__exact": "lead_assigned"}, ["lead_assigned:1:1"]),
    ],
)
def test_administrator_filters_emails_by_kind_and_by_sent(admin_client, outbox, params, keys):
    response = changelist(admin_client, **params)

    assert [n.key for n in response.context["cl"].result_list] == keys


def test_an_email_is_read_only_in_the_admin(admin_client, outbox):
    _, failing = outbox

    add = admin_client.get(reverse("admin:notifications_notification_add"))
    detail = admin_client.get(reverse("admin:notifications_notification_change", args=[failing.pk]))

    assert add.status_code == 403
    assert detail.status_code == 200
    assert "Connection refused" in detail.text  # the last error, to read
    assert 'name="_save"' not in detail.text
