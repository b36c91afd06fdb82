"""Offers on a lead: the advisor chooses units of the lead's investments (filtered, paged),
offers them at list or discounted prices, sends the offer, records the client's answer and
prints it; the first offer moves a new lead to "Oferta" (or suggests it); bad input and
other people's leads are refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from investments.models import UnitStatus
from leads.models import (
    BoardEntry,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    Offer,
    OfferItem,
    OfferStatus,
)
from leads.services.offers import offer_create, offer_mark_sent, offer_set_status
from leads.services.pipeline import lead_mark_failed
from leads.views import offers as offer_views
from settings_app.models import CRMSettings
from tests.factories import (
    ClientFactory,
    InvestmentFactory,
    LeadFactory,
    UnitFactory,
    status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' refusals read in English here, whatever an earlier test in this
    process left active (the test settings' language is Polish)."""
    with translation.override("en"):
        yield


WHO_MAY_NOT_SEE = ["outsider", "teammate", "other_manager"]


# -- The story's people and things ----------------------------------------------------------


@pytest.fixture
def akacjowa(db):
    return InvestmentFactory(name="Akacjowa", city="Poznań", address="ul. Akacjowa 5")


@pytest.fixture
def units(akacjowa):
    """The units of the lead's investment: two available, one reserved, one sold."""

    def unit(number, rooms, area, price, state=UnitStatus.AVAILABLE):
        return UnitFactory(
            investment=akacjowa,
            number=number,
            rooms=rooms,
            area=Decimal(area),
            list_price=Decimal(price),
            status=state,
        )

    return {
        "A1": unit("A1", 2, "41.50", "420000.00"),
        "A2": unit("A2", 3, "62.00", "610000.00"),
        "A3": unit("A3", 3, "64.00", "640000.00", UnitStatus.RESERVED),
        "A4": unit("A4", 4, "80.00", "800000.00", UnitStatus.SOLD),
    }


@pytest.fixture
def foreign_unit(db):
    """A unit of an investment the lead is not about."""
    return UnitFactory(investment=InvestmentFactory(name="Brzozowa"), number="B1")


@pytest.fixture
def buyer(advisor):
    return ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        email="turza@example.pl",
        phone="600100200",
        branch=advisor.branch,
        caretaker=advisor,
    )


@pytest.fixture
def lead(advisor, akacjowa, units, buyer):
    lead = LeadFactory(
        name="Mieszkanie na Akacjowej",
        branch=advisor.branch,
        employees=[advisor],
        clients=[buyer],
        created_by=advisor,
    )
    lead.investments.add(akacjowa)
    return lead


def set_manual_status_changes(allowed: bool) -> None:
    row = CRMSettings.get_solo()
    row.manual_status_change_allowed = allowed
    row.save()


def in_two_weeks():
    return timezone.localdate() + timedelta(days=14)


