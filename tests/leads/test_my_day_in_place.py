"""My day (issue 19): each planned conversation leads with the client and their phone (a
tel: link), and is marked done or postponed in place — an htmx POST answers with the row,
a plain POST redirects back to My day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.models import Activity
from leads.services.conversations import conversation_postpone
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db

MY_DAY = reverse("leads:my_day")


@pytest.fixture
def call(advisor):
    """An overdue call to Anna about a default-named lead."""
    anna = ClientFactory(
        first_name="Anna", last_name="Wiśniewska", phone="600 100 200", branch=advisor.branch
    )
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[anna])
    return Activity.objects.create(
        lead=lead, employee=advisor, planned_at=timezone.now() - timedelta(hours=2)
    )


def done_url(activity) -> str:
    return reverse("leads:my_day_done", args=[activity.lead_id, activity.pk])


def postpone_url(activity) -> str:
    return reverse("leads:my_day_postpone", args=[activity.lead_id, activity.pk])


def local_input(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_my_day_rows_lead_with_the_client_and_a_phone_link(web, call):
    page = web.get(MY_DAY).text
    row = page[page.index(f'id="my-day-conversation-{call.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Anna Wiśniewska" in row
    assert 'href="tel:+48600100200"' in row
    assert "Zakup mieszkania" not in row  # the default name says nothing


def test_a_lead_without_a_next_step_is_listed_by_its_inquirer(web, advisor):
    LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        contact_first_name="Piotr",
        contact_last_name="Nowak",
        contact_phone="501 222 333",
    )
    page = web.get(MY_DAY).text
    assert "Piotr Nowak" in page
    assert 'href="tel:+48501222333"' in page


def test_mark_done_in_place_answers_with_the_done_row(web, call):
    response = web.post(done_url(call), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="my-day-conversation-{call.pk}"' in response.text
    assert "The conversation is marked as done." in response.text
    call.refresh_from_db()
    assert call.done_at is not None


def test_mark_done_without_js_redirects_to_my_day(web, call):
    response = web.post(done_url(call))
    assert response.status_code == 302 and response.url == MY_DAY
    call.refresh_from_db()
    assert call.done_at is not None
    assert web.get(MY_DAY).context["day"].overdue.items == []


def test_postpone_in_place_moves_the_conversation(web, call):
    later = timezone.now() + timedelta(days=1)
    response = web.post(
        postpone_url(call), {"planned_at": local_input(later)}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "The conversation is postponed." in response.text
    call.refresh_from_db()
    assert local_input(call.planned_at) == local_input(later)
    assert call.done_at is None


def test_postpone_without_js_redirects_and_the_row_leaves_overdue(web, call):
    later = timezone.now() + timedelta(days=1)
    response = web.post(postpone_url(call), {"planned_at": local_input(later)})
    assert response.status_code == 302 and response.url == MY_DAY
    day = web.get(MY_DAY).context["day"]
    assert day.overdue.items == [] and [a.pk for a in day.tomorrow_planned.items] == [call.pk]


def test_postpone_into_the_past_is_refused_in_the_row(web, call):
    earlier = timezone.now() - timedelta(days=1)
    response = web.post(
        postpone_url(call), {"planned_at": local_input(earlier)}, HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in response.text
    call.refresh_from_db()
    assert call.planned_at < timezone.now()


def test_postponing_a_done_conversation_is_refused(advisor, call):
    call.done_at = timezone.now()
    call.save()
    with pytest.raises(ValidationError):
        conversation_postpone(
            activity=call, user=advisor, planned_at=timezone.now() + timedelta(days=1)
        )


@pytest.mark.parametrize("url", [done_url, postpone_url])
def test_an_outsider_cannot_mark_done_or_postpone(client, outsider, call, url):
    client.force_login(outsider)
    later = local_input(timezone.now() + timedelta(days=1))
    response = client.post(url(call), {"planned_at": later}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    call.refresh_from_db()
    assert call.done_at is None and call.planned_at < timezone.now()


@pytest.mark.parametrize("url", [done_url, postpone_url])
def test_mark_done_and_postpone_answer_get_with_405(web, call, url):
    assert web.get(url(call)).status_code == 405
