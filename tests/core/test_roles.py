"""A role decides the permission group (Doradca, Kierownik, Administrator) and whether the
user may enter Django admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from crm.core.models import Role, User
from crm.core.services import user_create, user_set_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def group_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def fresh(user: User) -> User:
    """The user as the next request sees it (permissions are cached on the instance)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    ("role", "group", "is_staff"),
    [
        (Role.ADVISOR, "Doradca", False),
        (Role.MANAGER, "Kierownik", False),
        (Role.ADMINISTRATOR, "Administrator", True),
    ],
)
def test_user_given_a_role_is_in_exactly_the_matching_group(advisor, role, group, is_staff):
    user_set_role(user=advisor, role=role)

    advisor = fresh(advisor)
    assert advisor.role == role
    assert group_names(advisor) == {group}
    assert advisor.is_staff is is_staff


def test_administrator_demoted_to_advisor_leaves_admin_and_the_administrator_group(
    administrator,
):
    assert administrator.is_staff

    user_set_role(user=administrator, role=Role.ADVISOR)

    administrator = fresh(administrator)
    assert group_names(administrator) == {"Doradca"}
    assert not administrator.is_staff


def test_superuser_keeps_admin_access_whatever_the_role(branch):
    superuser = UserFactory(is_superuser=True, branch=branch)

    user_set_role(user=superuser, role=Role.ADVISOR)

    assert fresh(superuser).is_staff


def test_role_change_can_move_the_user_to_another_branch(advisor, other_branch):
    user_set_role(user=advisor, role=Role.MANAGER, branch=other_branch)

    advisor = fresh(advisor)
    assert advisor.branch == other_branch
    assert group_names(advisor) == {"Kierownik"}


def test_created_employee_can_log_in_with_the_password_and_has_the_role_group(branch):
    user = user_create(
        username="nowy.kierownik",
        password="Trudne-Haslo-2024",
        role=Role.MANAGER,
        branch=branch,
        first_name="Ewa",
        last_name="Nowa",
    )

    user = fresh(user)
    assert user.check_password("Trudne-Haslo-2024")
    assert group_names(user) == {"Kierownik"}


def test_advisor_may_not_unlink_a_lead_but_manager_may(advisor, manager):
    assert not fresh(advisor).has_perm("leads.unlink_lead")
    assert fresh(manager).has_perm("leads.unlink_lead")


def test_advisor_works_leads_and_clients_but_does_not_configure_the_crm(advisor):
    advisor = fresh(advisor)

    assert advisor.has_perms(["leads.view_lead", "leads.change_lead", "clients.add_client"])
    assert not advisor.has_perm("leads.delete_lead")
    assert not advisor.has_perm("leads.change_leadstatus")
    assert not advisor.has_perm("settings_app.change_crmsettings")
    # Exports are scoped to what the user sees, so advisors export their own leads.
    assert advisor.has_perm("leads.export_lead")


def test_administrator_configures_statuses_reasons_sources_and_settings(administrator):
    administrator = fresh(administrator)

    assert administrator.has_perms(
        [
            "leads.change_leadstatus",
            "leads.add_failurereason",
            "clients.change_leadsource",
            "settings_app.change_crmsettings",
            "core.change_user",
            "leads.unlink_lead",
        ]
    )


def test_migrations_create_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Doradca",
        "Kierownik",
        "Administrator",
    }


def permission_codes(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_manager_group_has_everything_an_advisor_has_plus_the_special_lead_permissions():
    advisor_codes = permission_codes("Doradca")
    manager_codes = permission_codes("Kierownik")

    assert advisor_codes < manager_codes
    assert manager_codes - advisor_codes == {
        "leads.unlink_lead",
        "leads.restore_lead",
        "leads.import_lead",
        "leads.reassign_lead",
        "leads.cancel_contract",
        # A person's right of access (RODO art. 15, 20): managers export a person's data.
        "privacy.export_person",
    }


def test_only_the_administrator_group_may_edit_settings_or_delete():
    for group_name in ("Doradca", "Kierownik"):
        codes = permission_codes(group_name)
        assert "settings_app.change_crmsettings" not in codes
        # A lead's own file is the one thing its people may delete (with a confirmation;
        # its history keeps the record).
        deletions = {code for code in codes if code.split(".")[1].startswith("delete_")}
        assert deletions == {"leads.delete_document"}

    admin_codes = permission_codes("Administrator")
    assert "settings_app.change_crmsettings" in admin_codes
    assert "leads.delete_failurereason" in admin_codes
    assert "auth.change_group" in admin_codes
    # Consent clauses and controllers are configured by administrators; the register's
    # events are read there, never changed (they are evidence).
    assert {"consents.add_clause", "consents.change_controller"} <= admin_codes
    assert "consents.view_consentevent" in admin_codes
    assert "consents.change_consentevent" not in admin_codes
    assert "privacy.anonymise_person" in admin_codes
    # Django's own internals (sessions, content types) are not the administrator's business.
    assert not any(code.startswith(("sessions.", "contenttypes.")) for code in admin_codes)