def create_url(lead, **query) -> str:
    url = reverse("leads:offer_create", args=[lead.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def offer_data(units_and_prices, **extra) -> dict:
    """The POST of the offer form: the chosen units, each with its price."""
    data = {
        "units": [str(unit.pk) for unit, _price in units_and_prices],
        "valid_until": in_two_weeks().isoformat(),
        "channel": "",
        "notes": "",
        "client": "",
    }
    for unit, price in units_and_prices:
        data[f"price_{unit.pk}"] = str(price)
    data.update(extra)
    return data


def make_offer(lead, user, items, **extra) -> Offer:
    arguments = {
        "client": None,
        "valid_until": in_two_weeks(),
        "channel": "",
        "notes": "",
        **extra,
    }
    return offer_create(lead=lead, items=items, user=user, **arguments)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def offers_tab(web, lead):
    return web.get(reverse("leads:tab", args=[lead.pk, "offers"]), HTTP_HX_REQUEST="true")


# -- The action and the picker ------------------------------------------------------------


def test_open_lead_offers_create_offer_and_a_failed_one_does_not(web, advisor, lead):
    page = web.get(lead.get_absolute_url())
    assert 'id="lead-offer-create"' in page.text
    assert create_url(lead) in page.text

    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    assert 'id="lead-offer-create"' not in web.get(lead.get_absolute_url()).text


def test_picker_lists_the_available_units_of_the_leads_investments(web, lead, units, foreign_unit):
    response = web.get(create_url(lead))

    assert response.status_code == 200
    listed = [unit.number for unit in response.context["page"].object_list]
    assert listed == ["A1", "A2"]  # available by default; not B1 of another investment
    assert "Brzozowa" not in response.text
    assert 'id="offer-none-chosen"' in response.text


def test_picker_filters_by_availability_and_shows_sold_units_without_a_checkbox(web, lead, units):
    reserved = web.get(create_url(lead, availability="reserved"))
    assert [u.number for u in reserved.context["page"].object_list] == ["A3"]

    everything = web.get(create_url(lead, availability="all"))
    assert [u.number for u in everything.context["page"].object_list] == ["A1", "A2", "A3", "A4"]
    sold_row = everything.text.split(f'id="offer-unit-{units["A4"].pk}"')[1].split("</tr>")[0]
    assert "disabled" in sold_row
    assert 'name="units"' not in sold_row
    assert "cannot be offered" in sold_row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rooms": 3}, ["A2"]),
        ({"area_min": "50", "area_max": "70"}, ["A2"]),
        ({"area_max": "41.50"}, ["A1"]),
        ({"price_min": "500000", "availability": "all"}, ["A2", "A3", "A4"]),
        ({"price_max": "420000"}, ["A1"]),
        ({"rooms": 3, "availability": "all", "price_max": "620000"}, ["A2"]),
    ],
)
def test_picker_filters_by_rooms_area_and_price(web, lead, units, query, expected):
    response = web.get(create_url(lead, **query))
    assert [unit.number for unit in response.context["page"].object_list] == expected


def test_a_wrong_filter_is_shown_with_its_error_and_the_others_still_apply(web, lead, units):
    response = web.get(create_url(lead, price_min="100000", price_max="50", rooms=2))

    assert response.status_code == 200
    assert "The upper price must not be below the lower one." in response.text
    assert [unit.number for unit in response.context["page"].object_list] == ["A1"]
    assert web.get(create_url(lead, rooms="abc")).status_code == 200


def test_picker_pages_the_units_and_keeps_the_chosen_ones(web, lead, akacjowa, units):
    for number in range(25):
        UnitFactory(investment=akacjowa, number=f"Z{number:02d}")

    first = web.get(create_url(lead, units=units["A1"].pk))
    second = web.get(create_url(lead, units=units["A1"].pk, page=2))

    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 6  # 26 available, A1 is chosen
    assert 'name="page" value="2"' in first.text
    # The chosen unit travels with the picker (a hidden field) and is not listed again.
    assert f'<input type="hidden" name="units" value="{units["A1"].pk}">' in second.text
    assert units["A1"] not in list(first.context["page"].object_list)


def test_chosen_units_are_priced_at_their_list_price_by_default(web, lead, units):
    a1, a2 = units["A1"], units["A2"]
    response = web.get(f"{create_url(lead)}?units={a1.pk}&units={a2.pk}&price_{a2.pk}=600000")

    rows = {row["unit"].number: row for row in response.context["form"].rows()}
    assert rows["A1"]["discount"] == Decimal("0")
    assert rows["A2"]["discount"] == Decimal("10000")
    assert rows["A2"]["percent"] == Decimal("1.6")
    chosen = response.text.split('id="offer-chosen-units"')[1]
    assert f'name="price_{a1.pk}"' in chosen
    assert 'value="420000.00"' in chosen
    assert 'value="600000"' in chosen
    assert "10,000.00\xa0zł (1.6%)" in chosen


