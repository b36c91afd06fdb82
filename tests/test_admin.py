"""Django admin is where administrators configure the CRM: statuses and their order,
reasons, sources and their intake tokens, assignment rules, settings, users and their
roles."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from clients.models import LeadSource
from clients.services import hash_intake_token, source_rotate_intake_token
from crm.core.models import Role, User
from leads.models import (
    AssignmentRule,
    AssignmentStrategy,
    DeletionReason,
    FailureReason,
    ImportBatch,
    IntakeOutcome,
    LeadStatus,
)
from settings_app.models import CRMSettings, RepeatInquiryScenario
from tests.factories import LeadFactory, UnitFactory, source

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


def admin_url(app_label: str, model_name: str, view: str, *args) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def reason_in_use(branch):
    reason = FailureReason.objects.get(name="Cena")
    now = timezone.now()
    LeadFactory(
        name="Zakup apartamentu Kowalskich",
        branch=branch,
        failed_at=now,
        closed_at=now,
        failure_reason=reason,
    )
    return reason


@pytest.fixture
def some_of_everything(branch, reason_in_use):
    """Rows for every changelist, so that their columns are rendered too."""
    UnitFactory()
    CRMSettings.get_solo()


# -- every page opens ----------------------------------------------------------------------


def test_every_model_of_the_crm_is_configurable_in_admin():
    assert {
        ("clients", "leadsource"),
        ("core", "branch"),
        ("core", "user"),
        ("investments", "investment"),
        ("investments", "unit"),
        ("leads", "deletionreason"),
        ("leads", "failurereason"),
        ("leads", "leadstatus"),
        ("settings_app", "crmsettings"),
    } <= set(REGISTERED)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED, ids=".".join)
def test_administrator_opens_every_admin_list(
    admin_client, some_of_everything, app_label, model_name
):
    response = admin_client.get(admin_url(app_label, model_name, "changelist"), follow=True)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    # The settings row is edited, never added; background jobs and the email outbox are
    # only read.
    [
        pair
        for pair in REGISTERED
        if pair
        not in {
            ("settings_app", "crmsettings"),
            ("core", "backgroundjob"),
            ("notifications", "notification"),
            # Login attempts and lockouts are recorded by django-axes, never added by hand.
            ("axes", "accessattempt"),
            ("axes", "accessfailurelog"),
            ("axes", "accesslog"),
            # The consent register's evidence and the personal data log are written by
            # the services only, and read in the admin.
            ("consents", "consentevent"),
            ("consents", "suppression"),
            ("privacy", "privacylog"),
            # What the channels received is logged by them, never added by hand.
            ("intake", "rawmessage"),
        }
    ],
    ids=".".join,
)
def test_administrator_opens_every_add_form(admin_client, app_label, model_name):
    response = admin_client.get(admin_url(app_label, model_name, "add"))

    assert response.status_code == 200


def test_administrator_opens_the_history_of_a_unit(admin_client):
    unit = UnitFactory()

    response = admin_client.get(admin_url("investments", "unit", "history", unit.pk))

    assert response.status_code == 200


def test_administrator_is_not_a_superuser_but_has_the_administrator_group(administrator):
    # The pages above open thanks to the group's permissions, not to a superuser flag.
    assert not administrator.is_superuser
    assert administrator.groups.filter(name="Administrator").exists()


@pytest.mark.parametrize("actor", ["advisor", "manager"])
def test_advisor_and_manager_are_sent_to_the_admin_login(client, request, actor):
    client.force_login(request.getfixturevalue(actor))

    for url in (reverse("admin:index"), admin_url("leads", "leadstatus", "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# -- intake tokens -------------------------------------------------------------------------


def generate_token(admin_client, source_obj: LeadSource, *, confirm: bool = True):
    """The administrator picks "Generate a new intake token" for the source in the list,
    then (unless `confirm` is off) says yes on the page that asks."""
    changelist = admin_url("clients", "leadsource", "changelist")
    asked = admin_client.post(
        changelist,
        {"action": "generate_intake_token", "_selected_action": [source_obj.pk], "index": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if not confirm:
        return asked
    return admin_client.post(
        changelist,
        {"action": "generate_intake_token", "_selected_action": [source_obj.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def token_on_page(response, stored_hash: str) -> str:
    """The token the administrator was shown: the word on the page that hashes to the hash."""
    for word in re.findall(r"[A-Za-z0-9_-]{40,}", response.text):
        if hash_intake_token(word) == stored_hash:
            return word
    raise AssertionError("the page shows no intake token")


def test_generating_an_intake_token_asks_first_and_changes_nothing_until_confirmed(admin_client):
    www = source("www")
    source_rotate_intake_token(source=www)
    before = _hash_of(www)

    response = generate_token(admin_client, www, confirm=False)

    assert response.status_code == 200
    assert "Their current tokens stop working at once" in response.text
    assert 'name="post" value="yes"' in response.text
    assert _hash_of(www) == before


def test_new_intake_token_is_shown_once_on_its_own_page_and_only_its_hash_is_stored(
    admin_client,
):
    www = source("www")

    response = generate_token(admin_client, www)

    assert response.status_code == 200  # the page itself, not a redirect to the list
    assert "no-store" in response["Cache-Control"]
    www.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{64}", www.intake_token_hash)
    assert www.intake_token_created_at is not None
    token = token_on_page(response, www.intake_token_hash)
    assert "Copy each token now" in response.text
    # Never in a message (the messages cookie or session) or anywhere stored.
    assert not any(token in str(message) for message in get_messages(response.wsgi_request))
    assert all(token not in cookie.value for cookie in response.cookies.values())
    stored_values = LeadSource.objects.filter(pk=www.pk).values().get().values()
    assert not any(token in str(value) for value in stored_values)
    assert token not in admin_client.get(admin_url("clients", "leadsource", "changelist")).text


def test_new_intake_token_replaces_the_previous_one(admin_client):
    www = source("www")
    first = token_on_page(generate_token(admin_client, www), _hash_of(www))

    second = token_on_page(generate_token(admin_client, www), _hash_of(www))

    assert first != second
    assert _hash_of(www) == hash_intake_token(second)


def _hash_of(source_obj: LeadSource) -> str:
    source_obj.refresh_from_db()
    return source_obj.intake_token_hash


def test_source_form_tells_the_address_of_the_public_form(admin_client):
    response = admin_client.get(
        admin_url("clients", "leadsource", "change", source("www").pk), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "at /intake/ followed by the slug and a slash, e.g. /intake/www/." in response.text
    assert "/intake/<" not in response.text  # a tag to the browser: it read "/intake//."


# -- failure reasons in use are kept -------------------------------------------------------


def test_failure_reason_in_use_has_no_delete_link(admin_client, reason_in_use):
    response = admin_client.get(admin_url("leads", "failurereason", "change", reason_in_use.pk))

    assert response.status_code == 200
    assert admin_url("leads", "failurereason", "delete", reason_in_use.pk) not in response.text


def test_unused_failure_reason_has_a_delete_link(admin_client):
    unused = FailureReason.objects.get(name="Lokalizacja")

    response = admin_client.get(admin_url("leads", "failurereason", "change", unused.pk))

    assert admin_url("leads", "failurereason", "delete", unused.pk) in response.text


def messages_of(response) -> list[str]:
    """The messages the administrator reads on the page they were sent back to."""
    return [str(message) for message in response.context["messages"]]


def test_deleting_a_failure_reason_in_use_says_to_deactivate_it_instead(
    admin_client, reason_in_use
):
    url = admin_url("leads", "failurereason", "delete", reason_in_use.pk)

    in_english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    for response in (
        admin_client.get(url, follow=True, **in_english),
        admin_client.post(url, {"post": "yes"}, follow=True, **in_english),
    ):
        change_page = admin_url("leads", "failurereason", "change", reason_in_use.pk)
        assert response.redirect_chain == [(change_page, 302)]
        assert messages_of(response) == [
            "“Cena” is in use, so it cannot be deleted. Deactivate it instead: untick "
            "“Active” and save."
        ]
    assert FailureReason.objects.filter(pk=reason_in_use.pk).exists()


def bulk_delete(admin_client, model_name: str, pks: list[int], confirm: bool, app="leads"):
    data = {"action": "delete_selected", "_selected_action": pks, "index": 0}
    if confirm:
        data["post"] = "yes"
    return admin_client.post(
        admin_url(app, model_name, "changelist"), data, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_bulk_deleting_reasons_of_which_one_is_in_use_deletes_none_and_names_it(
    admin_client, reason_in_use
):
    unused = FailureReason.objects.get(name="Lokalizacja")

    for confirm in (False, True):
        response = bulk_delete(
            admin_client, "failurereason", [reason_in_use.pk, unused.pk], confirm
        )

        assert response.redirect_chain == [(admin_url("leads", "failurereason", "changelist"), 302)]
        (message,) = messages_of(response)
        assert "Nothing was deleted" in message and "“Cena”" in message
        assert "“Lokalizacja”" not in message
        assert "untick “Active”" in message
        assert "permission" not in message
    assert FailureReason.objects.filter(pk__in=[reason_in_use.pk, unused.pk]).count() == 2


def deleted_lead():
    return LeadFactory(
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Test"),
    )


@pytest.mark.parametrize(
    ("app", "model_name", "in_use"),
    [
        ("leads", "leadstatus", lambda: LeadFactory().status),
        ("leads", "deletionreason", lambda: deleted_lead().deletion_reason),
        ("clients", "leadsource", lambda: LeadFactory(source=source("telefon")).source),
    ],
    ids=["status", "deletion reason", "source"],
)
def test_deleting_a_status_reason_or_source_in_use_says_to_deactivate_it(
    admin_client, branch, app, model_name, in_use
):
    obj = in_use()

    response = admin_client.post(
        admin_url(app, model_name, "delete", obj.pk),
        {"post": "yes"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    (message,) = messages_of(response)
    assert message.startswith(f"“{obj}” is in use, so it cannot be deleted.")
    assert type(obj).objects.filter(pk=obj.pk).exists()
    listed = bulk_delete(admin_client, model_name, [obj.pk], True, app=app)
    assert "Nothing was deleted" in messages_of(listed)[0]
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_source_used_only_by_an_import_says_to_deactivate_it(admin_client, manager):
    # The import points at its source without a way back (related_name="+"): the source
    # is in use all the same, and the database would refuse its deletion.
    imported_from = LeadSource.objects.create(name="Targi mieszkaniowe", slug="targi")
    ImportBatch.objects.create(
        created_by=manager,
        file="imports/targi.csv",
        file_name="targi.csv",
        file_sha256="0" * 64,
        source=imported_from,
    )

    change_page = admin_client.get(admin_url("clients", "leadsource", "change", imported_from.pk))
    assert admin_url("clients", "leadsource", "delete", imported_from.pk) not in change_page.text
    response = admin_client.post(
        admin_url("clients", "leadsource", "delete", imported_from.pk),
        {"post": "yes"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert messages_of(response) == [
        "“Targi mieszkaniowe” is in use, so it cannot be deleted. Deactivate it instead: "
        "untick “Active” and save."
    ]
    listed = bulk_delete(admin_client, "leadsource", [imported_from.pk], True, app="clients")
    assert "Nothing was deleted" in messages_of(listed)[0]
    assert LeadSource.objects.filter(pk=imported_from.pk).exists()


def test_unused_reasons_can_be_deleted_in_bulk(admin_client):
    test_reason = DeletionReason.objects.get(name="Test")

    response = bulk_delete(admin_client, "deletionreason", [test_reason.pk], True)

    assert response.redirect_chain == [(admin_url("leads", "deletionreason", "changelist"), 302)]
    assert not DeletionReason.objects.filter(pk=test_reason.pk).exists()


def test_failure_reason_is_retired_by_unticking_active(admin_client, reason_in_use):
    response = admin_client.post(
        admin_url("leads", "failurereason", "change", reason_in_use.pk),
        {"name": reason_in_use.name},  # an unticked checkbox is not sent
    )

    assert response.status_code == 302
    reason_in_use.refresh_from_db()
    assert not reason_in_use.active


# -- statuses ------------------------------------------------------------------------------


def test_administrator_reorders_the_pipeline_in_the_status_list(admin_client):
    statuses = list(LeadStatus.objects.all())
    reordered = list(reversed(statuses))
    data = {
        "form-TOTAL_FORMS": len(statuses),
        "form-INITIAL_FORMS": len(statuses),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Zapisz",
    }
    for index, status in enumerate(statuses):
        data[f"form-{index}-id"] = status.pk
        data[f"form-{index}-order"] = (reordered.index(status) + 1) * 10
        data[f"form-{index}-colour"] = status.colour
        if status.is_won:
            data[f"form-{index}-is_won"] = "on"
        data[f"form-{index}-active"] = "on"

    response = admin_client.post(admin_url("leads", "leadstatus", "changelist"), data)

    assert response.status_code == 302
    assert list(LeadStatus.objects.all()) == reordered
    assert LeadStatus.objects.first().name == "Umowa"


def test_status_with_leads_has_no_delete_link(admin_client, branch):
    lead = LeadFactory(branch=branch)

    response = admin_client.get(admin_url("leads", "leadstatus", "change", lead.status_id))

    assert admin_url("leads", "leadstatus", "delete", lead.status_id) not in response.text
    delete_url = admin_url("leads", "leadstatus", "delete", lead.status_id)
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302  # "in use"
    assert LeadStatus.objects.filter(pk=lead.status_id).exists()


# -- assignment rules ----------------------------------------------------------------------


def rule_form(**fields) -> dict:
    data = {"name": "Portale", "active": "on", "priority": 100, "strategy": "round_robin"}
    data.update(fields)
    return data


def test_administrator_adds_a_round_robin_rule_for_a_source(admin_client, advisor, teammate):
    portal = source("rynekpierwotny")

    response = admin_client.post(
        admin_url("leads", "assignmentrule", "add"),
        rule_form(
            name="rynekpierwotny.pl → Anna i Piotr",
            priority=10,
            strategy=AssignmentStrategy.ROUND_ROBIN,
            sources=[portal.pk],
            pool=[advisor.pk, teammate.pk],
        ),
    )

    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.name == "rynekpierwotny.pl → Anna i Piotr"
    assert rule.active
    assert rule.priority == 10
    assert rule.strategy == AssignmentStrategy.ROUND_ROBIN
    assert list(rule.sources.all()) == [portal]
    assert not rule.investments.exists()
    assert set(rule.pool.all()) == {advisor, teammate}
    assert not rule.fallback_pool.exists()


def test_rule_with_only_a_fallback_pool_is_stored(admin_client, manager):
    response = admin_client.post(
        admin_url("leads", "assignmentrule", "add"), rule_form(fallback_pool=[manager.pk])
    )

    assert response.status_code == 302
    assert list(AssignmentRule.objects.get().fallback_pool.all()) == [manager]


def test_rule_without_pool_or_fallback_pool_is_refused_with_the_reason(admin_client):
    response = admin_client.post(
        admin_url("leads", "assignmentrule", "add"),
        rule_form(sources=[source("facebook").pk]),
    )

    assert response.status_code == 200  # the form again, with the error
    assert "Wybierz co najmniej jednego doradcę, w puli lub w puli zapasowej." in response.text
    assert "pool" in response.context["adminform"].form.errors
    assert not AssignmentRule.objects.exists()


def test_rule_list_shows_the_rules_in_the_order_they_are_tried(admin_client, advisor):
    for name, priority in [("Reszta", 100), ("Facebook", 50), ("Portale", 10)]:
        AssignmentRule.objects.create(name=name, priority=priority).pool.set([advisor])

    response = admin_client.get(admin_url("leads", "assignmentrule", "changelist"))

    assert response.status_code == 200
    shown = [rule.name for rule in response.context["cl"].result_list]
    assert shown == ["Portale", "Facebook", "Reszta"]
    positions = [response.text.index(f">{name}</a>") for name in shown]
    assert positions == sorted(positions)


# -- CRM settings --------------------------------------------------------------------------


def test_administrator_opens_and_saves_the_crm_settings(admin_client):
    url = reverse("admin:settings_app_crmsettings_change")

    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            "default_lead_name": "Zakup lokalu",
            # manual_status_change_allowed unticked: not sent
            "suggest_status_after_conversation": "on",
            "repeat_inquiry_scenario": RepeatInquiryScenario.ADD_TO_EXISTING,
            "reservation_days": 14,
            "reservation_max_days": 90,
            "import_max_rows": 100_000,
            "reminder_minutes": 15,
            "first_call_offset_minutes": 120,
            "sla_first_contact_minutes": 45,
            "documents_allow_pdf": "on",
            # images and office documents unticked: not sent
            "retention_months": 24,
            "legal_hold_years": 10,
        },
    )

    assert response.status_code == 302
    saved = CRMSettings.get_solo()
    assert saved.default_lead_name == "Zakup lokalu"
    assert saved.manual_status_change_allowed is False
    assert saved.repeat_inquiry_scenario == RepeatInquiryScenario.ADD_TO_EXISTING
    assert saved.reservation_days == 14
    assert saved.sla_first_contact_minutes == 45
    assert (saved.documents_allow_pdf, saved.documents_allow_images) == (True, False)
    assert CRMSettings.objects.count() == 1


def settings_as_shown(admin_client) -> dict:
    """The CRM settings form as the administrator opens it, posted back unchanged."""
    form = (
        admin_client.get(reverse("admin:settings_app_crmsettings_change")).context["adminform"].form
    )
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


@pytest.mark.parametrize(
    ("button", "message"),
    [
        ("_save", "Ustawienia CRM zostały zapisane."),
        ("_continue", "Ustawienia CRM zostały zapisane. Możesz je dalej edytować poniżej."),
    ],
)
def test_saved_crm_settings_are_confirmed_in_polish(admin_client, button, message):
    data = {**settings_as_shown(admin_client), "reservation_days": 10, button: "1"}

    response = admin_client.post(
        reverse("admin:settings_app_crmsettings_change"),
        data,
        follow=True,
        HTTP_ACCEPT_LANGUAGE="pl",
    )

    assert response.redirect_chain[0][1] == 302
    assert messages_of(response) == [message]
    assert CRMSettings.get_solo().reservation_days == 10


def test_crm_settings_with_a_zero_day_reservation_are_not_saved(admin_client):
    response = admin_client.post(
        reverse("admin:settings_app_crmsettings_change"),
        {
            "default_lead_name": "Zakup lokalu",
            "repeat_inquiry_scenario": RepeatInquiryScenario.NEW_LEAD,
            "reservation_days": 0,
            "reminder_minutes": 30,
            "first_call_offset_minutes": 60,
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors
    assert CRMSettings.get_solo().reservation_days == 7


# -- users and roles -----------------------------------------------------------------------


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "role": user.role,
        "branch": user.branch_id,
        "is_active": "on",
    }
    data.update(changes)
    return data


def group_names(user: User) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_advisor_promoted_to_manager_in_admin_joins_the_manager_group(admin_client, advisor):
    response = admin_client.post(
        admin_url("core", "user", "change", advisor.pk), user_form(advisor, role=Role.MANAGER)
    )

    assert response.status_code == 302
    assert group_names(advisor) == {"Kierownik"}
    assert User.objects.get(pk=advisor.pk).has_perm("leads.unlink_lead")


def test_user_made_administrator_in_admin_may_enter_admin(admin_client, advisor):
    admin_client.post(
        admin_url("core", "user", "change", advisor.pk),
        user_form(advisor, role=Role.ADMINISTRATOR),
    )

    advisor = User.objects.get(pk=advisor.pk)
    assert group_names(advisor) == {"Administrator"}
    assert advisor.is_staff


def test_employee_added_in_admin_as_manager_joins_the_manager_group(admin_client, branch):
    response = admin_client.post(
        admin_url("core", "user", "add"),
        {
            "username": "nowa.kierowniczka",
            "password1": "Trudne-Haslo-2024",
            "password2": "Trudne-Haslo-2024",
            "role": Role.MANAGER,
            "branch": branch.pk,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="nowa.kierowniczka")
    assert user.role == Role.MANAGER
    assert user.branch == branch
    assert user.check_password("Trudne-Haslo-2024")
    assert group_names(user) == {"Kierownik"}
