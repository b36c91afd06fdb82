"""The lead page: its header, the actions an advisor takes on it (change status, mark as
failure, reactivate), its tabs, and who may open it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import (
    Activity,
    ActivityKind,
    DeletionReason,
    Document,
    FailureReason,
    IntakeOutcome,
    Lead,
    LeadStatus,
    Note,
    Offer,
    Reservation,
)
from leads.services.pipeline import lead_mark_failed
from settings_app.models import CRMSettings
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    UnitFactory,
    UserFactory,
    source,
    status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(advisor):
    elzbieta = ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        email="turza@example.pl",
        phone="600 100 200",
        branch=advisor.branch,
        caretaker=advisor,
        source=source("telefon"),
    )
    lead = LeadFactory(
        name="Kawalerka na Akacjowej",
        branch=advisor.branch,
        source=source("www"),
        employees=[advisor],
        clients=[elzbieta],
        created_by=advisor,
        updated_by=advisor,
    )
    lead.investments.add(InvestmentFactory(name="Akacjowa"))
    lead.contractors.add(
        ContractorFactory(
            name="Budex sp. z o.o.", nip="1234563218", email="biuro@budex.pl", branch=advisor.branch
        )
    )
    return lead


@pytest.fixture
def price():
    return FailureReason.objects.get(name="Cena")


def set_manual_status_changes(allowed: bool) -> None:
    row = CRMSettings.get_solo()
    row.manual_status_change_allowed = allowed
    row.save()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def detail_url(lead: Lead, **query) -> str:
    url = reverse("leads:detail", args=[lead.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# -- The header ----------------------------------------------------------------------------


def test_advisor_sees_the_header_of_their_lead(web, advisor, lead):
    response = web.get(detail_url(lead))

    assert response.status_code == 200
    header = response.text
    assert "Kawalerka na Akacjowej" in header
    assert "Nowy" in header  # status badge
    assert "Akacjowa" in header  # investments
    assert "Anna Wiśniewska" in header  # employees and created/updated by
    assert "www" in header or "WWW" in header  # source
    assert "Poznań Centrum" in header  # branch
    assert timezone.localtime(lead.created_at).strftime("%d.%m.%Y") in header
    assert '<dd id="lead-handling-time">0d 0h</dd>' in header


def test_handling_time_counts_days_and_hours_since_creation(web, advisor):
    lead = LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        created_at=timezone.now() - timedelta(days=117, minutes=5),
    )
    response = web.get(detail_url(lead))
    assert '<dd id="lead-handling-time">117d 0h</dd>' in response.text


def test_lead_without_conversations_shows_placeholders_and_no_next_step(web, lead):
    response = web.get(detail_url(lead))

    assert '<dd id="lead-last-conversation">—</dd>' in response.text
    assert 'id="lead-no-next-step"' in response.text
    assert "No next step" in response.text


def test_header_shows_last_done_and_next_planned_conversation(web, advisor, teammate, lead):
    now = timezone.now()
    for days_ago in (9, 2):
        Activity.objects.create(lead=lead, employee=advisor, done_at=now - timedelta(days=days_ago))
    Activity.objects.create(
        lead=lead, employee=teammate, kind=ActivityKind.MEETING, planned_at=now + timedelta(days=3)
    )
    Activity.objects.create(lead=lead, employee=advisor, planned_at=now + timedelta(days=8))
    # A planned call that was made counts as done, not as the next step.
    Activity.objects.create(
        lead=lead, employee=advisor, planned_at=now + timedelta(days=1), done_at=now
    )

    response = web.get(detail_url(lead))

    last = response.context["conversations"].last_done
    upcoming = response.context["conversations"].next_planned
    assert abs(last.done_at - now) < timedelta(seconds=1)
    assert upcoming.kind == ActivityKind.MEETING
    assert "Meeting · Piotr Zieliński" in response.text
    assert 'id="lead-no-next-step"' not in response.text


def test_closed_lead_is_not_flagged_for_a_missing_next_step(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    response = web.get(detail_url(lead))
    assert 'id="lead-no-next-step"' not in response.text


def test_failed_lead_shows_the_failure_with_reason_comment_and_date(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, comment="Za drogo o 40 tys.", user=advisor)
    lead.refresh_from_db()

    response = web.get(detail_url(lead))

    assert 'id="lead-failed"' in response.text
    failure = response.text.split('id="lead-failure"')[1].split("</p>")[0]
    assert "Cena" in failure
    assert "Za drogo o 40 tys." in failure
    assert timezone.localtime(lead.failed_at).strftime("%d.%m.%Y") in failure


def test_repeat_and_deleted_leads_carry_badges(web, advisor):
    lead = LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        is_repeat=True,
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    response = web.get(detail_url(lead))
    assert 'id="lead-repeat"' in response.text
    assert 'id="lead-deleted"' in response.text
    assert "Spam" in response.text
    assert "Restore the inquiry to change its status." in response.text
    assert 'id="lead-fail-open"' not in response.text


# -- Which actions are offered ---------------------------------------------------------------


ACTION_IDS = re.compile(r'id="(lead-[a-z-]+?)(?:-form)?"')


def action_bar(response) -> tuple[list[str], list[str]]:
    """The ids of the actions shown as buttons and of those in the "More" menu, in order."""
    bar = response.text.split('id="lead-actions-main"', 1)[1].split("</details>", 1)[0]
    main, _, menu = bar.partition('id="lead-more"')
    return ACTION_IDS.findall(main), ACTION_IDS.findall(menu.partition('id="lead-more-menu"')[2])


def primary_action(response) -> str:
    """The id of the one action styled as the main next step (a link or a form)."""
    bar = response.text.split('id="lead-actions-main"', 1)[1].split("</section>", 1)[0]
    primary = [item for item in re.split(r"(?=<a |<form )", bar) if "button--primary" in item]
    assert len(primary) == 1
    return ACTION_IDS.search(primary[0]).group(1)


def linked(lead: Lead) -> Lead:
    """The lead as verified: linked to its client (no longer an inquiry to verify)."""
    Lead.objects.filter(pk=lead.pk).update(intake_outcome=IntakeOutcome.LINKED)
    return lead


def test_an_active_lead_offers_conversation_offer_and_status_and_the_rest_in_more(web, lead):
    linked(lead)
    response = web.get(detail_url(lead))

    main, more = action_bar(response)
    assert main == ["lead-add-conversation", "lead-offer-create", "lead-status"]
    assert primary_action(response) == "lead-add-conversation"
    assert more == [
        "lead-edit",
        "lead-survey-fill",
        "lead-reserve",
        "lead-contract",
        "lead-add-note",
        "lead-upload-document",
        "lead-fail-open",  # the danger action last, in red
    ]
    assert 'class="button button--danger" href="' in response.text
    assert "<summary" in response.text and ">More</summary>" in response.text


def test_an_inquiry_to_verify_offers_verification_and_a_conversation_first(web, advisor):
    inquiry = LeadFactory(
        branch=advisor.branch, employees=[advisor], intake_outcome=IntakeOutcome.NEW
    )

    response = web.get(detail_url(inquiry))

    main, more = action_bar(response)
    assert main == ["lead-verify", "lead-add-conversation"]
    assert primary_action(response) == "lead-verify"
    assert more[-2:] == ["lead-fail-open", "lead-delete"]  # both danger, last
    assert {"lead-edit", "lead-offer-create", "lead-status"} <= set(more)


def test_a_won_lead_offers_a_note_first_and_no_failure(web, advisor):
    won = LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        status=status("umowa"),
        intake_outcome=IntakeOutcome.LINKED,
    )

    response = web.get(detail_url(won))

    main, more = action_bar(response)
    assert main == ["lead-add-note", "lead-upload-document", "lead-contract"]
    assert primary_action(response) == "lead-add-note"
    # Archive: a won lead may leave the everyday lists (tests/leads/test_archive.py).
    assert more == ["lead-edit", "lead-add-conversation", "lead-archive"]
    assert "lead-fail-open" not in main + more


def test_a_failed_lead_offers_reactivation_first(web, advisor, lead, price):
    linked(lead)
    lead_mark_failed(lead=lead, reason=price, user=advisor)

    response = web.get(detail_url(lead))

    main, more = action_bar(response)
    assert main == ["lead-reactivate", "lead-add-note"]
    assert primary_action(response) == "lead-reactivate"
    assert "lead-add-conversation" not in more


def test_open_lead_offers_edit_status_and_failure_but_not_reactivation(web, lead):
    response = web.get(detail_url(lead))

    assert reverse("leads:update", args=[lead.pk]) in response.text
    assert 'id="lead-status-form"' in response.text
    assert 'id="lead-fail-open"' in response.text
    assert 'id="lead-fail-dialog"' in response.text
    assert 'id="lead-reactivate-form"' not in response.text
    offered = [s.name for s in response.context["status_form"].fields["status"].queryset]
    # Every active status but the won one: only a contract wins a lead.
    active = LeadStatus.objects.filter(active=True, is_won=False)
    assert offered == list(active.values_list("name", flat=True))
    assert "Umowa" not in offered


def test_failed_lead_offers_reactivation_only(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)

    response = web.get(detail_url(lead))

    assert 'id="lead-reactivate-form"' in response.text
    assert "data-confirm=" in response.text.split('id="lead-reactivate-form"')[0][-300:]
    assert 'id="lead-fail-open"' not in response.text
    assert 'id="lead-status-form"' not in response.text
    assert "Reactivate the lead to change its status." in response.text


def test_status_change_is_replaced_by_a_note_when_manual_changes_are_off(web, lead):
    set_manual_status_changes(False)

    response = web.get(detail_url(lead))

    assert 'id="lead-status-form"' not in response.text
    assert "Manual status changes are turned off in the CRM settings." in response.text


def test_won_lead_cannot_be_marked_as_failure(web, advisor):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], status=status("umowa"))
    response = web.get(detail_url(lead))
    assert 'id="lead-fail-open"' not in response.text


def test_failure_dialog_opens_from_the_url_without_javascript(web, lead):
    response = web.get(detail_url(lead, action="fail"))
    assert 'aria-labelledby="lead-fail-title" open data-modal-on-load' in response.text


def test_failure_dialog_is_not_offered_by_url_for_a_failed_lead(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    response = web.get(detail_url(lead, action="fail"))
    assert 'id="lead-fail-dialog"' not in response.text


# -- Change status -------------------------------------------------------------------------


def test_a_suggested_status_is_offered_to_accept_or_dismiss(web, advisor, lead):
    response = web.get(detail_url(lead, suggest="oferta"))

    banner = response.text.split('id="status-suggestion"')[1].split("</section>")[0]
    assert "Move this lead to the status “Oferta”?" in banner
    assert f'name="status" value="{status("oferta").pk}"' in banner
    assert f'href="{detail_url(lead)}" id="status-suggestion-dismiss"' in banner

    accepted = web.post(
        reverse("leads:status", args=[lead.pk]), {"status": status("oferta").pk}, follow=True
    )
    lead.refresh_from_db()
    assert lead.status.slug == "oferta"
    assert 'id="status-suggestion"' not in accepted.text


@pytest.mark.parametrize("slug", ["nowy", "no-such-status"])
def test_no_suggestion_of_the_current_or_an_unknown_status(web, lead, slug):
    response = web.get(detail_url(lead, suggest=slug))
    assert 'id="status-suggestion"' not in response.text


def test_no_suggestion_when_manual_changes_are_off_or_the_lead_failed(web, advisor, lead, price):
    set_manual_status_changes(False)
    assert 'id="status-suggestion"' not in web.get(detail_url(lead, suggest="oferta")).text

    set_manual_status_changes(True)
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    assert 'id="status-suggestion"' not in web.get(detail_url(lead, suggest="oferta")).text


def test_advisor_changes_the_status_and_sees_a_message(web, advisor, lead):
    offer = status("oferta")

    response = web.post(reverse("leads:status", args=[lead.pk]), {"status": offer.pk}, follow=True)

    assert response.redirect_chain == [(detail_url(lead), 302)]
    lead.refresh_from_db()
    assert lead.status == offer
    assert lead.updated_by == advisor
    assert messages_of(response) == ["The status is now “Oferta”."]


def test_status_change_is_refused_when_manual_changes_are_off(web, lead):
    set_manual_status_changes(False)
    records = lead.history.count()

    response = web.post(
        reverse("leads:status", args=[lead.pk]), {"status": status("oferta").pk}, follow=True
    )

    assert messages_of(response) == ["Manual status changes are turned off in the CRM settings."]
    lead.refresh_from_db()
    assert lead.status.slug == "nowy"
    assert lead.history.count() == records


def test_status_of_a_failed_lead_cannot_be_changed(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)

    response = web.post(
        reverse("leads:status", args=[lead.pk]), {"status": status("oferta").pk}, follow=True
    )

    assert messages_of(response) == ["This lead is marked as a failure; reactivate it first."]
    assert Lead.objects.get(pk=lead.pk).status.slug == "nowy"


def test_status_change_to_an_inactive_or_unknown_status_is_refused(web, lead):
    retired = LeadStatus.objects.create(name="Archiwum", slug="archiwum", order=99, active=False)

    for value in (retired.pk, 999999, ""):
        response = web.post(reverse("leads:status", args=[lead.pk]), {"status": value}, follow=True)
        assert len(messages_of(response)) == 1
        assert response.context["messages"]._loaded_messages[0].level_tag == "error"
    assert Lead.objects.get(pk=lead.pk).status.slug == "nowy"


# -- Mark as failure -----------------------------------------------------------------------


def test_advisor_marks_the_lead_as_failure_with_a_reason_and_comment(web, advisor, lead, price):
    response = web.post(
        reverse("leads:fail", args=[lead.pk]),
        {"failure_reason": price.pk, "failure_comment": "  Za drogo  "},
        follow=True,
    )

    assert response.redirect_chain == [(detail_url(lead), 302)]
    assert messages_of(response) == ["The lead is marked as a failure."]
    lead.refresh_from_db()
    assert lead.is_failed
    assert lead.failure_reason == price
    assert lead.failure_comment == "Za drogo"
    assert lead.updated_by == advisor


def test_failure_without_a_reason_is_refused_next_to_the_field(web, lead):
    records = lead.history.count()

    response = web.post(
        reverse("leads:fail", args=[lead.pk]), {"failure_reason": "", "failure_comment": "Hmm"}
    )

    assert response.status_code == 400
    dialog = response.text.split('id="lead-fail-dialog"')[1].split("</dialog>")[0]
    assert "open data-modal-on-load" in dialog
    reason_field = dialog.split('for="id_failure_reason"')[1].split("</div>")[0]
    assert "Choose the reason for the failure." in reason_field
    assert "Hmm</textarea>" in dialog  # what was typed is kept
    lead.refresh_from_db()
    assert not lead.is_failed
    assert lead.history.count() == records


def test_failure_with_a_reason_no_longer_used_is_refused(web, lead, price):
    FailureReason.objects.filter(pk=price.pk).update(active=False)

    response = web.post(reverse("leads:fail", args=[lead.pk]), {"failure_reason": price.pk})

    assert response.status_code == 400
    assert 'class="field field--error"' in response.text
    assert not Lead.objects.get(pk=lead.pk).is_failed


def test_a_failed_lead_cannot_be_failed_again(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    other = FailureReason.objects.get(name="Lokalizacja")

    response = web.post(
        reverse("leads:fail", args=[lead.pk]), {"failure_reason": other.pk}, follow=True
    )

    assert messages_of(response) == ["This lead is already marked as a failure."]
    assert Lead.objects.get(pk=lead.pk).failure_reason == price


# -- Reactivate ----------------------------------------------------------------------------


def test_advisor_reactivates_a_failed_lead(web, advisor, lead, price):
    lead_mark_failed(lead=lead, reason=price, comment="Za drogo", user=advisor)

    response = web.post(reverse("leads:reactivate", args=[lead.pk]), follow=True)

    assert messages_of(response) == ["The lead is open again."]
    lead.refresh_from_db()
    assert not lead.is_failed
    assert lead.failure_reason is None
    assert 'id="lead-fail-open"' in response.text


def test_an_open_lead_cannot_be_reactivated(web, lead):
    records = lead.history.count()

    response = web.post(reverse("leads:reactivate", args=[lead.pk]), follow=True)

    assert messages_of(response) == ["Only a lead marked as a failure can be reactivated."]
    assert lead.history.count() == records


# -- Tabs ----------------------------------------------------------------------------------


def test_clients_tab_is_open_by_default_with_the_seed_columns(web, advisor, lead):
    response = web.get(detail_url(lead))

    assert response.context["tab"] == "clients"
    table = response.text.split('id="lead-clients"')[1].split("</table>")[0]
    for column in (
        "First name",
        "Last name",
        "Caretaker",
        "Email",
        "Phone",
        "Added",
        "Failure",
        "Failure date",
        "Source",
        "Branch",
    ):
        assert f'<th scope="col">{column}</th>' in table
    client = lead.clients.get()
    assert f'href="{client.get_absolute_url()}"' in table
    for value in ("Elżbieta", "Turza", "Anna Wiśniewska", "turza@example.pl", "600 100 200"):
        assert value in table
    assert "Poznań Centrum" in table


def test_contractors_tab_shows_name_nip_krs_regon_email_phone(web, lead):
    response = web.get(detail_url(lead, tab="contractors"))

    table = response.text.split('id="lead-contractors"')[1].split("</table>")[0]
    for column in ("Name", "NIP", "KRS", "REGON", "Email", "Phone"):
        assert f'<th scope="col">{column}</th>' in table
    contractor = lead.contractors.get()
    assert f'<a href="{contractor.get_absolute_url()}">Budex sp. z o.o.</a>' in table
    assert "1234563218" in table
    assert "biuro@budex.pl" in table


def test_tab_links_work_with_and_without_htmx(web, lead):
    response = web.get(detail_url(lead))
    for slug in ("clients", "contractors", "history"):
        tab_url = reverse("leads:tab", args=[lead.pk, slug])
        assert f'href="{detail_url(lead, tab=slug)}"' in response.text
        assert f'hx-get="{tab_url}"' in response.text


def test_tab_fetched_by_htmx_is_only_the_tab_block(web, lead):
    response = web.get(reverse("leads:tab", args=[lead.pk, "contractors"]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="lead-tabs" id="lead-tabs">')
    assert "<html" not in response.text
    assert "Budex sp. z o.o." in response.text
    assert 'id="lead-tab-contractors" ' in response.text
    assert 'aria-current="page">Contractors <span' in response.text
    assert "HX-Request" in response["Vary"]  # caches keep the partial and the page apart


def tab_count(response, slug: str) -> str:
    """The number shown on a tab's label ("Conversations 3")."""
    marker = f'id="lead-tab-{slug}-count">'
    assert marker in response.text, slug
    return response.text.split(marker, 1)[1].split("<", 1)[0]