def test_the_picker_keeps_the_details_its_query_carries(web, lead, units, buyer):
    a1 = units["A1"]
    query = f"units={a1.pk}&price_{a1.pk}=400000&client={buyer.pk}&valid_until=2031-05-04"
    response = web.get(f"{create_url(lead)}?{query}&notes=Do+negocjacji&channel=post")

    form = response.text.split('id="offer-form"')[1]
    assert 'value="400000"' in form
    assert f'<option value="{buyer.pk}" selected>' in form
    assert 'value="2031-05-04"' in form
    assert "Do negocjacji</textarea>" in form
    assert '<option value="post" selected>' in form


def test_the_picker_tells_when_the_lead_has_no_investment(web, advisor):
    bare = LeadFactory(branch=advisor.branch, employees=[advisor])
    response = web.get(create_url(bare))
    assert 'id="offer-no-investments"' in response.text


# -- Creating an offer ----------------------------------------------------------------------


def test_advisor_creates_an_offer_for_two_units_one_at_a_discount(web, advisor, lead, units, buyer):
    a1, a2 = units["A1"], units["A2"]
    data = offer_data(
        [(a1, "420000.00"), (a2, "585000.00")],
        client=buyer.pk,
        channel="email",
        notes="Rabat za szybką decyzję.",
    )

    response = web.post(create_url(lead), data)

    offer = Offer.objects.get(lead=lead)
    assert response.status_code == 302
    assert offer.created_by == advisor
    assert offer.client == buyer
    assert offer.status == OfferStatus.DRAFT
    assert offer.valid_until == in_two_weeks()
    assert offer.channel == "email"
    assert offer.notes == "Rabat za szybką decyzję."
    items = {item.unit.number: item for item in offer.items.all()}
    assert items["A1"].list_price == items["A1"].price == Decimal("420000.00")
    assert items["A2"].list_price == Decimal("610000.00")
    assert items["A2"].price == Decimal("585000.00")
    assert items["A2"].discount == Decimal("25000.00")
    assert offer.history.first().history_user == advisor


def test_the_list_price_is_kept_as_it_was_when_offered(advisor, lead, units):
    a1 = units["A1"]
    offer = make_offer(lead, advisor, [(a1, Decimal("400000"))])
    a1.list_price = Decimal("450000.00")
    a1.save()

    item = OfferItem.objects.get(offer=offer)
    assert item.list_price == Decimal("420000.00")
    assert item.discount == Decimal("20000.00")


def test_a_reserved_unit_can_be_offered(advisor, lead, units):
    offer = make_offer(lead, advisor, [(units["A3"], Decimal("640000"))])
    assert offer.items.get().unit == units["A3"]


def test_manager_of_the_branch_creates_an_offer(client, manager, lead, units):
    client.force_login(manager)
    response = client.post(create_url(lead), offer_data([(units["A1"], "420000")]))
    assert response.status_code == 302
    assert Offer.objects.get(lead=lead).created_by == manager


# -- The first offer and the lead's status ---------------------------------------------------


def test_first_offer_moves_a_new_lead_to_oferta_when_manual_changes_are_off(
    web, advisor, lead, units
):
    set_manual_status_changes(False)

    response = web.post(create_url(lead), offer_data([(units["A1"], "420000")]))

    lead.refresh_from_db()
    assert lead.status.slug == "oferta"
    assert response.url == f"{lead.get_absolute_url()}?tab=offers"
    assert BoardEntry.objects.get(lead=lead, employee=advisor).status == status("oferta")
    record = lead.history.first()
    assert record.status_id == status("oferta").pk
    assert record.history_user == advisor
    assert record.prev_record.status_id == status("nowy").pk


def test_first_offer_suggests_oferta_when_manual_changes_are_on(web, lead, units):
    set_manual_status_changes(True)

    response = web.post(create_url(lead), offer_data([(units["A1"], "420000")]))

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url() + "?suggest=oferta"
    lead.refresh_from_db()
    assert lead.status.slug == "nowy"  # only suggested: the user accepts or dismisses it


