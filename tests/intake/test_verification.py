"""An advisor verifies a new inquiry on its page: deletes it as spam (a manager can bring
it back), finds the client it comes from among the candidates and links it, or adds that
client from the inquiry; a manager unlinks a lead linked by mistake. Nobody outside the
lead's branch can do any of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from consents.models import Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import Given, consents_record_given
from leads.history import FieldChange, RelationChange, lead_history_page
from leads.models import (
    Activity,
    ActivityKind,
    BoardEntry,
    DeletionReason,
    IntakeOutcome,
    Lead,
    LeadEvent,
    LeadEventKind,
)
from leads.services import common, verification
from notifications.models import Notification, NotificationKind
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def akacjowa():
    return InvestmentFactory(name="Osiedle Akacjowa", code="akacjowa")


@pytest.fixture
def inquiry(advisor, akacjowa) -> Lead:
    """Ewa Malinowska's inquiry from the website, given to the advisor, not verified yet."""
    lead = LeadFactory(
        name="Zapytanie Ewy",
        branch=advisor.branch,
        source=source("www"),
        employees=[advisor],
        contact_first_name="Ewa",
        contact_last_name="Malinowska",
        contact_email="ewa.malinowska@example.pl",
        contact_phone="+48600100200",
        message="Szukam trzech pokoi z balkonem.",
    )
    lead.investments.add(akacjowa)
    # Ewa ticked marketing by email and by phone call on the form.
    clauses = clauses_offered(controller_default())
    consents_record_given(
        person=Person(lead=lead),
        given=[Given(kind, clauses[kind]) for kind in ("inquiry:any", *MARKETING_BY_FORM)],
        source=Source.PUBLIC_FORM,
        explicit=True,
    )
    return lead


MARKETING_BY_FORM = ("marketing:email", "marketing:phone")


def granted_kinds(client: Client) -> set[str]:
    return set(client.consent_states.filter(granted=True).values_list("kind", flat=True))


@pytest.fixture
def spam() -> DeletionReason:
    return DeletionReason.objects.get(name="Spam")


@pytest.fixture
def as_advisor(browser_of, advisor):
    return browser_of(advisor)


@pytest.fixture
def as_manager(browser_of, manager):
    return browser_of(manager)


def url(name: str, *args) -> str:
    return reverse(f"leads:{name}", args=[getattr(arg, "pk", arg) for arg in args])


def reloaded(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


def stored(lead: Lead) -> dict:
    """What the database holds of a lead and what verifying it writes around it."""
    lead = reloaded(lead)
    return {
        "outcome": lead.intake_outcome,
        "deletion_reason": lead.deletion_reason_id,
        "is_repeat": lead.is_repeat,
        "status": lead.status_id,
        "clients": sorted(lead.clients.values_list("pk", flat=True)),
        "employees": sorted(lead.employees.values_list("pk", flat=True)),
        "board": sorted(BoardEntry.objects.filter(lead=lead).values_list("employee", "deleted")),
        "history": lead.history.count(),
        "events": sorted(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True)),
        "activities": Activity.objects.filter(lead=lead).count(),
        "notifications": Notification.objects.filter(lead=lead).count(),
    }


def field_block(html: str, name: str) -> str:
    """One field's block of the form (label, input, errors), as `includes/field.html` and
    the checkbox include draw it."""
    match = re.search(
        rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>',
        html,
        re.DOTALL,
    )
    assert match, f"no field {name} on the page"
    return match.group(0)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def in_lead_list(http, lead: Lead) -> bool:
    return f'href="{lead.get_absolute_url()}"' in http.get(url("list")).text


# -- Deleting and restoring ----------------------------------------------------------------


def test_advisor_deletes_a_spam_inquiry_which_leaves_the_list_but_keeps_its_page(
    as_advisor, inquiry, spam
):
    assert in_lead_list(as_advisor, inquiry)

    form = as_advisor.get(url("delete", inquiry))
    assert form.status_code == 200
    reasons = field_block(form.text, "deletion_reason")
    assert all(name in reasons for name in ("Spam", "Test", "Duplikat"))

    response = as_advisor.post(url("delete", inquiry), {"deletion_reason": spam.pk})

    assert response.status_code == 302
    assert response["Location"] == inquiry.get_absolute_url()
    deleted = reloaded(inquiry)
    assert deleted.intake_outcome == IntakeOutcome.DELETED
    assert deleted.deletion_reason == spam
    assert not in_lead_list(as_advisor, inquiry)
    page = as_advisor.get(inquiry.get_absolute_url())
    assert page.status_code == 200
    assert re.search(r'id="lead-deletion">\s*<strong>Deleted:</strong> Spam', page.text)