def test_each_tab_shows_how_many_rows_it_holds(web, advisor, lead):
    for days_ago in (1, 2, 3):
        Activity.objects.create(
            lead=lead, employee=advisor, done_at=timezone.now() - timedelta(days=days_ago)
        )
    Offer.objects.create(lead=lead, created_by=advisor)
    Offer.objects.create(lead=lead, created_by=advisor)
    Reservation.objects.create(
        lead=lead, unit=UnitFactory(), reserved_until=timezone.localdate() + timedelta(days=7)
    )
    note = Note.objects.create(lead=lead, text="Dzwonić po 17", created_by=advisor)
    Note.objects.create(lead=lead, text="Chce 2 pokoje", created_by=advisor)
    Document.objects.create(
        lead=lead,
        note=note,
        file="x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
    )
    # Another lead's rows are not counted.
    Activity.objects.create(
        lead=LeadFactory(branch=advisor.branch), employee=advisor, done_at=timezone.now()
    )

    response = web.get(detail_url(lead))

    shown = {
        slug: tab_count(response, slug)
        for slug in ("clients", "contractors", "conversations", "surveys", "offers")
    }
    assert shown == {
        "clients": "1",
        "contractors": "1",
        "conversations": "3",
        "surveys": "0",
        "offers": "3",  # two offers and a reservation
    }
    assert tab_count(response, "contracts") == "0"
    assert tab_count(response, "documents") == "3"  # two notes and a file
    assert 'id="lead-tab-history-count"' not in response.text  # the history is not counted
    assert "Conversations <span" in response.text