def test_a_second_offer_neither_moves_nor_suggests(web, advisor, lead, units):
    set_manual_status_changes(True)
    make_offer(lead, advisor, [(units["A1"], Decimal("420000"))])

    response = web.post(create_url(lead), offer_data([(units["A2"], "600000")]))

    assert response.url == f"{lead.get_absolute_url()}?tab=offers"
    set_manual_status_changes(False)
    make_offer(lead, advisor, [(units["A2"], Decimal("600000"))])
    lead.refresh_from_db()
    assert lead.status.slug == "nowy"


@pytest.mark.parametrize("manual", [True, False])
def test_a_lead_already_past_oferta_stays_where_it_is(web, advisor, lead, units, manual):
    set_manual_status_changes(manual)
    lead.status = status("negocjacje")
    lead.save()

    response = web.post(create_url(lead), offer_data([(units["A1"], "420000")]))

    assert response.url == f"{lead.get_absolute_url()}?tab=offers"
    lead.refresh_from_db()
    assert lead.status.slug == "negocjacje"


# -- Bad input -----------------------------------------------------------------------------


def test_offer_without_units_is_refused(web, lead):
    response = web.post(create_url(lead), offer_data([]))

    assert response.status_code == 400
    assert "Choose at least one unit." in response.text
    assert 'id="offer-units-error"' in response.text
    assert not Offer.objects.exists()


@pytest.mark.parametrize("price", ["0", "-1000", "0.00"])
def test_zero_or_negative_price_is_refused_next_to_the_units_price(web, lead, units, price):
    a1, a2 = units["A1"], units["A2"]

    response = web.post(create_url(lead), offer_data([(a1, "420000"), (a2, price)]))

    assert response.status_code == 400
    assert response.context["form"].errors[f"price_{a2.pk}"] == [
        "The price must be greater than zero."
    ]
    row = response.text.split(f'id="offer-chosen-{a2.pk}"')[1].split("</tr>")[0]
    assert "The price must be greater than zero." in row
    assert not Offer.objects.exists()
    assert not OfferItem.objects.exists()


def test_missing_or_malformed_price_is_refused(web, lead, units):
    a1 = units["A1"]
    missing = web.post(create_url(lead), offer_data([(a1, "")]))
    assert missing.context["form"].errors[f"price_{a1.pk}"] == ["Give the offered price."]
    malformed = web.post(create_url(lead), offer_data([(a1, "dużo")]))
    assert malformed.status_code == 400
    assert f"price_{a1.pk}" in malformed.context["form"].errors
    assert not Offer.objects.exists()


def test_unit_of_an_investment_not_on_the_lead_is_refused(web, lead, units, foreign_unit):
    response = web.post(
        create_url(lead), offer_data([(units["A1"], "420000"), (foreign_unit, "300000")])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["units"] == [
        f"Unit {foreign_unit} is not in an investment of this lead."
    ]
    assert not Offer.objects.exists()


def test_sold_unit_is_refused(web, lead, units):
    response = web.post(create_url(lead), offer_data([(units["A4"], "800000")]))

    assert response.status_code == 400
    assert f"Unit {units['A4']} is sold and cannot be offered." in response.text
    assert not Offer.objects.exists()


def test_validity_in_the_past_is_refused_next_to_the_field(web, lead, units):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = web.post(
        create_url(lead), offer_data([(units["A1"], "420000")], valid_until=yesterday)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["valid_until"] == [
        "The offer cannot be valid until a date in the past."
    ]
    assert not Offer.objects.exists()


def test_validity_today_is_accepted(advisor, lead, units):
    offer = make_offer(
        lead, advisor, [(units["A1"], Decimal("1"))], valid_until=timezone.localdate()
    )
    assert offer.valid_until == timezone.localdate()


def test_a_client_of_another_lead_cannot_be_chosen(web, advisor, lead, units):
    stranger = ClientFactory(branch=advisor.branch)
    response = web.post(create_url(lead), offer_data([(units["A1"], "420000")], client=stranger.pk))
    assert response.status_code == 400
    assert "client" in response.context["form"].errors
    assert not Offer.objects.exists()

    with pytest.raises(ValidationError) as refused:
        make_offer(lead, advisor, [(units["A1"], Decimal("420000"))], client=stranger)
    assert "client" in refused.value.error_dict


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([], "units", "Choose at least one unit."),
        ([("A1", "0")], "price_A1", "The price must be greater than zero."),
        ([("A1", "-5")], "price_A1", "The price must be greater than zero."),
        ([("A1", None)], "price_A1", "Give the offered price."),
        ([("A4", "800000")], "units", "is sold and cannot be offered."),
        ([("B1", "300000")], "units", "is not in an investment of this lead."),
        ([("A1", "1"), ("A1", "2")], "units", "Each unit can be offered only once."),
    ],
)
def test_the_service_refuses_bad_items_with_field_errors(
    advisor, lead, units, foreign_unit, items, field, message
):
    by_number = {**units, "B1": foreign_unit}
    chosen = [(by_number[n], Decimal(p) if p is not None else None) for n, p in items]

    with pytest.raises(ValidationError) as refused:
        make_offer(lead, advisor, chosen)

    key = "units" if field == "units" else f"price_{units['A1'].pk}"
    assert any(message in text for text in refused.value.message_dict[key])
    assert not Offer.objects.exists()


