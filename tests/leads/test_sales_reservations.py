"""Preliminary reservations: an advisor reserves a unit of the lead's investment for its
client, cancels it, and beat expires the overdue ones (the unit freed, the advisor emailed
once)."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from investments.models import UnitStatus
from leads.models import (
    ContractKind,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    Reservation,
    ReservationStatus,
    UnitHold,
)
from leads.services import sales
from leads.services.pipeline import lead_mark_failed
from leads.services.sales import (
    contract_create,
    reservation_cancel,
    reservation_create,
    reservations_expire_due,
)
from leads.tasks import expire_reservations
from notifications.models import Notification, NotificationKind
from settings_app.models import CRMSettings
from tests.factories import InvestmentFactory, UnitFactory, UserFactory, status
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    messages_of,
    other_unit,
    rival_lead,
    set_manual_status_changes,
    tab_url,
    unit,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def reserve(lead, unit, user, **kwargs):
    kwargs.setdefault("reserved_until", today() + timedelta(days=7))
    return reservation_create(lead=lead, unit=unit, user=user, **kwargs)


def create_url(lead) -> str:
    return reverse("leads:reservation_create", args=[lead.pk])


def cancel_url(reservation) -> str:
    return reverse("leads:reservation_cancel", args=[reservation.lead_id, reservation.pk])


def form_data(unit, *, until=None, fee="", client=None) -> dict:
    return {
        "unit": unit.pk,
        "client": client.pk if client else "",
        "reserved_until": (until or today() + timedelta(days=7)).isoformat(),
        "fee": fee,
    }


# -- Reserving ------------------------------------------------------------------------------


def test_reserving_holds_the_unit_and_records_it_in_history(advisor, lead, buyer, unit):
    reservation = reserve(lead, unit, advisor, client=buyer, fee=Decimal("5000"))

    unit.refresh_from_db()
    assert unit.status == UnitStatus.RESERVED
    assert unit.history.latest().history_user == advisor
    assert UnitHold.objects.get(unit=unit).reservation == reservation
    assert reservation.status == ReservationStatus.ACTIVE
    assert reservation.created_by == advisor
    assert reservation.history.count() == 1


def test_reservation_lasts_the_settings_days_by_default(advisor, lead, unit):
    reservation = reservation_create(lead=lead, unit=unit, user=advisor)
    assert reservation.reserved_until == today() + timedelta(days=7)


def test_a_held_unit_is_refused_with_who_holds_it_and_until_when(
    advisor, teammate, lead, rival_lead, unit
):
    until = today() + timedelta(days=3)
    reserve(lead, unit, advisor, reserved_until=until)

    with pytest.raises(ValidationError) as refused:
        reserve(rival_lead, unit, teammate)

    expected = f"Already reserved by Anna Wiśniewska until {until:%d.%m.%Y}."
    assert refused.value.message_dict == {"unit": [expected]}
    assert Reservation.objects.count() == 1


def test_a_sold_unit_cannot_be_reserved(advisor, teammate, lead, rival_lead, unit):
    contract_create(
        lead=lead,
        kind=ContractKind.DEVELOPER,
        units=[unit],
        signed_at=today(),
        price=Decimal("500000"),
        number="UD/7/2026",
        user=advisor,
    )
    with pytest.raises(ValidationError) as refused:
        reserve(rival_lead, unit, teammate)
    assert refused.value.message_dict == {"unit": ["Already sold (contract UD/7/2026)."]}


def test_a_unit_marked_sold_without_a_contract_cannot_be_reserved(advisor, lead, unit):
    unit.status = UnitStatus.SOLD
    unit.save()
    with pytest.raises(ValidationError) as refused:
        reserve(lead, unit, advisor)
    assert refused.value.message_dict == {"unit": ["Already sold."]}


def test_a_unit_of_an_investment_not_on_the_lead_is_refused(advisor, lead):
    elsewhere = UnitFactory(investment=InvestmentFactory(name="Brzozowa"))
    with pytest.raises(ValidationError) as refused:
        reserve(lead, elsewhere, advisor)
    assert refused.value.message_dict == {
        "unit": ["This unit is not in any of the lead's investments."]
    }
    assert not UnitHold.objects.exists()


def test_an_end_date_in_the_past_and_a_negative_fee_are_refused(advisor, lead, unit):
    with pytest.raises(ValidationError) as refused:
        reserve(lead, unit, advisor, reserved_until=today() - timedelta(days=1), fee=Decimal("-1"))
    assert refused.value.message_dict == {
        "reserved_until": ["The reservation cannot end in the past."],
        "fee": ["The fee cannot be negative."],
    }
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_a_reservation_ends_at_most_the_settings_longest_days_away(advisor, lead, unit):
    row = CRMSettings.get_solo()
    row.reservation_max_days = 30
    row.save()
    latest = today() + timedelta(days=30)

    with pytest.raises(ValidationError) as refused:
        reserve(lead, unit, advisor, reserved_until=latest + timedelta(days=1))

    assert refused.value.message_dict == {
        "reserved_until": [
            "A preliminary reservation lasts at most 30 days: "
            f"choose {latest:%d.%m.%Y} or an earlier day."
        ]
    }
    assert not Reservation.objects.exists()
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE
    assert reserve(lead, unit, advisor, reserved_until=latest).reserved_until == latest


def test_a_reservation_may_end_today_and_cost_nothing(advisor, lead, unit):
    reservation = reserve(lead, unit, advisor, reserved_until=today(), fee=Decimal("0"))
    assert reservation.fee == 0


def test_a_deleted_inquiry_takes_no_reservation(advisor, lead, unit):
    lead.intake_outcome = IntakeOutcome.DELETED
    lead.deletion_reason = DeletionReason.objects.get(name="Spam")
    with pytest.raises(ValidationError, match="This inquiry is deleted; restore it first."):
        reserve(lead, unit, advisor)


def test_a_client_not_on_the_lead_is_refused(advisor, lead, rival_lead, unit):
    with pytest.raises(ValidationError) as refused:
        reserve(lead, unit, advisor, client=rival_lead.clients.get())
    assert refused.value.message_dict == {"client": ["This client is not on the lead."]}


def test_a_failed_or_won_lead_takes_no_reservation(advisor, lead, unit):
    lead.status = status("umowa")
    with pytest.raises(ValidationError, match="This lead is won"):
        reserve(lead, unit, advisor)
    lead.status = status("lead-aktywny")
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    with pytest.raises(ValidationError, match="marked as a failure"):
        reserve(lead, unit, advisor)


def test_the_race_lost_at_the_database_gets_the_same_message(
    advisor, teammate, lead, rival_lead, unit, monkeypatch
):
    """The check under the lock is skipped (as if two requests read "free" at once): the
    hold's primary key refuses the second one, and the refusal names the holder."""
    until = today() + timedelta(days=2)
    reserve(lead, unit, advisor, reserved_until=until)
    checks = []
    monkeypatch.setattr(sales, "_holder_refusal", _first_says_free(sales._holder_refusal, checks))

    with pytest.raises(ValidationError) as refused:
        reserve(rival_lead, unit, teammate)

    assert checks == ["free", "held"]
    assert refused.value.message_dict == {
        "unit": [f"Already reserved by Anna Wiśniewska until {until:%d.%m.%Y}."]
    }
    assert Reservation.objects.count() == UnitHold.objects.count() == 1