def test_tab_fetched_by_htmx_keeps_the_counts_on_the_tab_bar(web, advisor, lead):
    Activity.objects.create(lead=lead, employee=advisor, done_at=timezone.now())
    response = web.get(reverse("leads:tab", args=[lead.pk, "history"]), HTTP_HX_REQUEST="true")
    assert tab_count(response, "conversations") == "1"
    assert tab_count(response, "contractors") == "1"


def test_tab_url_opened_without_htmx_leads_to_the_page_with_that_tab(web, lead):
    response = web.get(reverse("leads:tab", args=[lead.pk, "history"]) + "?page=2")
    assert response.status_code == 302
    assert response.url == detail_url(lead, tab="history", page=2)


def test_page_opens_with_the_tab_named_in_the_url(web, lead):
    response = web.get(detail_url(lead, tab="history"))
    assert response.context["tab"] == "history"
    assert 'id="lead-history"' in response.text
    assert 'id="lead-clients"' not in response.text


def test_unknown_tab_is_not_found_and_the_page_falls_back_to_clients(web, lead):
    assert web.get(reverse("leads:tab", args=[lead.pk, "secrets"])).status_code == 404
    assert web.get(detail_url(lead, tab="secrets")).context["tab"] == "clients"


# -- Access --------------------------------------------------------------------------------

