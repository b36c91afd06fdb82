"""The client and contractor pages: lists with search, filters, sorting and page sizes;
details; adding and editing; who may open what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientKind, Contractor
from consents.models import Action, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record
from tests.factories import ClientFactory, ContractorFactory, LeadFactory, UserFactory, source

pytestmark = pytest.mark.django_db

VALID_PESEL = "44051401359"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def ela(advisor):
    return ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        email="ela.turza@example.pl",
        pesel=VALID_PESEL,
        accounting_id="SYM-0042",
        caretaker=advisor,
        branch=advisor.branch,
    )


@pytest.fixture
def other(advisor):
    return ClientFactory(
        first_name="Jan",
        last_name="Zieliński",
        phone="601 222 333",
        caretaker=advisor,
        branch=advisor.branch,
    )


def bulk_clients(branch, count: int, **fields) -> None:
    """Many valid clients at once (bulk_create skips clean(), so the lookup columns are
    given here)."""
    Client.objects.bulk_create(
        Client(
            first_name="Jan",
            last_name=f"Nowak{n}",
            last_name_folded=f"nowak{n}",
            email=f"jan{n}@example.pl",
            email_normalized=f"jan{n}@example.pl",
            branch=branch,
            source=source("www"),
            **fields,
        )
        for n in range(count)
    )


def listed(response) -> list[Client]:
    return list(response.context["page"].object_list)


# The list: search, filters, sorting, page sizes.


@pytest.mark.parametrize(
    "term", ["600 100 200", "600-100-200", "+48600100200", "0048 600 100 200", "600100200"]
)
def test_phone_in_any_format_finds_the_same_client(client, advisor, ela, other, term):
    client.force_login(advisor)
    assert listed(client.get(reverse("clients:list"), {"q": term})) == [ela]


@pytest.mark.parametrize(
    "term", ["Elzbieta", "elżbieta", "TURZA", "Turza Elzbieta", "Elzbieta Tur", "ela.turza@"]
)
def test_name_or_email_search_ignores_case_and_diacritics(client, advisor, ela, other, term):
    client.force_login(advisor)
    assert listed(client.get(reverse("clients:list"), {"q": term})) == [ela]


@pytest.mark.parametrize("term", [VALID_PESEL, "SYM-0042"])
def test_search_by_pesel_or_accounting_id(client, advisor, ela, other, term):
    client.force_login(advisor)
    assert listed(client.get(reverse("clients:list"), {"q": term})) == [ela]


def test_company_name_is_searchable(client, advisor, other):
    firma = ClientFactory(
        kind=ClientKind.COMPANY,
        company_name="Łąka Development",
        caretaker=advisor,
        branch=advisor.branch,
    )
    client.force_login(advisor)
    assert listed(client.get(reverse("clients:list"), {"q": "laka"})) == [firma]


def test_search_never_reaches_past_what_the_user_may_see(client, outsider, ela):
    client.force_login(outsider)
    assert listed(client.get(reverse("clients:list"), {"q": "600 100 200"})) == []


def test_filter_by_caretaker_and_source(client, manager, advisor, teammate):
    mine = ClientFactory(branch=manager.branch, caretaker=advisor, source=source("www"))
    ClientFactory(branch=manager.branch, caretaker=teammate, source=source("www"))
    ClientFactory(branch=manager.branch, caretaker=advisor, source=source("facebook"))
    client.force_login(manager)
    response = client.get(
        reverse("clients:list"), {"caretaker": advisor.pk, "source": source("www").pk}
    )
    assert listed(response) == [mine]


def test_filter_failed_yes_and_no(client, advisor, ela, other):
    Client.objects.filter(pk=other.pk).update(failed=True, failed_at=timezone.now())
    client.force_login(advisor)
    assert listed(client.get(reverse("clients:list"), {"failed": "true"})) == [other]
    assert listed(client.get(reverse("clients:list"), {"failed": "false"})) == [ela]


def test_filter_by_added_date_range(client, advisor, ela, other):
    Client.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=40))
    client.force_login(advisor)
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert listed(client.get(reverse("clients:list"), {"added_after": since})) == [ela]
    response = client.get(reverse("clients:list"), {"added_before": since})
    assert listed(response) == [other]


def test_branch_filter_is_for_administrators_only(en_client, administrator, manager, other_branch):
    theirs = ClientFactory(branch=other_branch)
    ClientFactory(branch=administrator.branch)
    en_client.force_login(administrator)
    response = en_client.get(reverse("clients:list"), {"branch": other_branch.pk})
    assert listed(response) == [theirs]
    assert 'name="branch"' in response.text
    en_client.force_login(manager)
    assert 'name="branch"' not in en_client.get(reverse("clients:list")).text


def test_filters_and_search_live_in_the_url_of_every_link(en_client, advisor):
    for number in range(30):
        ClientFactory(last_name=f"Nowak{number:02}", caretaker=advisor, branch=advisor.branch)
    en_client.force_login(advisor)
    response = en_client.get(reverse("clients:list"), {"q": "Nowak", "sort": "last_name"})
    assert len(listed(response)) == 25
    assert "?q=Nowak&amp;sort=last_name&amp;page=2" in response.text
    # Sorting keeps the search and starts again from page one.
    assert "?q=Nowak&amp;sort=-last_name" in response.text
    second = en_client.get(reverse("clients:list"), {"q": "Nowak", "sort": "last_name", "page": 2})
    assert [c.last_name for c in listed(second)] == [f"Nowak{n}" for n in range(25, 30)]


@pytest.mark.parametrize("per_page, shown", [(None, 25), ("25", 25), ("50", 50), ("100", 100)])
def test_page_size_is_chosen_in_the_url(client, manager, per_page, shown):
    bulk_clients(manager.branch, 120)
    client.force_login(manager)
    params = {"per_page": per_page} if per_page else {}
    assert len(listed(client.get(reverse("clients:list"), params))) == shown


def test_unknown_page_size_and_sort_fall_back_to_defaults(client, advisor, ela):
    client.force_login(advisor)
    response = client.get(reverse("clients:list"), {"per_page": "1000", "sort": "password"})
    assert response.status_code == 200
    assert response.context["per_page"] == 25
    assert response.context["sort"] == "-added"


@pytest.mark.parametrize(
    "sort, expected",
    [("last_name", ["Turza", "Zieliński"]), ("-last_name", ["Zieliński", "Turza"])],
)
def test_list_sorts_by_a_column(client, advisor, ela, other, sort, expected):
    client.force_login(advisor)
    response = client.get(reverse("clients:list"), {"sort": sort})
    assert [c.last_name for c in listed(response)] == expected


def test_list_shows_the_seed_columns(en_client, advisor, ela):
    en_client.force_login(advisor)
    text = en_client.get(reverse("clients:list")).text
    for header in [
        "First name",
        "Last name",
        "Company",
        "Caretaker",
        "Email",
        "Phone",
        "Added",
        "Failure",
        "Failure date",
        "Source",
        "Branch",
    ]:
        assert f">{header}" in text
    assert "Turza" in text and "600 100 200" in text and str(advisor.branch) in text


def test_list_offers_new_client(en_client, advisor):
    en_client.force_login(advisor)
    response = en_client.get(reverse("clients:list"))
    assert f'href="{reverse("clients:create")}"' in response.text


def test_search_that_finds_nothing_says_so(en_client, advisor, ela):
    en_client.force_login(advisor)
    response = en_client.get(reverse("clients:list"), {"q": "Kowalczyk"})
    assert "No clients match these filters." in response.text


@pytest.mark.parametrize("per_page", ["25", "100"])
def test_client_list_query_count_does_not_grow_with_the_page(
    client, manager, teammate, django_assert_num_queries, per_page
):
    bulk_clients(manager.branch, 55, caretaker=teammate)
    bulk_clients(manager.branch, 55, caretaker=manager)
    client.force_login(manager)
    # Session, user, count, page of rows, the filter panel's caretaker and source options,
    # and the user's permissions (2) for the export button.
    with django_assert_num_queries(8):
        response = client.get(reverse("clients:list"), {"per_page": per_page, "q": "Nowak"})
    assert len(listed(response)) == int(per_page)


# The detail page.


def test_detail_shows_every_field_and_the_consents_with_dates(en_client, advisor):
    given = timezone.now()
    ela = ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        pesel=VALID_PESEL,
        accounting_id="SYM-0042",
        description="Szuka 3 pokoi",
        caretaker=advisor,
        branch=advisor.branch,
    )
    consent_record(
        person=Person(client=ela),
        kind=Kind.INQUIRY,
        action=Action.GIVEN,
        clause=clauses_offered(controller_default())[Kind.INQUIRY],
        source=Source.EMPLOYEE,
        at=given,
        user=advisor,
    )
    en_client.force_login(advisor)
    text = en_client.get(reverse("clients:detail", args=[ela.pk])).text
    for value in [VALID_PESEL, "SYM-0042", "Szuka 3 pokoi", "600 100 200", str(advisor)]:
        assert value in text
    # The consent register's panel: the basis given, marketing by email not.
    assert 'data-kind="inquiry:any" data-state="given"' in text
    assert timezone.localtime(given).strftime("%d.%m.%Y") in text
    assert 'data-kind="marketing:email" data-state="none"' in text


def test_detail_fetches_related_leads_from_the_leads_app(client, advisor, ela):
    client.force_login(advisor)
    text = client.get(reverse("clients:detail", args=[ela.pk])).text
    assert f'hx-get="{reverse("leads:client_leads", args=[ela.pk])}"' in text
    assert 'hx-trigger="load"' in text
    assert f'href="{reverse("leads:list")}?client={ela.pk}"' in text
    assert f'href="{reverse("clients:update", args=[ela.pk])}"' in text


def test_client_detail_query_count(client, advisor, ela, django_assert_num_queries):
    client.force_login(advisor)
    # Session, user, the client with its caretaker, branch, source and author; its
    # consents; the user's permissions (2: the personal data card); the objections of the
    # client's phone and email (the consent panel's notice).
    with django_assert_num_queries(7):
        client.get(reverse("clients:detail", args=[ela.pk]))


@pytest.mark.parametrize("actor", ["outsider", "teammate", "other_manager"])
def test_who_may_not_see_the_client_cannot_open_or_edit_it(client, request, ela, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("clients:detail", args=[ela.pk])).status_code == 404
    assert client.get(reverse("clients:update", args=[ela.pk])).status_code == 404
    response = client.post(reverse("clients:update", args=[ela.pk]), {"last_name": "Hacked"})
    assert response.status_code == 404
    ela.refresh_from_db()
    assert ela.last_name == "Turza"


def test_manager_and_administrator_may_edit_a_client_of_their_branch(
    client, manager, administrator, ela
):
    for actor in (manager, administrator):
        client.force_login(actor)
        assert client.get(reverse("clients:update", args=[ela.pk])).status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client, ela):
    for url in [
        reverse("clients:list"),
        reverse("clients:create"),
        reverse("clients:detail", args=[ela.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_names_with_html_render_escaped(client, advisor):
    bad = ClientFactory(
        first_name="<script>alert(1)</script>",
        last_name="<b>Bold</b>",
        company_name="<img src=x onerror=alert(2)>",
        description="<script>alert(3)</script>",
        caretaker=advisor,
        branch=advisor.branch,
    )
    client.force_login(advisor)
    for url in [
        reverse("clients:list"),
        reverse("clients:detail", args=[bad.pk]),
        reverse("clients:update", args=[bad.pk]),
    ]:
        text = client.get(url).text
        assert "<script>alert" not in text
        assert "<b>Bold</b>" not in text
        assert "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# Adding and editing.


def form_data(**changes) -> dict:
    data = {
        "kind": "person",
        "first_name": "Elżbieta",
        "last_name": "Turza",
        "email": "",
        "phone": "600 100 200",
        "pesel": VALID_PESEL,
        "source": source("www").pk,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_new_client_form_focuses_the_first_field_and_marks_required(en_client, advisor):
    en_client.force_login(advisor)
    text = en_client.get(reverse("clients:create")).text
    assert re.search(r'<select name="kind"[^>]* autofocus[ >]', text)
    assert text.count("autofocus") == 1
    assert 'for="id_kind">Kind *</label>' in text
    assert f'<option value="{advisor.pk}" selected>' in text


def test_advisor_adds_a_client_and_lands_on_its_page(client, advisor):
    client.force_login(advisor)
    response = client.post(reverse("clients:create"), form_data())
    new = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[new.pk])
    assert new.caretaker == advisor and new.branch == advisor.branch
    assert new.phone_e164 == "+48600100200"


def test_advisor_adding_a_client_for_a_teammate_goes_back_to_the_list(client, advisor, teammate):
    client.force_login(advisor)
    response = client.post(reverse("clients:create"), form_data(caretaker=teammate.pk))
    assert response["Location"] == reverse("clients:list")
    assert Client.objects.get().caretaker == teammate


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"phone": "", "email": ""}, "phone"),
        ({"pesel": "44051401358"}, "pesel"),
        ({"phone": "12 34"}, "phone"),
        ({"kind": "company", "company_name": ""}, "company_name"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_saved(en_client, advisor, changes, field):
    en_client.force_login(advisor)
    response = en_client.post(reverse("clients:create"), form_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="field__error" role="alert"' in response.text
    # The keyboard focus waits in the first field with an error.
    first_error = next(
        name for name in response.context["form"].fields if name in response.context["form"].errors
    )
    assert re.search(rf'name="{first_error}"[^>]* autofocus[ >]', response.text)
    assert not Client.objects.exists()


def test_neither_email_nor_phone_gives_a_clear_message(en_client, advisor):
    en_client.force_login(advisor)
    response = en_client.post(reverse("clients:create"), form_data(phone=""))
    assert "Give the client an email address or a phone number." in response.text


def test_edit_saves_the_changes(client, advisor, ela):
    client.force_login(advisor)
    page = client.get(reverse("clients:update", args=[ela.pk]))
    version = page.context["form"]["updated_at"].value()
    response = client.post(
        reverse("clients:update", args=[ela.pk]),
        form_data(last_name="Turza-Nowak", caretaker=advisor.pk, updated_at=version),
    )
    assert response["Location"] == reverse("clients:detail", args=[ela.pk])
    ela.refresh_from_db()
    assert ela.last_name == "Turza-Nowak"
    assert ela.history.first().history_user == advisor


def test_stale_edit_is_refused_with_a_message_and_overwrites_nothing(
    en_client, advisor, manager, ela
):
    en_client.force_login(advisor)
    page = en_client.get(reverse("clients:update", args=[ela.pk]))
    version = page.context["form"]["updated_at"].value()
    # The manager saves the client while the advisor's form is open.
    en_client.force_login(manager)
    en_client.post(
        reverse("clients:update", args=[ela.pk]),
        form_data(last_name="Kierownika", caretaker=advisor.pk, updated_at=version),
    )
    en_client.force_login(advisor)
    response = en_client.post(
        reverse("clients:update", args=[ela.pk]),
        form_data(last_name="Doradcy", caretaker=advisor.pk, updated_at=version),
    )
    assert response.status_code == 200
    assert "Someone else saved this record after you opened the form." in response.text
    ela.refresh_from_db()
    assert ela.last_name == "Kierownika"


def test_edit_without_its_version_is_refused(client, advisor, ela):
    client.force_login(advisor)
    response = client.post(
        reverse("clients:update", args=[ela.pk]), form_data(last_name="Bez wersji")
    )
    assert response.status_code == 200
    ela.refresh_from_db()
    assert ela.last_name == "Turza"


def test_advisor_who_sees_a_client_through_a_lead_may_edit_it(client, advisor, teammate):
    theirs = ClientFactory(caretaker=teammate, branch=advisor.branch)
    LeadFactory(branch=advisor.branch, employees=[advisor], clients=[theirs])
    client.force_login(advisor)
    assert client.get(reverse("clients:update", args=[theirs.pk])).status_code == 200


def test_edit_page_heading_keeps_the_saved_name_after_an_error(en_client, advisor, ela):
    en_client.force_login(advisor)
    version = (
        en_client.get(reverse("clients:update", args=[ela.pk]))
        .context["form"]["updated_at"]
        .value()
    )
    response = en_client.post(
        reverse("clients:update", args=[ela.pk]),
        form_data(first_name="Zmieniona", pesel="1", updated_at=version),
    )
    assert "Edit client Elżbieta Turza" in response.text


# Contractors.


def test_contractor_search_by_name_nip_and_email(client, advisor):
    budimex = ContractorFactory(
        name="Budimex Poznań", nip="1234563218", email="biuro@budimex.pl", branch=advisor.branch
    )
    ContractorFactory(name="Inna firma", branch=advisor.branch)
    client.force_login(advisor)
    for term in ["budimex", "poznan", "123-456-32-18", "biuro@budimex"]:
        response = client.get(reverse("clients:contractor_list"), {"q": term})
        assert listed(response) == [budimex], term


def test_contractor_list_query_count(client, advisor, django_assert_num_queries):
    for _ in range(30):
        ContractorFactory(branch=advisor.branch)
    client.force_login(advisor)
    with django_assert_num_queries(4):
        response = client.get(reverse("clients:contractor_list"), {"per_page": "100"})
    assert len(listed(response)) == 30


def test_contractor_detail_query_count(client, advisor, django_assert_num_queries):
    contractor = ContractorFactory(branch=advisor.branch)
    client.force_login(advisor)
    with django_assert_num_queries(3):
        client.get(reverse("clients:contractor_detail", args=[contractor.pk]))


def test_advisor_adds_a_contractor(client, advisor):
    client.force_login(advisor)
    response = client.post(
        reverse("clients:contractor_create"),
        {"name": "Budimex", "nip": "123-456-32-18", "krs": "0000123456", "city": "Poznań"},
    )
    contractor = Contractor.objects.get()
    assert response["Location"] == reverse("clients:contractor_detail", args=[contractor.pk])
    assert contractor.branch == advisor.branch and contractor.nip == "1234563218"


def test_contractor_checksum_errors_show_next_to_the_fields(en_client, advisor):
    en_client.force_login(advisor)
    response = en_client.post(
        reverse("clients:contractor_create"),
        {"name": "Budimex", "nip": "1234563219", "regon": "123456786", "krs": "12"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"nip", "regon", "krs"}
    assert "is not a valid NIP" in response.text
    assert not Contractor.objects.exists()


def test_contractor_edit_and_stale_edit(en_client, advisor, teammate):
    contractor = ContractorFactory(name="Budimex", branch=advisor.branch)
    url = reverse("clients:contractor_update", args=[contractor.pk])
    en_client.force_login(advisor)
    version = en_client.get(url).context["form"]["updated_at"].value()
    response = en_client.post(url, {"name": "Budimex SA", "updated_at": version})
    assert response.status_code == 302
    response = en_client.post(url, {"name": "Budimex SA2", "updated_at": version})
    assert "Someone else saved this record" in response.text
    contractor.refresh_from_db()
    assert contractor.name == "Budimex SA"


def test_contractor_of_another_branch_cannot_be_opened_or_edited(client, outsider, advisor):
    contractor = ContractorFactory(name="Budimex", branch=advisor.branch)
    client.force_login(outsider)
    for name in ["clients:contractor_detail", "clients:contractor_update"]:
        assert client.get(reverse(name, args=[contractor.pk])).status_code == 404
    response = client.post(
        reverse("clients:contractor_update", args=[contractor.pk]), {"name": "Hacked"}
    )
    assert response.status_code == 404
    contractor.refresh_from_db()
    assert contractor.name == "Budimex"


def test_contractor_names_render_escaped(client, advisor):
    contractor = ContractorFactory(name="<script>alert(1)</script>", branch=advisor.branch)
    client.force_login(advisor)
    for url in [
        reverse("clients:contractor_list"),
        reverse("clients:contractor_detail", args=[contractor.pk]),
    ]:
        assert "<script>alert(1)" not in client.get(url).text


def test_user_without_branch_sees_a_message_instead_of_a_crash(client):
    lonely = UserFactory(branch=None)
    client.force_login(lonely)
    response = client.post(reverse("clients:contractor_create"), {"name": "Firma"})
    assert response.status_code == 200
    assert not Contractor.objects.exists()


def test_export_button_posts_the_lists_filters(client, advisor, ela):
    client.force_login(advisor)
    text = client.get(reverse("clients:list"), {"q": "Turza", "failed": "false"}).text
    assert f'action="{reverse("clients:export")}?q=Turza&amp;failed=false"' in text