def _first_says_free(real, checks):
    def refusal(unit):
        if not checks:
            checks.append("free")
            return ""
        checks.append("held")
        return real(unit)

    return refusal


def test_the_first_reservation_moves_the_lead_when_manual_changes_are_off(advisor, lead, unit):
    set_manual_status_changes(False)
    reserve(lead, unit, advisor)
    lead.refresh_from_db()
    assert lead.status.slug == "rezerwacja-wstepna"
    assert lead.history.latest().history_user == advisor


def test_a_reservation_leaves_the_status_alone_when_manual_changes_are_on(advisor, lead, unit):
    reserve(lead, unit, advisor)
    lead.refresh_from_db()
    assert lead.status.slug == "lead-aktywny"


def test_a_lead_already_further_is_not_moved_back(advisor, lead, unit):
    set_manual_status_changes(False)
    lead.status = status("rezerwacja-wstepna")
    lead.save()
    reserve(lead, unit, advisor)
    lead.refresh_from_db()
    assert lead.status.slug == "rezerwacja-wstepna"


# -- The database's own rule ------------------------------------------------------------------


def test_the_database_refuses_a_second_hold_on_a_unit(advisor, lead, rival_lead, unit):
    reserve(lead, unit, advisor)
    second = Reservation.objects.create(
        lead=rival_lead,
        unit=unit,
        reserved_until=today(),
        status=ReservationStatus.CANCELLED,
        ended_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitHold.objects.create(unit=unit, reservation=second)


def test_the_database_refuses_a_second_active_reservation_of_a_unit(lead, rival_lead, unit):
    Reservation.objects.create(lead=lead, unit=unit, reserved_until=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(lead=rival_lead, unit=unit, reserved_until=today())


# -- Cancelling -----------------------------------------------------------------------------


def test_cancelling_frees_the_unit(advisor, teammate, lead, rival_lead, unit):
    reservation = reserve(lead, unit, advisor)

    reservation_cancel(reservation=reservation, user=advisor)

    reservation.refresh_from_db()
    unit.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.ended_at is not None
    assert unit.status == UnitStatus.AVAILABLE
    assert not UnitHold.objects.exists()
    assert [h.status for h in unit.history.order_by("history_date", "history_id")] == [
        "available",
        "reserved",
        "available",
    ]
    # Free for anyone again.
    reserve(rival_lead, unit, teammate)


def test_a_lead_marked_as_failure_gives_its_reserved_units_back(
    advisor, teammate, lead, rival_lead, unit
):
    reservation = reserve(lead, unit, advisor)

    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)

    reservation.refresh_from_db()
    unit.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.history.first().history_user == advisor
    assert unit.status == UnitStatus.AVAILABLE
    assert not UnitHold.objects.exists()
    reserve(rival_lead, unit, teammate)  # on sale again


def test_an_ended_reservation_cannot_be_cancelled_again(advisor, lead, unit):
    reservation = reserve(lead, unit, advisor)
    reservation_cancel(reservation=reservation, user=advisor)
    with pytest.raises(ValidationError, match="no longer active"):
        reservation_cancel(reservation=reservation, user=advisor)


# -- Expiry -----------------------------------------------------------------------------------


def test_the_sweep_expires_overdue_reservations_and_emails_the_advisor_once(
    advisor, lead, rival_lead, teammate, unit, other_unit, django_capture_on_commit_callbacks
):
    overdue = reserve(lead, unit, advisor, reserved_until=today())
    running = reserve(rival_lead, other_unit, teammate, reserved_until=today() + timedelta(days=1))
    tomorrow = today() + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert reservations_expire_due(today=tomorrow) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations_expire_due(today=tomorrow) == 0

    overdue.refresh_from_db()
    running.refresh_from_db()
    unit.refresh_from_db()
    assert overdue.status == ReservationStatus.EXPIRED
    assert overdue.ended_at is not None
    assert running.status == ReservationStatus.ACTIVE
    assert unit.status == UnitStatus.AVAILABLE
    assert unit.history.latest().status == UnitStatus.AVAILABLE
    assert list(UnitHold.objects.values_list("unit_id", flat=True)) == [other_unit.pk]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [advisor.email]
    assert "Mieszkanie na Akacjowej" in mail.outbox[0].subject
    notification = Notification.objects.get()
    assert notification.kind == NotificationKind.RESERVATION_EXPIRED
    assert notification.sent_at is not None


def test_a_reservation_is_kept_through_its_last_day(advisor, lead, unit):
    reserve(lead, unit, advisor, reserved_until=today())
    assert reservations_expire_due(today=today()) == 0


def test_without_its_author_the_lead_employees_are_emailed(
    advisor, teammate, lead, unit, django_capture_on_commit_callbacks
):
    lead.employees.add(teammate)
    author = UserFactory(branch=advisor.branch)
    reserve(lead, unit, author, reserved_until=today())
    author.is_active = False
    author.save()

    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire_due(today=today() + timedelta(days=1))

    assert sorted(m.to[0] for m in mail.outbox) == sorted([advisor.email, teammate.email])


def test_the_beat_task_runs_the_sweep(advisor, lead, unit, settings):
    reservation = reserve(lead, unit, advisor, reserved_until=today())
    Reservation.objects.filter(pk=reservation.pk).update(reserved_until=today() - timedelta(days=1))
    assert expire_reservations.delay().get() == 1
    assert "leads.tasks.expire_reservations" in [
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    ]


# -- The pages ---------------------------------------------------------------------------------


def test_advisor_reserves_a_unit_from_the_page(web, advisor, lead, buyer, unit):
    page = web.get(create_url(lead))
    assert page.status_code == 200
    assert list(page.context["form"].fields["unit"].queryset) == [unit]
    assert page.context["form"]["client"].value() == buyer.pk

    response = web.post(create_url(lead), form_data(unit, fee="2500.00", client=buyer))

    assert response.status_code == 302
    assert response.url.endswith(f"/leads/{lead.pk}/?tab=offers&suggest=rezerwacja-wstepna")
    reservation = Reservation.objects.get()
    assert (reservation.unit, reservation.client, reservation.fee) == (unit, buyer, Decimal("2500"))


def test_the_lead_page_then_offers_the_reservation_status(web, lead, unit):
    response = web.post(create_url(lead), form_data(unit), follow=True)
    assert 'id="status-suggestion"' in response.text
    assert "Rezerwacja wstępna" in response.text


def test_no_suggestion_when_the_status_moved_by_itself(web, lead, unit):
    set_manual_status_changes(False)
    response = web.post(create_url(lead), form_data(unit))
    assert response.url.endswith(f"/leads/{lead.pk}/?tab=offers")


def test_page_shows_the_holder_next_to_the_unit_field(web, teammate, rival_lead, lead, unit):
    until = today() + timedelta(days=2)
    reserve(rival_lead, unit, teammate, reserved_until=until)

    response = web.post(create_url(lead), form_data(unit))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "unit": [f"Already reserved by Piotr Zieliński until {until:%d.%m.%Y}."]
    }
    assert "Already reserved by Piotr Zieliński" in response.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reserved_until": "2001-01-01"}, "reserved_until", "cannot end in the past"),
        ({"fee": "-10"}, "fee", "cannot be negative"),
        ({"unit": ""}, "unit", "Choose the unit to reserve."),
        ({"unit": "abc"}, "unit", "Select a valid choice"),
        ({"reserved_until": "soon"}, "reserved_until", "Enter a valid date."),
    ],
)
def test_bad_input_is_shown_next_to_its_field(web, lead, unit, change, field, message):
    response = web.post(create_url(lead), {**form_data(unit), **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Reservation.objects.exists()


def test_ten_years_typed_on_the_page_are_refused_next_to_the_date(web, lead, unit):
    ten_years = today() + timedelta(days=3653)

    response = web.post(create_url(lead), form_data(unit, until=ten_years))

    assert response.status_code == 400
    latest = today() + timedelta(days=90)
    assert response.context["form"].errors["reserved_until"] == [
        f"A preliminary reservation lasts at most 90 days: choose {latest:%d.%m.%Y} or an "
        "earlier day."
    ]
    assert not Reservation.objects.exists()


def test_page_refuses_a_unit_of_another_investment(web, lead):
    elsewhere = UnitFactory(investment=InvestmentFactory(name="Brzozowa"))
    response = web.post(create_url(lead), form_data(elsewhere))
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not Reservation.objects.exists()


def test_page_of_a_failed_lead_sends_back_with_the_reason(web, advisor, lead):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    response = web.get(create_url(lead), follow=True)
    assert "This lead is marked as a failure; reactivate it first." in messages_of(response)


def test_page_without_available_units_says_so(web, lead, unit):
    unit.status = UnitStatus.SOLD
    unit.save()
    response = web.get(create_url(lead))
    assert 'id="reservation-no-units"' in response.text


def test_advisor_cancels_a_reservation_from_the_tab(web, advisor, lead, unit):
    reservation = reserve(lead, unit, advisor)
    tab = web.get(tab_url(lead, "offers"), HTTP_HX_REQUEST="true")
    assert cancel_url(reservation) in tab.text
    assert "data-confirm=" in tab.text.split(cancel_url(reservation))[1][:200]

    response = web.post(cancel_url(reservation), follow=True)

    assert "The reservation is cancelled; the unit is available." in messages_of(response)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED


def test_cancel_is_post_only(web, advisor, lead, unit):
    reservation = reserve(lead, unit, advisor)
    assert web.get(cancel_url(reservation)).status_code == 405


def test_outsider_gets_404_on_every_reservation_url(client, outsider, advisor, lead, unit):
    reservation = reserve(lead, unit, advisor)
    client.force_login(outsider)
    assert client.get(create_url(lead)).status_code == 404
    assert client.post(create_url(lead), form_data(unit)).status_code == 404
    assert client.post(cancel_url(reservation)).status_code == 404
    reservation.refresh_from_db()
    assert reservation.is_active


def test_a_reservation_of_another_lead_is_404_under_this_one(
    web, advisor, teammate, lead, rival_lead, unit
):
    rival_lead.employees.add(advisor)
    reservation = reserve(rival_lead, unit, teammate)
    url = reverse("leads:reservation_cancel", args=[lead.pk, reservation.pk])
    assert web.post(url).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, lead):
    response = client.get(create_url(lead))
    assert response.status_code == 302
    assert "login" in response.url


# -- The tab ------------------------------------------------------------------------------------


def test_tab_lists_reservations_with_their_details(web, advisor, lead, buyer, unit):
    reserve(lead, unit, advisor, client=buyer, fee=Decimal("5000"), reserved_until=today())
    response = web.get(tab_url(lead, "offers"), HTTP_HX_REQUEST="true")
    row = response.text.split('id="lead-reservations"')[1]
    for text in (
        "Akacjowa / A1",
        "Turza",
        today().strftime("%d.%m.%Y"),
        "5,000.00\xa0zł",  # the fee, as every amount reads
        "Active",
        "Anna Wiśniewska",
    ):
        assert text in row


def test_tab_without_reservations_says_so(web, lead):
    response = web.get(tab_url(lead, "offers"), HTTP_HX_REQUEST="true")
    assert "No reservations yet." in response.text


def test_the_action_bar_offers_reserving_on_an_open_lead_only(web, advisor, lead):
    assert 'id="lead-reserve"' in web.get(lead.get_absolute_url()).text
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    assert 'id="lead-reserve"' not in web.get(lead.get_absolute_url()).text


def test_reservations_part_reads_in_one_query(advisor, lead, buyer, django_assert_num_queries, rf):
    from django.template.loader import render_to_string

    from leads.views.sales import reservations_tab_context

    for number in range(3):
        unit = UnitFactory(investment=lead.investments.get(), number=f"R{number}")
        reserve(lead, unit, advisor, client=buyer)
    request = rf.get("/")
    request.user = advisor
    with django_assert_num_queries(1):
        html = render_to_string(
            "leads/sales/reservations_table.html",
            {"lead": lead, **reservations_tab_context(request, lead)},
        )
    assert html.count('<tr id="reservation-') == 3


def test_tab_query_count_does_not_grow_with_reservations(web, advisor, lead, buyer):
    investment = lead.investments.get()
    reserve(lead, UnitFactory(investment=investment), advisor, client=buyer)
    with CaptureQueriesContext(connection) as one:
        web.get(tab_url(lead, "offers"), HTTP_HX_REQUEST="true")
    for _ in range(9):
        reserve(lead, UnitFactory(investment=investment), advisor, client=buyer)
    with CaptureQueriesContext(connection) as ten:
        response = web.get(tab_url(lead, "offers"), HTTP_HX_REQUEST="true")
    assert response.text.count('<tr id="reservation-') == 10
    assert len(ten) == len(one)