WHO_MAY_NOT_SEE = ["outsider", "teammate", "other_manager"]


@pytest.mark.parametrize("actor", WHO_MAY_NOT_SEE)
def test_user_who_may_not_see_the_lead_gets_404_on_the_page_and_its_tabs(
    client, request, lead, actor
):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(detail_url(lead)).status_code == 404
    for slug in ("clients", "contractors", "history"):
        url = reverse("leads:tab", args=[lead.pk, slug])
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("actor", ["manager", "administrator"])
def test_manager_of_the_branch_and_administrator_open_the_lead(client, request, lead, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(detail_url(lead)).status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client, lead):
    response = client.get(detail_url(lead))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["status", "fail", "reactivate"])
def test_actions_answer_get_with_405(web, lead, name):
    assert web.get(reverse(f"leads:{name}", args=[lead.pk])).status_code == 405


@pytest.mark.parametrize("actor", WHO_MAY_NOT_SEE)
def test_actions_of_a_user_who_may_not_see_the_lead_change_nothing(
    client, request, advisor, lead, price, actor
):
    client.force_login(request.getfixturevalue(actor))
    records = lead.history.count()

    status_url = reverse("leads:status", args=[lead.pk])
    assert client.post(status_url, {"status": status("oferta").pk}).status_code == 404
    fail_url = reverse("leads:fail", args=[lead.pk])
    assert client.post(fail_url, {"failure_reason": price.pk}).status_code == 404
    lead_mark_failed(lead=lead, reason=price, user=advisor)
    assert client.post(reverse("leads:reactivate", args=[lead.pk])).status_code == 404

    lead.refresh_from_db()
    assert lead.status.slug == "nowy"
    assert lead.is_failed  # still failed: the reactivation was refused
    assert lead.history.count() == records + 1  # only the advisor's failure


