"""The History tab: every change of a lead as people read it — who, when, which field, from
what to what by name (never an id), clients and employees added or removed — newest first,
twenty to a page, in the same few queries however long the history is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from investments.models import Unit
from leads.history import HISTORY_PAGE_SIZE, FieldChange, RelationChange, lead_history_page
from leads.models import (
    Activity,
    ActivityKind,
    Contract,
    ContractKind,
    Document,
    FailureReason,
    Lead,
    Note,
    Offer,
    OfferItem,
    Reservation,
    SurveyTemplate,
)
from leads.services.common import save_lead
from leads.services.pipeline import lead_change_status, lead_mark_failed, lead_reactivate
from leads.services.surveys import survey_response_create
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    UnitFactory,
    source,
    status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def lead(advisor):
    lead = LeadFactory(name="Kawalerka", branch=advisor.branch)
    lead._history_user = advisor
    lead.employees.add(advisor)
    return lead


@pytest.fixture
def price():
    return FailureReason.objects.get(name="Cena")


def newest(lead: Lead):
    return lead_history_page(lead=lead).object_list[0]


def test_status_change_reads_old_name_to_new_name_with_who_and_when(advisor, lead):
    before = timezone.now()
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)

    entry = newest(lead)

    assert entry.kind == "changed"
    assert entry.who == "Anna Wiśniewska"
    assert entry.when >= before
    assert entry.changes == [FieldChange(label="Status", old="Nowy", new="Oferta")]
    assert entry.relations == []


def test_failure_reads_the_reason_name_comment_and_date(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, comment="Za drogo", user=advisor)
    lead.refresh_from_db()

    changes = {change.label: change for change in newest(lead).changes}

    assert changes["Failure reason"] == FieldChange("Failure reason", "", "Cena")
    assert changes["Failure comment"] == FieldChange("Failure comment", "", "Za drogo")
    failed_at = timezone.localtime(lead.failed_at).strftime("%d.%m.%Y")
    assert changes["Failure date"].old == ""
    assert changes["Failure date"].new.startswith(failed_at)
    assert set(changes) == {"Failure reason", "Failure comment", "Failure date", "Closed"}


def test_reactivation_reads_the_failure_going_away(advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    lead_reactivate(lead=lead, user=advisor)

    changes = {change.label: change for change in newest(lead).changes}

    assert changes["Failure reason"] == FieldChange("Failure reason", "Cena", "")


def test_other_fields_read_as_people_say_them(advisor, lead):
    lead.name = "Dwa pokoje"
    lead.source = source("telefon")
    lead.is_repeat = True
    save_lead(lead, user=advisor)

    changes = {change.label: change for change in newest(lead).changes}

    assert changes["Name"] == FieldChange("Name", "Kawalerka", "Dwa pokoje")
    assert changes["Source"].old == source("www").name
    assert changes["Source"].new == source("telefon").name
    assert changes["Repeat lead"] == FieldChange("Repeat lead", "no", "yes")
    # Who and when are the row itself, not changes.
    assert "Updated" not in changes
    assert "Updated by" not in changes


def test_employees_and_clients_added_and_removed_read_by_name(advisor, teammate, lead):
    elzbieta = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    jan = ClientFactory(first_name="Jan", last_name="Zaorski", branch=advisor.branch)
    lead.clients.add(elzbieta, jan)
    lead.employees.add(teammate)
    lead.clients.remove(jan)
    lead.contractors.add(ContractorFactory(name="Budex", branch=advisor.branch))
    lead.investments.add(InvestmentFactory(name="Akacjowa"))

    entries = lead_history_page(lead=lead).object_list

    assert entries[0].relations == [RelationChange("Investments", ["Akacjowa"], [])]
    assert entries[1].relations == [RelationChange("Contractors", ["Budex"], [])]
    assert entries[2].relations == [RelationChange("Clients", [], ["Jan Zaorski"])]
    assert entries[3].relations == [RelationChange("Employees", ["Piotr Zieliński"], [])]
    assert entries[4].relations == [
        RelationChange("Clients", ["Elżbieta Turza", "Jan Zaorski"], [])
    ]
    assert all(entry.changes == [] for entry in entries[:5])
    assert entries[3].who == "Anna Wiśniewska"


def test_replacing_the_employees_reads_as_one_removed_and_one_added(advisor, teammate, lead):
    lead.employees.set([teammate])  # Django removes, then adds: two records

    entries = lead_history_page(lead=lead).object_list

    assert entries[0].relations == [RelationChange("Employees", ["Piotr Zieliński"], [])]
    assert entries[1].relations == [RelationChange("Employees", [], ["Anna Wiśniewska"])]


def test_a_client_deleted_since_still_reads_in_history(advisor, lead):
    client = ClientFactory(branch=advisor.branch)
    lead.clients.add(client)
    client_pk = client.pk
    client.delete()

    entry = newest(lead)

    assert entry.relations == [RelationChange("Clients", [f"#{client_pk} (removed)"], [])]


def test_creation_reads_what_the_lead_started_with(advisor, lead):
    oldest = lead_history_page(lead=lead).object_list[-1]

    assert oldest.kind == "created"
    started_with = {change.label: change.new for change in oldest.changes}
    assert started_with["Name"] == "Kawalerka"
    assert started_with["Status"] == "Nowy"
    assert started_with["Branch"] == "Poznań Centrum"
    assert "Failure reason" not in started_with  # empty fields are left out
    assert "Repeat lead" not in started_with  # and defaults too


def test_history_is_newest_first(advisor, lead):
    for slug in ("oferta", "oczekujacy", "negocjacje"):
        lead_change_status(lead=lead, status=status(slug), user=advisor)

    news = [entry.changes[0].new for entry in lead_history_page(lead=lead).object_list[:3]]

    assert news == ["Negocjacje", "Oczekujący", "Oferta"]


def make_status_changes(lead: Lead, user, count: int) -> None:
    slugs = ["oferta", "nowy"]
    for n in range(count):
        lead_change_status(lead=lead, status=status(slugs[n % 2]), user=user)


def test_history_comes_twenty_to_a_page_and_each_row_compares_with_the_one_before(advisor, lead):
    make_status_changes(lead, advisor, 25)  # + creation + employee added = 27 records

    first = lead_history_page(lead=lead, page_number=1)
    second = lead_history_page(lead=lead, page_number=2)

    assert first.paginator.count == 27
    assert first.paginator.num_pages == 2
    assert len(first.object_list) == HISTORY_PAGE_SIZE == 20
    assert len(second.object_list) == 7
    # The last row of page 1 is compared with the first row of page 2, not with nothing.
    assert first.object_list[-1].changes != []
    assert first.object_list[-1].changes[0].old in {"Nowy", "Oferta"}
    assert second.object_list[-1].kind == "created"
    assert second.object_list[-2].relations == [
        RelationChange("Employees", ["Anna Wiśniewska"], [])
    ]


def test_a_page_number_out_of_range_gives_the_last_page(advisor, lead):
    page = lead_history_page(lead=lead, page_number="99")
    assert page.number == 1
    assert page.object_list[-1].kind == "created"


def test_history_page_takes_seven_queries_however_long_the_history(
    advisor, teammate, django_assert_num_queries
):
    short = LeadFactory(branch=advisor.branch, employees=[advisor])
    make_status_changes(short, advisor, 1)
    long = LeadFactory(branch=advisor.branch, employees=[advisor, teammate])
    long.clients.add(*(ClientFactory(branch=advisor.branch) for _ in range(5)))
    make_status_changes(long, advisor, 30)

    for lead in (short, long):
        # The timeline: one query per kind of record (seven) and one for the filled
        # surveys, one per M2M field with its names (the lead four, a contract two); then
        # the lead's records on the page with their related names joined.
        with django_assert_num_queries(15):
            entries = lead_history_page(lead=lead).object_list
            [str(change) for entry in entries for change in entry.changes + entry.relations]


# -- The tab on the page -------------------------------------------------------------------


def history_tab(web: HttpClient, lead: Lead, page: int | None = None):
    url = reverse("leads:tab", args=[lead.pk, "history"])
    return web.get(url, {"page": page} if page else {}, HTTP_HX_REQUEST="true")


def test_history_tab_shows_status_names_and_employees_by_name(web, advisor, teammate, lead):
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)
    lead.employees.add(teammate)

    response = history_tab(web, lead)

    assert response.status_code == 200
    text = response.text
    assert '<del class="history__old">Nowy</del> → ' in text
    assert '<ins class="history__new">Oferta</ins>' in text
    assert '<ins class="history__added">+ Piotr Zieliński</ins>' in text
    assert text.index("Piotr Zieliński") < text.index("Oferta")  # newest first
    assert "Anna Wiśniewska" in text


def test_history_tab_paginates_with_htmx_and_plain_links(web, advisor, lead):
    make_status_changes(lead, advisor, 25)

    first = history_tab(web, lead)
    second = history_tab(web, lead, page=2)

    older = reverse("leads:detail", args=[lead.pk]) + "?tab=history&amp;page=2"
    assert f'href="{older}"' in first.text
    assert f'hx-get="{reverse("leads:tab", args=[lead.pk, "history"])}?page=2"' in first.text
    assert first.text.count('class="history__entry"') == 20
    assert second.text.count('class="history__entry"') == 7
    assert "Page 2 of 2" in second.text


def test_history_tab_query_count_is_the_same_for_3_and_30_records(
    web, advisor, django_assert_num_queries
):
    short = LeadFactory(branch=advisor.branch, employees=[advisor])
    make_status_changes(short, advisor, 1)
    long = LeadFactory(branch=advisor.branch, employees=[advisor])
    make_status_changes(long, advisor, 28)
    assert (short.history.count(), long.history.count()) == (3, 30)

    for lead in (short, long):
        # session, user, the lead (scoped), the tab bar's counts (one query for all the
        # tabs); then the history page's fifteen.
        with django_assert_num_queries(19):
            response = history_tab(web, lead)
        assert response.status_code == 200


def test_script_in_a_client_name_reads_as_text_in_history(web, advisor, lead):
    lead.clients.add(ClientFactory(first_name="<script>alert(1)</script>", branch=advisor.branch))

    response = history_tab(web, lead)

    assert "<script>alert(1)" not in response.text
    assert "+ &lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# -- What was done on the lead, interleaved ------------------------------------------------


def work_on(lead: Lead, user, *, conversations: int, investment: str = "Akacjowa") -> None:
    """Conversations, an offer, a reservation, a contract, a note and a document on `lead`,
    each written as the services write them (a history row per save)."""
    investment = InvestmentFactory(name=investment)
    lead.investments.add(investment)
    unit, other = UnitFactory(investment=investment), UnitFactory(investment=investment)
    now = timezone.now()
    for n in range(conversations):
        Activity.objects.create(
            lead=lead, employee=user, kind=ActivityKind.PHONE, done_at=now - timedelta(hours=n)
        )
    offer = Offer.objects.create(lead=lead, created_by=user)
    OfferItem.objects.create(offer=offer, unit=unit, list_price=unit.list_price, price=1)
    Reservation.objects.create(lead=lead, unit=unit, reserved_until=now.date(), created_by=user)
    contract = Contract.objects.create(
        lead=lead, kind=ContractKind.DEVELOPER, signed_at=now.date(), price=500_000, number="U/1"
    )
    contract.units.add(other)
    note = Note.objects.create(lead=lead, text="Klient prosi o rzut mieszkania", created_by=user)
    Document.objects.create(
        lead=lead,
        note=note,
        file=ContentFile(b"%PDF-1.4 rzut", name="rzut.pdf"),
        original_name="rzut.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=user,
    )


def test_conversations_offers_contracts_notes_and_documents_read_among_the_lead_changes(
    advisor, lead, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # First: a lead holding a signed contract no longer changes status by hand.
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)
    work_on(lead, advisor, conversations=1)

    entries = lead_history_page(lead=lead).object_list

    assert [FieldChange(label="Status", old="Nowy", new="Oferta")] in [e.changes for e in entries]
    subjects = {(entry.subject_kind, entry.subject) for entry in entries if entry.subject_kind}
    assert ("Document", "rzut.pdf") in subjects
    assert ("Note", "Klient prosi o rzut mieszkania") in subjects
    assert ("Contract", "U/1") in subjects
    assert ("Preliminary reservation", f"Akacjowa / {Unit.objects.first().number}") in subjects
    assert any(kind == "Offer" for kind, _subject in subjects)
    assert any(kind == "Conversation" and "Phone call" in text for kind, text in subjects)
    contract_units = next(e for e in entries if e.subject == "U/1" and e.relations)
    assert contract_units.relations[0].label == "Units"
    assert entries[-1].kind == "created" and entries[-1].subject_kind == ""  # the lead's birth


def test_a_changed_conversation_reads_from_its_own_previous_snapshot(advisor, lead):
    planned = Activity.objects.create(
        lead=lead, employee=advisor, planned_at=timezone.now() + timedelta(days=1)
    )
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)  # in between
    planned.notes = "Oddzwonić po 16"
    planned.save()

    entry = newest(lead)

    assert entry.subject_kind == "Conversation"
    assert entry.changes == [FieldChange(label="Notes", old="", new="Oddzwonić po 16")]


def test_history_with_work_on_the_lead_costs_the_same_queries_for_3_and_60_conversations(
    advisor, settings, tmp_path, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    leads = []
    for conversations in (3, 60):
        lead = LeadFactory(branch=advisor.branch, employees=[advisor])
        work_on(lead, advisor, conversations=conversations, investment=f"Inw {conversations}")
        leads.append(lead)

    for lead in leads:
        for page_number in (1, 2, 3):
            # The timeline (eight kinds, six M2M fields); then one query per kind on the
            # page: never more than 21.
            with django_assert_max_num_queries(21) as context:
                page = lead_history_page(lead=lead, page_number=page_number)
                [str(change) for entry in page for change in entry.changes + entry.relations]
            kinds = {entry.subject_kind for entry in page}
            assert len(context) == 14 + len(kinds)


# -- What the tab leaves out and what it names ---------------------------------------------


def test_saves_that_change_nothing_shown_are_not_entries(advisor, lead):
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)
    planned = Activity.objects.create(
        lead=lead, employee=advisor, planned_at=timezone.now() + timedelta(days=1)
    )
    for _ in range(25):  # the edit form saved as it was opened, a conversation re-saved
        save_lead(lead, user=advisor)
        planned.save()

    page = lead_history_page(lead=lead)

    # created, advisor added, status changed, conversation planned: one page of four.
    assert page.paginator.count == 4
    assert [entry.kind for entry in page] == ["created", "changed", "changed", "created"]
    assert all(entry.changes or entry.relations for entry in page if entry.kind == "changed")


def test_the_tab_shows_no_entry_without_a_change(web, advisor, lead):
    save_lead(lead, user=advisor)

    response = history_tab(web, lead)

    assert response.text.count('class="history__entry"') == 2  # created, advisor added
    assert "Saved without visible changes" not in response.text


def test_reactivation_says_the_lead_was_reactivated(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    lead_reactivate(lead=lead, user=advisor)

    entry = newest(lead)

    assert entry.kind == "reactivated"
    assert FieldChange("Failure reason", "Cena", "") in entry.changes
    assert lead_history_page(lead=lead).object_list[1].kind == "changed"  # the failure
    assert "reactivated the lead" in history_tab(web, lead).text


def test_a_filled_survey_reads_among_the_lead_changes(web, advisor, lead):
    template = SurveyTemplate.objects.get(name="Ankieta zakupowa")
    answers = {
        question.pk: {"Budżet (PLN)": 450000, "Liczba pokoi": "3", "Finansowanie": "Gotówka"}.get(
            question.text
        )
        for question in template.questions.all()
    }
    lead_change_status(lead=lead, status=status("oferta"), user=advisor)
    survey_response_create(lead=lead, template=template, answers=answers, user=advisor)

    entry = newest(lead)

    assert (entry.kind, entry.subject_kind, entry.subject) == (
        "created",
        "Survey response",
        "Ankieta zakupowa",
    )
    assert entry.who == "Anna Wiśniewska"
    text = history_tab(web, lead).text
    assert "<strong>Survey response</strong> <q>Ankieta zakupowa</q>" in text