def test_deleting_without_a_reason_shows_the_error_at_the_reason(as_advisor, inquiry):
    # The browser sends the select's empty choice.
    response = as_advisor.post(url("delete", inquiry), {"deletion_reason": ""})

    assert response.status_code == 400
    reason = field_block(response.text, "deletion_reason")
    assert "Choose why the inquiry is deleted." in reason
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.NEW


def test_advisor_cannot_restore_a_deleted_inquiry(as_advisor, advisor, inquiry, spam):
    as_advisor.post(url("delete", inquiry), {"deletion_reason": spam.pk})

    page = as_advisor.get(inquiry.get_absolute_url())
    assert 'id="lead-restore-form"' not in page.text
    response = as_advisor.post(url("restore", inquiry), follow=True)

    assert "Only a manager can restore a deleted inquiry." in messages_of(response)
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.DELETED
    assert reloaded(inquiry).deletion_reason == spam


def test_manager_restores_a_deleted_inquiry_among_the_new_ones(
    as_advisor, as_manager, inquiry, spam
):
    as_advisor.post(url("delete", inquiry), {"deletion_reason": spam.pk})

    page = as_manager.get(inquiry.get_absolute_url())
    assert 'id="lead-restore-form"' in page.text
    response = as_manager.post(url("restore", inquiry), follow=True)

    assert "The inquiry is restored among the new ones." in messages_of(response)
    restored = reloaded(inquiry)
    assert restored.intake_outcome == IntakeOutcome.NEW
    assert restored.deletion_reason is None
    assert in_lead_list(as_advisor, inquiry)


# -- Choosing the client it comes from -------------------------------------------------------


def candidate_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-client="(\d+)">', html)]


def test_client_with_the_same_phone_comes_before_one_with_the_same_name(
    as_advisor, advisor, inquiry
):
    same_phone = ClientFactory(
        first_name="Joanna",
        last_name="Kowalczyk",
        phone="600 100 200",
        caretaker=advisor,
        branch=advisor.branch,
    )
    # Added later, so newer: only the kind of match puts it second.
    same_name = ClientFactory(
        first_name="EWA", last_name="Malinowska ", caretaker=advisor, branch=advisor.branch
    )
    ClientFactory(first_name="Ewa", last_name="Nowak", caretaker=advisor, branch=advisor.branch)

    response = as_advisor.get(url("verify", inquiry))

    assert response.status_code == 200
    assert candidate_ids(response.text) == [same_phone.pk, same_name.pk]


@pytest.fixture
def hidden_namesake(outsider):
    """A client of another branch with the inquiry's name and contact data of their own."""
    return ClientFactory(
        first_name="Ewa",
        last_name="Malinowska",
        email="ewa.prywatna@poczta.com",
        phone="+48 601 234 567",
        caretaker=outsider,
        branch=outsider.branch,
    )


def test_client_the_advisor_cannot_open_is_a_candidate_with_masked_data(
    as_advisor, inquiry, hidden_namesake
):
    response = as_advisor.get(url("verify", inquiry))

    assert candidate_ids(response.text) == [hidden_namesake.pk]
    row = re.search(rf'<tr data-client="{hidden_namesake.pk}">.*?</tr>', response.text, re.S)
    assert "E*** M***" in row.group(0)
    assert "e***@p***.com" in row.group(0)
    assert "*** *** 567" in row.group(0)
    assert "not yours" in row.group(0)
    assert "same name" in row.group(0)
    for secret in ("ewa.prywatna", "poczta.com", "601 234 567", "601234567"):
        assert secret not in response.text
    assert hidden_namesake.get_absolute_url() not in response.text
    # Only a name matches: a client the advisor cannot open is not theirs to choose.
    assert url("link", inquiry, hidden_namesake) not in response.text
    assert "Only the same name" in row.group(0)


def test_a_name_alone_never_links_an_inquiry_to_a_client_the_advisor_cannot_open(
    as_advisor, advisor, inquiry, hidden_namesake
):
    """An inquiry crafted with somebody's name (the public form takes any) must not open
    that person's file to whoever verifies it."""
    before = stored(inquiry)

    response = as_advisor.post(url("link", inquiry, hidden_namesake), follow=True)

    assert response.redirect_chain == [(url("verify", inquiry), 302)]
    assert messages_of(response) == [
        "You may link the inquiry to a client you cannot open only when the inquiry's phone "
        "or email is the client's."
    ]
    assert stored(inquiry) == before
    assert as_advisor.get(hidden_namesake.get_absolute_url()).status_code == 404