# -- Escaping ------------------------------------------------------------------------------


def test_script_in_names_and_comments_is_shown_as_text(web, advisor, price):
    evil = "<script>alert(1)</script>"
    client = ClientFactory(first_name=evil, last_name=evil, branch=advisor.branch)
    colleague = UserFactory(first_name=evil, branch=advisor.branch)
    lead = LeadFactory(
        name=evil, branch=advisor.branch, employees=[advisor, colleague], clients=[client]
    )
    lead.contractors.add(ContractorFactory(name=evil, branch=advisor.branch))
    lead.investments.add(InvestmentFactory(name=evil))
    lead_mark_failed(lead=lead, reason=price, comment=evil, user=advisor)

    for tab in ("clients", "contractors", "history"):
        response = web.get(detail_url(lead, tab=tab))
        assert "<script>alert(1)" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    history = web.get(reverse("leads:tab", args=[lead.pk, "history"]), HTTP_HX_REQUEST="true")
    assert "<script>alert(1)" not in history.text
    # The client, the colleague, the contractor, the investment and the comment.
    assert history.text.count("&lt;script&gt;") >= 5


# -- Queries -------------------------------------------------------------------------------


def crowd(lead: Lead, advisor, count: int) -> None:
    """Give the lead `count` more clients (with caretakers), contractors, investments and
    employees."""
    for _ in range(count):
        caretaker = UserFactory(branch=advisor.branch)
        lead.clients.add(ClientFactory(branch=advisor.branch, caretaker=caretaker))
        lead.contractors.add(ContractorFactory(branch=advisor.branch))
        lead.investments.add(InvestmentFactory())
        lead.employees.add(caretaker)
        Activity.objects.create(lead=lead, employee=advisor, done_at=timezone.now())
        Activity.objects.create(lead=lead, employee=advisor, planned_at=timezone.now())


@pytest.mark.parametrize("more", [0, 12])
def test_lead_page_takes_a_fixed_number_of_queries(
    web, advisor, lead, more, django_assert_num_queries
):
    crowd(lead, advisor, more)
    CRMSettings.get_solo()
    # session, user; the lead with its status, source, branch and people; clients,
    # their caretakers, employees, investments, contractors (prefetched); last and next
    # conversation; CRM settings; active statuses and failure reasons for the two forms;
    # the Clients tab's rows; the user's permissions (2: the personal data card); the
    # clients' consent states and the objections of their phones and emails (2); the
    # tabs' counts ("Conversations 12": 1, one query for all the tabs).
    with django_assert_num_queries(19):
        response = web.get(detail_url(lead))
    assert response.status_code == 200


@pytest.mark.parametrize("tab", ["clients", "contractors"])
def test_a_tab_fetched_by_htmx_takes_a_fixed_number_of_queries(
    web, advisor, lead, tab, django_assert_num_queries
):
    crowd(lead, advisor, 5)
    # session, user, the lead (scoped), the tabs' counts (1 for all), the tab's rows.
    with django_assert_num_queries(5):
        web.get(reverse("leads:tab", args=[lead.pk, tab]), HTTP_HX_REQUEST="true")