def test_the_service_refuses_a_validity_in_the_past(advisor, lead, units):
    with pytest.raises(ValidationError) as refused:
        make_offer(
            lead,
            advisor,
            [(units["A1"], Decimal("420000"))],
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    assert "valid_until" in refused.value.message_dict


def test_a_failed_or_won_lead_takes_no_new_offer(web, advisor, lead, units):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)

    page = web.get(create_url(lead), follow=True)
    assert "This lead is marked as a failure; reactivate it first." in " ".join(messages_of(page))
    posted = web.post(create_url(lead), offer_data([(units["A1"], "420000")]))
    assert posted.status_code == 302
    assert not Offer.objects.exists()

    won = LeadFactory(branch=advisor.branch, employees=[advisor], status=status("umowa"))
    won.investments.add(units["A1"].investment)
    with pytest.raises(ValidationError, match="won"):
        make_offer(won, advisor, [(units["A1"], Decimal("420000"))])
    assert 'id="lead-offer-create"' not in web.get(won.get_absolute_url()).text


def test_a_deleted_inquiry_takes_no_new_offer(web, advisor, lead, units):
    lead.intake_outcome = IntakeOutcome.DELETED
    lead.deletion_reason = DeletionReason.objects.get(name="Spam")
    lead.save()

    response = web.post(create_url(lead), offer_data([(units["A1"], "420000")]), follow=True)

    assert "This inquiry is deleted; restore it first." in " ".join(messages_of(response))
    with pytest.raises(ValidationError, match="deleted"):
        make_offer(lead, advisor, [(units["A1"], Decimal("420000"))])
    assert not Offer.objects.exists()


# -- Sending and the client's answer -------------------------------------------------------


@pytest.fixture
def offer(advisor, lead, units):
    return make_offer(
        lead, advisor, [(units["A1"], Decimal("420000")), (units["A2"], Decimal("590000"))]
    )


def send_url(offer) -> str:
    return reverse("leads:offer_send", args=[offer.lead_id, offer.pk])


def answer_url(offer) -> str:
    return reverse("leads:offer_answer", args=[offer.lead_id, offer.pk])