@pytest.fixture
def hidden_client_with_the_phone(outsider):
    """A client of another branch whose phone is the inquiry's (in another spelling)."""
    return ClientFactory(
        first_name="Ewa",
        last_name="Malinowska-Kos",
        email="ewa.kos@poczta.com",
        phone="600 100 200",
        pesel="44051401359",
        caretaker=outsider,
        branch=outsider.branch,
    )


def test_linking_to_a_client_the_advisor_cannot_open_hands_the_lead_to_its_caretaker(
    as_advisor, advisor, outsider, inquiry, hidden_client_with_the_phone
):
    response = as_advisor.post(url("link", inquiry, hidden_client_with_the_phone), follow=True)

    # Off the advisor's desk, and told why: the lead is the caretaker's now.
    assert response.redirect_chain == [(url("list"), 302)]
    assert messages_of(response) == [
        "The inquiry belongs to a client in the care of Marek Obcy: it is linked and handed "
        "over to them, who got an email about it."
    ]
    linked = reloaded(inquiry)
    assert linked.intake_outcome == IntakeOutcome.LINKED
    assert list(linked.clients.all()) == [hidden_client_with_the_phone]
    assert list(linked.employees.all()) == [outsider]
    assert linked.branch == outsider.branch
    assert Notification.objects.filter(
        kind=NotificationKind.LEAD_LINKED, lead=inquiry, recipient=outsider
    ).exists()
    # Linking never opened the client, nor its data, to the advisor.
    assert as_advisor.get(inquiry.get_absolute_url()).status_code == 404
    assert as_advisor.get(hidden_client_with_the_phone.get_absolute_url()).status_code == 404
    listed = as_advisor.get(reverse("clients:list"), {"q": "44051401359"}).text
    assert "ewa.kos@poczta.com" not in listed


@pytest.fixture
def teammates_client(teammate):
    return ClientFactory(
        first_name="Ewa",
        last_name="Malinowska",
        phone="600100200",
        email="ewa.malinowska@example.pl",
        caretaker=teammate,
        branch=teammate.branch,
    )


def test_manager_links_the_inquiry_and_emails_the_clients_caretaker(
    as_manager, advisor, teammate, inquiry, teammates_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(
            url("link", inquiry, teammates_client), {"notify_caretaker": "1"}, follow=True
        )

    assert response.redirect_chain == [(inquiry.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "The inquiry is linked to the client. Piotr Zieliński gets an email about it."
    ]
    linked = reloaded(inquiry)
    assert linked.intake_outcome == IntakeOutcome.LINKED
    assert list(linked.clients.all()) == [teammates_client]
    assert set(linked.employees.all()) == {advisor, teammate}
    related = as_manager.get(url("client_leads", teammates_client))
    assert related.status_code == 200
    assert f'href="{inquiry.get_absolute_url()}"' in related.text
    assert Notification.objects.filter(
        kind=NotificationKind.LEAD_LINKED, lead=inquiry, recipient=teammate
    ).exists()
    assert [message.to for message in mail.outbox] == [[teammate.email]]


def test_linking_the_inquiry_makes_its_consents_the_clients(as_manager, inquiry, teammates_client):
    as_manager.post(url("link", inquiry, teammates_client))

    assert granted_kinds(teammates_client) == {"inquiry:any", *MARKETING_BY_FORM}
    events = teammates_client.consent_events.all()
    assert {event.lead_id for event in events} == {inquiry.pk}
    assert {event.source for event in events} == {Source.PUBLIC_FORM}
    # The inquiry's contact keeps no state of its own any more: the client's is the one.
    assert not inquiry.consent_states.filter(client__isnull=True).exists()


def test_choosing_a_candidate_without_the_email_option_tells_nobody(
    as_manager, teammate, inquiry, teammates_client
):
    as_manager.post(url("link", inquiry, teammates_client))

    assert reloaded(inquiry).intake_outcome == IntakeOutcome.LINKED
    assert teammate in reloaded(inquiry).employees.all()
    assert not Notification.objects.filter(kind=NotificationKind.LEAD_LINKED).exists()


def test_linking_to_a_client_whose_caretaker_left_promises_no_email(
    as_manager, advisor, teammate, inquiry, teammates_client
):
    teammate.is_active = False
    teammate.save()

    response = as_manager.post(
        url("link", inquiry, teammates_client), {"notify_caretaker": "1"}, follow=True
    )

    assert reloaded(inquiry).intake_outcome == IntakeOutcome.LINKED
    assert list(reloaded(inquiry).employees.all()) == [advisor]
    assert not Notification.objects.filter(kind=NotificationKind.LEAD_LINKED).exists()
    # Nobody is emailed, so the manager must not be told that somebody is.
    assert messages_of(response) == ["The inquiry is linked to the client."]


def test_a_client_who_is_not_a_candidate_cannot_be_chosen(as_advisor, outsider, inquiry):
    stranger = ClientFactory(
        first_name="Adam", last_name="Zieliński", caretaker=outsider, branch=outsider.branch
    )

    response = as_advisor.post(url("link", inquiry, stranger), follow=True)

    assert response.redirect_chain == [(url("verify", inquiry), 302)]
    assert messages_of(response) == ["This client is not a candidate for the inquiry."]
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.NEW
    assert not reloaded(inquiry).clients.exists()


def test_linking_to_a_client_with_earlier_leads_makes_a_repeat_lead(as_advisor, advisor, inquiry):
    """As an inquiry that arrives from a known client's phone is (one rule for both)."""
    known = ClientFactory(
        first_name="Ewa", last_name="Malinowska", phone="600100200",
        caretaker=advisor, branch=advisor.branch,
    )  # fmt: skip
    LeadFactory(
        branch=advisor.branch, clients=[known], created_at=timezone.now() - timedelta(days=90)
    )
    newcomer = ClientFactory(
        email="ewa.malinowska@example.pl", caretaker=advisor, branch=advisor.branch
    )
    second_inquiry = LeadFactory(
        branch=advisor.branch, employees=[advisor], contact_email="ewa.malinowska@example.pl"
    )

    as_advisor.post(url("link", inquiry, known))
    as_advisor.post(url("link", second_inquiry, newcomer))

    assert reloaded(inquiry).is_repeat
    assert not reloaded(second_inquiry).is_repeat  # the client's first lead


def test_candidates_page_takes_the_same_queries_for_one_candidate_or_ten(
    as_advisor, advisor, outsider, inquiry, django_assert_max_num_queries
):
    ClientFactory(phone="600100200", caretaker=advisor, branch=advisor.branch)
    with django_assert_max_num_queries(CANDIDATES_PAGE_QUERIES):
        assert as_advisor.get(url("verify", inquiry)).status_code == 200

    for n in range(9):
        caretaker = advisor if n % 2 else outsider
        ClientFactory(
            first_name="Ewa", last_name="Malinowska", caretaker=caretaker, branch=caretaker.branch
        )
    with django_assert_max_num_queries(CANDIDATES_PAGE_QUERIES):
        response = as_advisor.get(url("verify", inquiry))
    assert len(candidate_ids(response.text)) == 10


# Measured: the session, the user, the lead, the candidates with their caretakers, and
# which of them the user may open.
CANDIDATES_PAGE_QUERIES = 5


# -- Adding the client from the inquiry ------------------------------------------------------


def test_add_client_form_is_filled_in_from_the_inquiry(as_advisor, inquiry, akacjowa):
    response = as_advisor.get(url("new_client", inquiry))

    assert response.status_code == 200
    html = response.text
    assert 'value="Ewa"' in field_block(html, "first_name")
    assert 'value="Malinowska"' in field_block(html, "last_name")
    assert 'value="ewa.malinowska@example.pl"' in field_block(html, "email")
    assert 'value="+48600100200"' in field_block(html, "phone")
    assert f'<option value="{source("www").pk}" selected>' in field_block(html, "source")
    assert f'<option value="{akacjowa.pk}" selected>' in field_block(html, "preferred_investment")
    assert "Szukam trzech pokoi z balkonem." in field_block(html, "description")


def client_form(inquiry: Lead, advisor, **changes) -> dict:
    """The prefilled form as the advisor submits it."""
    data = {
        "kind": "person",
        "first_name": inquiry.contact_first_name,
        "last_name": inquiry.contact_last_name,
        "email": inquiry.contact_email,
        "phone": inquiry.contact_phone,
        "caretaker": advisor.pk,
        "source": inquiry.source_id,
        "preferred_investment": inquiry.investments.get().pk,
        "description": inquiry.message,
    }
    data.update(changes)
    return data


def test_saving_the_client_converts_the_inquiry_and_plans_the_first_call(
    as_advisor, advisor, inquiry, akacjowa
):
    CRMSettings.objects.update_or_create(pk=1, defaults={"first_call_offset_minutes": 90})
    before = timezone.now()

    response = as_advisor.post(url("new_client", inquiry), client_form(inquiry, advisor))

    after = timezone.now()
    assert response.status_code == 302
    assert response["Location"] == inquiry.get_absolute_url()
    client = Client.objects.get()
    assert (client.first_name, client.last_name) == ("Ewa", "Malinowska")
    assert client.phone_e164 == "+48600100200"
    assert client.email == "ewa.malinowska@example.pl"
    assert client.caretaker == advisor
    assert client.preferred_investment == akacjowa
    assert client.description == "Szukam trzech pokoi z balkonem."
    # The consents Ewa gave with the inquiry are the client's now.
    assert granted_kinds(client) == {"inquiry:any", *MARKETING_BY_FORM}
    assert set(client.consent_events.values_list("lead", flat=True)) == {inquiry.pk}
    converted = reloaded(inquiry)
    assert converted.intake_outcome == IntakeOutcome.CONVERTED
    assert list(converted.clients.all()) == [client]
    (call,) = Activity.objects.filter(lead=inquiry)
    assert call.kind == ActivityKind.PHONE
    assert call.employee == advisor
    assert call.client == client
    assert call.done_at is None
    assert before + timedelta(minutes=90) <= call.planned_at <= after + timedelta(minutes=90)
    assert LeadEvent.objects.filter(lead=inquiry, kind=LeadEventKind.CLIENT_CREATED).exists()


def test_a_client_saved_without_a_phone_gets_no_planned_call(as_advisor, advisor, inquiry):
    response = as_advisor.post(url("new_client", inquiry), client_form(inquiry, advisor, phone=""))

    assert response.status_code == 302
    assert Client.objects.get().phone == ""
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.CONVERTED
    assert not Activity.objects.filter(lead=inquiry).exists()


def test_client_form_error_keeps_everything_as_it_was(as_advisor, advisor, inquiry):
    response = as_advisor.post(
        url("new_client", inquiry), client_form(inquiry, advisor, pesel="12345678901")
    )

    assert response.status_code == 400
    assert "is not a valid PESEL" in field_block(response.text, "pesel")
    assert not Client.objects.exists()
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.NEW
    assert not reloaded(inquiry).clients.exists()
    assert not Activity.objects.exists()
    assert not LeadEvent.objects.filter(kind=LeadEventKind.CLIENT_CREATED).exists()


# -- Unlinking a lead linked by mistake ------------------------------------------------------


@pytest.fixture
def linked_by_mistake(as_advisor, inquiry, advisor):
    client = ClientFactory(
        first_name="Ewa",
        last_name="Malinowska",
        email="inna.ewa@example.pl",
        caretaker=advisor,
        branch=advisor.branch,
    )
    as_advisor.post(url("link", inquiry, client), follow=True)  # its message read too
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.LINKED
    return client


def test_manager_unlinks_a_lead_from_the_client_page(
    as_manager, manager, inquiry, linked_by_mistake
):
    related = as_manager.get(url("client_leads", linked_by_mistake))
    assert f'id="unlink-{inquiry.pk}"' in related.text

    response = as_manager.post(url("unlink", inquiry, linked_by_mistake), follow=True)

    assert response.redirect_chain == [(linked_by_mistake.get_absolute_url(), 302)]
    assert messages_of(response) == ["The lead “Zapytanie Ewy” is unlinked from Ewa Malinowska."]
    unlinked = reloaded(inquiry)
    assert unlinked.intake_outcome == IntakeOutcome.NEW
    assert not unlinked.clients.exists()
    entries = lead_history_page(lead=inquiry).object_list
    assert FieldChange("Intake outcome", "Linked", "New") in entries[0].changes
    assert entries[0].who == str(manager)
    assert RelationChange("Clients", [], ["Ewa Malinowska"]) in entries[1].relations


def test_advisor_may_not_unlink_a_lead(as_advisor, inquiry, linked_by_mistake):
    related = as_advisor.get(url("client_leads", linked_by_mistake))
    assert f'href="{inquiry.get_absolute_url()}"' in related.text
    assert f'id="unlink-{inquiry.pk}"' not in related.text

    response = as_advisor.post(url("unlink", inquiry, linked_by_mistake), follow=True)

    assert messages_of(response) == ["You may not unlink leads from clients."]
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.LINKED
    assert list(reloaded(inquiry).clients.all()) == [linked_by_mistake]


def test_advisor_given_the_unlink_permission_unlinks_a_lead(
    as_advisor, advisor, inquiry, linked_by_mistake
):
    advisor.user_permissions.add(
        Permission.objects.get(content_type__app_label="leads", codename="unlink_lead")
    )
    related = as_advisor.get(url("client_leads", linked_by_mistake))
    assert f'id="unlink-{inquiry.pk}"' in related.text

    response = as_advisor.post(url("unlink", inquiry, linked_by_mistake), follow=True)

    assert messages_of(response) == ["The lead “Zapytanie Ewy” is unlinked from Ewa Malinowska."]
    assert reloaded(inquiry).intake_outcome == IntakeOutcome.NEW
    assert not reloaded(inquiry).clients.exists()


# -- A failure half way leaves nothing half done ---------------------------------------------


class ServerGoneAway(Exception):
    pass


@pytest.fixture
def failing_last_step(monkeypatch):
    """The services' last step, saving the lead, done and then failing: everything the
    service writes is written by then."""

    def save_then_fail(lead: Lead, *, user) -> Lead:
        common.save_lead(lead, user=user)
        raise ServerGoneAway

    monkeypatch.setattr(verification, "save_lead", save_then_fail)


def test_failure_while_adding_the_client_stores_no_client_and_no_call(
    as_advisor, teammate, inquiry, failing_last_step, django_capture_on_commit_callbacks
):
    before = stored(inquiry)

    # The teammate as caretaker: they join the lead and its board too.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ServerGoneAway):
            as_advisor.post(url("new_client", inquiry), client_form(inquiry, teammate))

    assert not Client.objects.exists()
    assert not Activity.objects.exists()
    assert stored(inquiry) == before
    assert callbacks == []


def test_failure_while_choosing_a_client_leaves_the_inquiry_new_and_tells_nobody(
    as_advisor, inquiry, teammates_client, failing_last_step, django_capture_on_commit_callbacks
):
    before = stored(inquiry)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ServerGoneAway):
            as_advisor.post(url("link", inquiry, teammates_client), {"notify_caretaker": "1"})

    assert stored(inquiry) == before
    assert before["outcome"] == IntakeOutcome.NEW and before["clients"] == []
    assert not Notification.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_failure_while_unlinking_keeps_the_lead_linked(
    as_manager, inquiry, linked_by_mistake, failing_last_step
):
    before = stored(inquiry)

    with pytest.raises(ServerGoneAway):
        as_manager.post(url("unlink", inquiry, linked_by_mistake))

    assert stored(inquiry) == before
    assert before["outcome"] == IntakeOutcome.LINKED
    assert before["clients"] == [linked_by_mistake.pk]


# -- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stranger", ["outsider", "other_manager"])
@pytest.mark.parametrize(
    ("method", "name", "with_client"),
    [
        ("get", "delete", False),
        ("post", "delete", False),
        ("post", "restore", False),
        ("get", "verify", False),
        ("post", "link", True),
        ("get", "new_client", False),
        ("post", "new_client", False),
        ("post", "unlink", True),
    ],
)
def test_nobody_of_another_branch_can_verify_a_lead(
    request, browser_of, inquiry, spam, teammates_client, stranger, method, name, with_client
):
    # The manager of another branch holds the restore and unlink permissions by role: only
    # the branch keeps them out. Give each action something it would change.
    user = request.getfixturevalue(stranger)
    inquiry.clients.add(teammates_client)
    if name == "restore":
        Lead.objects.filter(pk=inquiry.pk).update(
            intake_outcome=IntakeOutcome.DELETED, deletion_reason=spam
        )
    before = stored(inquiry)
    args = [inquiry, teammates_client] if with_client else [inquiry]
    data = {"deletion_reason": spam.pk, **client_form(inquiry, user)}

    response = getattr(browser_of(user), method)(url(name, *args), data)

    assert response.status_code == 404
    assert stored(inquiry) == before
    assert Client.objects.count() == 1


@pytest.mark.parametrize(("name", "with_client"), [("restore", False), ("link", True)])
def test_actions_that_change_the_lead_answer_get_with_405(
    as_advisor, inquiry, teammates_client, name, with_client
):
    args = [inquiry, teammates_client] if with_client else [inquiry]
    assert as_advisor.get(url(name, *args)).status_code == 405


def test_unlink_answers_get_with_405(as_manager, inquiry, teammates_client):
    inquiry.clients.add(teammates_client)
    assert as_manager.get(url("unlink", inquiry, teammates_client)).status_code == 405