def test_advisor_marks_the_offer_sent_then_accepted(web, advisor, lead, offer):
    before = timezone.now()

    response = web.post(send_url(offer), {"channel": "email"})

    assert response.url == f"{lead.get_absolute_url()}?tab=offers"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT
    assert offer.channel == "email"
    assert offer.sent_at >= before

    web.post(answer_url(offer), {"status": "accepted"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert offer.history.first().history_user == advisor


def test_a_sent_offer_can_be_rejected(web, advisor, offer):
    offer_mark_sent(offer=offer, channel="in_person", user=advisor)

    response = web.post(answer_url(offer), {"status": "rejected"}, follow=True)

    offer.refresh_from_db()
    assert offer.status == OfferStatus.REJECTED
    assert f"{offer} is now “Rejected”." in messages_of(response)


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([], "accepted"),  # a draft was never sent
        ([], "rejected"),
        (["sent", "accepted"], "rejected"),  # an answer is final
        (["sent", "rejected"], "accepted"),
    ],
)
def test_only_allowed_status_moves_are_made(advisor, offer, steps, refused):
    for step in steps:
        if step == "sent":
            offer = offer_mark_sent(offer=offer, channel="email", user=advisor)
        else:
            offer = offer_set_status(offer=offer, status=step, user=advisor)

    with pytest.raises(ValidationError, match="cannot become"):
        offer_set_status(offer=offer, status=refused, user=advisor)


def test_an_offer_is_sent_only_once_and_only_with_a_channel(web, advisor, offer):
    with pytest.raises(ValidationError):
        offer_mark_sent(offer=offer, channel="", user=advisor)
    with pytest.raises(ValidationError):
        offer_set_status(offer=offer, status="sent", user=advisor)
    offer_mark_sent(offer=offer, channel="email", user=advisor)
    with pytest.raises(ValidationError, match="cannot become"):
        offer_mark_sent(offer=offer, channel="post", user=advisor)

    response = web.post(send_url(offer), {"channel": "post"}, follow=True)
    offer.refresh_from_db()
    assert offer.channel == "email"
    assert any("cannot become" in text for text in messages_of(response))


def test_bad_channel_or_answer_is_refused_with_a_message(web, offer):
    response = web.post(send_url(offer), {"channel": "pigeon"}, follow=True)
    assert messages_of(response)
    response = web.post(answer_url(offer), {"status": "draft"}, follow=True)
    assert "Choose whether the offer was accepted or rejected." in messages_of(response)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT


def test_offers_of_a_failed_lead_keep_their_status(web, advisor, lead, offer):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    web.post(send_url(offer), {"channel": "email"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT
    assert f'id="offer-{offer.pk}-send"' not in offers_tab(web, lead).text


# -- The offers table --------------------------------------------------------------------


def test_offers_tab_shows_an_empty_state(web, lead):
    response = offers_tab(web, lead)
    assert 'id="lead-offers-empty"' in response.text
    assert "No offers yet." in response.text


def test_offers_tab_lists_offers_with_units_prices_and_actions(web, advisor, lead, units, buyer):
    draft = make_offer(
        lead,
        advisor,
        [(units["A1"], Decimal("420000")), (units["A2"], Decimal("590000"))],
        client=buyer,
    )
    sent = offer_mark_sent(
        offer=make_offer(lead, advisor, [(units["A3"], Decimal("600000"))]),
        channel="phone",
        user=advisor,
    )

    text = offers_tab(web, lead).text

    draft_row = text.split(f'id="offer-{draft.pk}"')[1].split(f'id="offer-{sent.pk}"')[0]
    assert "Elżbieta Turza" in draft_row
    assert "Anna Wiśniewska" in draft_row
    assert "Akacjowa" in draft_row
    assert "610,000.00" in draft_row and "590,000.00" in draft_row  # list and offered
    assert "20,000.00" in draft_row  # the discount
    assert "1,010,000.00" in draft_row  # the total
    assert in_two_weeks().strftime("%d.%m.%Y") in draft_row
    assert "Draft" in draft_row
    assert f'id="offer-{draft.pk}-send"' in draft_row
    assert f'id="offer-{draft.pk}-answer"' not in draft_row
    assert reverse("leads:offer_print", args=[lead.pk, draft.pk]) in draft_row
    sent_row = text.split(f'id="offer-{sent.pk}"')[1]
    assert "Phone" in sent_row
    assert f'id="offer-{sent.pk}-answer"' in sent_row
    assert "data-confirm=" in sent_row
    assert f'id="offer-{sent.pk}-send"' not in sent_row


def test_the_tab_lists_only_this_leads_offers(web, advisor, lead, units):
    other = LeadFactory(branch=advisor.branch, employees=[advisor])
    other.investments.add(units["A1"].investment)
    theirs = make_offer(other, advisor, [(units["A1"], Decimal("1"))])
    text = offers_tab(web, lead).text
    assert f'id="offer-{theirs.pk}"' not in text


# -- The printable offer ------------------------------------------------------------------


def print_url(lead, offer) -> str:
    return reverse("leads:offer_print", args=[lead.pk, offer.pk])


def test_print_page_shows_the_offer_cleanly(web, advisor, lead, units, buyer):
    advisor.phone = "+48 600 700 800"
    advisor.email = "anna@lejek.test"
    advisor.save()
    offer = make_offer(
        lead,
        advisor,
        [(units["A1"], Decimal("420000")), (units["A2"], Decimal("590000"))],
        client=buyer,
    )
    assert offer.get_absolute_url() == print_url(lead, offer)

    response = web.get(print_url(lead, offer))

    assert response.status_code == 200
    text = response.text
    assert f"Offer no. {offer.pk}" in text
    seller = text.split('id="offer-seller"')[1].split("</div>")[0]
    assert "Akacjowa" in seller and "ul. Akacjowa 5" in seller
    client_block = text.split('id="offer-client"')[1].split("</section>")[0]
    assert "Elżbieta Turza" in client_block and "turza@example.pl" in client_block
    units_table = text.split('id="offer-units"')[1].split("</table>")[0]
    assert "A1" in units_table and "A2" in units_table
    assert "420,000.00" in units_table and "590,000.00" in units_table
    assert "1,010,000.00" in text.split('id="offer-total"')[1][:80]
    assert in_two_weeks().strftime("%d.%m.%Y") in text.split('id="offer-valid-until"')[1][:60]
    advisor_block = text.split('id="offer-advisor"')[1]
    assert "Anna Wiśniewska" in advisor_block
    assert "anna@lejek.test" in advisor_block and "+48 600 700 800" in advisor_block
    # A standalone page: a print button, its own stylesheet, no application navigation.
    assert "data-print" in text
    assert "offers.css" in text
    assert 'class="sidebar' not in text and "lejek.css" not in text


def test_print_stylesheet_hides_the_tools_when_printing():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "offers.css").read_text()
    assert "@media print" in css
    print_rules = css.split("@media print")[1]
    assert ".offer-print__tools { display: none; }" in print_rules
    js = (Path(settings.BASE_DIR) / "static" / "js" / "offers.js").read_text()
    assert "window.print()" in js


def test_an_offer_of_another_lead_is_not_found_under_this_leads_url(web, advisor, lead, units):
    other = LeadFactory(branch=advisor.branch, employees=[advisor])
    other.investments.add(units["A1"].investment)
    theirs = make_offer(other, advisor, [(units["A1"], Decimal("1"))])

    assert web.get(reverse("leads:offer_print", args=[lead.pk, theirs.pk])).status_code == 404
    send = reverse("leads:offer_send", args=[lead.pk, theirs.pk])
    assert web.post(send, {"channel": "email"}).status_code == 404
    answer = reverse("leads:offer_answer", args=[lead.pk, theirs.pk])
    assert web.post(answer, {"status": "accepted"}).status_code == 404
    assert web.get(reverse("leads:offer_print", args=[lead.pk, 999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OfferStatus.DRAFT


def test_script_in_names_is_shown_as_text(web, advisor, lead, units):
    evil = "<script>alert(1)</script>"
    client = ClientFactory(first_name=evil, last_name="X", branch=advisor.branch)
    lead.clients.add(client)
    units["A1"].investment.name = evil
    units["A1"].investment.save()
    offer = make_offer(lead, advisor, [(units["A1"], Decimal("1"))], client=client, notes=evil)

    for response in (web.get(print_url(lead, offer)), offers_tab(web, lead)):
        assert "<script>alert(1)" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# -- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", WHO_MAY_NOT_SEE)
def test_user_who_may_not_see_the_lead_gets_404_on_every_offer_url(
    client, request, lead, offer, units, actor
):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(create_url(lead)).status_code == 404
    posted = client.post(create_url(lead), offer_data([(units["A2"], "1")]))
    assert posted.status_code == 404
    assert client.post(send_url(offer), {"channel": "email"}).status_code == 404
    assert client.post(answer_url(offer), {"status": "accepted"}).status_code == 404
    assert client.get(print_url(lead, offer)).status_code == 404
    assert Offer.objects.count() == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT


def test_anonymous_visitor_is_sent_to_log_in(client, lead, offer):
    for url in (create_url(lead), print_url(lead, offer)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_state_changes_answer_get_with_405(web, offer):
    assert web.get(send_url(offer)).status_code == 405
    assert web.get(answer_url(offer)).status_code == 405
    assert web.put(create_url(offer.lead)).status_code == 405
    assert web.post(print_url(offer.lead, offer)).status_code == 405


# -- Queries -----------------------------------------------------------------------------


def offers_with_units(lead, advisor, akacjowa, count: int) -> None:
    """`count` offers of three units each, some sent, with a client."""
    buyer = lead.clients.first()
    for number in range(count):
        trio = [(UnitFactory(investment=akacjowa), Decimal("100000")) for _n in range(3)]
        offer = make_offer(lead, advisor, trio, client=buyer)
        if number % 2:
            offer_mark_sent(offer=offer, channel="email", user=advisor)


@pytest.mark.parametrize("count", [1, 20])
def test_the_offers_part_of_the_tab_takes_two_queries(
    advisor, lead, akacjowa, count, django_assert_num_queries
):
    offers_with_units(lead, advisor, akacjowa, count)
    request = RequestFactory().get("/")
    request.user = advisor

    # The offers with their client, author and totals; their units with investments.
    with django_assert_num_queries(2):
        context = {"lead": lead, **offer_views.tab_context(request, lead)}
        html = render_to_string("leads/sales/offers_table.html", context, request=request)
    assert html.count('class="offer-units"') == count


def test_the_offers_tab_takes_as_many_queries_for_1_as_for_20_offers(web, advisor, lead, akacjowa):
    offers_with_units(lead, advisor, akacjowa, 1)
    with CaptureQueriesContext(connection) as one:
        offers_tab(web, lead)
    offers_with_units(lead, advisor, akacjowa, 19)
    with CaptureQueriesContext(connection) as twenty:
        response = offers_tab(web, lead)
    assert response.text.count('class="offer-units"') == 20
    assert len(twenty) == len(one)


@pytest.mark.parametrize("count", [1, 20])
def test_print_page_takes_a_fixed_number_of_queries(
    web, advisor, lead, akacjowa, count, django_assert_num_queries
):
    trio = [
        (UnitFactory(investment=akacjowa, number=f"P{n}"), Decimal("100000")) for n in range(count)
    ]
    offer = make_offer(lead, advisor, trio, client=lead.clients.first())
    # session, user, the lead (scoped), the offer with client, author, branch and totals,
    # its units with their investments.
    with django_assert_num_queries(5):
        response = web.get(print_url(lead, offer))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_create_page_takes_a_fixed_number_of_queries(
    web, lead, akacjowa, count, django_assert_num_queries
):
    extra = [UnitFactory(investment=akacjowa, number=f"C{n}") for n in range(count)]
    chosen = "&".join(f"units={unit.pk}" for unit in extra[: count // 2])
    CRMSettings.get_solo()
    # session, user, the lead (scoped), the chosen units, the lead's clients (the select),
    # the count and the page of the picker.
    with django_assert_num_queries(7):
        response = web.get(f"{create_url(lead)}?{chosen}")
    assert response.status_code == 200
