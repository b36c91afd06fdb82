"""Writes on users: a role decides the permission group and access to Django admin."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Branch, Role, User

# The permission groups created by the data migration, one per role.
ROLE_GROUPS = {
    Role.ADVISOR: "Doradca",
    Role.MANAGER: "Kierownik",
    Role.ADMINISTRATOR: "Administrator",
}


@transaction.atomic
def user_set_role(*, user: User, role: str, branch: Branch | None = None) -> User:
    """Give a user a role (and optionally a branch): the matching permission group and,
    for administrators, access to Django admin."""
    user.role = role
    if branch is not None:
        user.branch = branch
    user.is_staff = role == Role.ADMINISTRATOR or user.is_superuser
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name=ROLE_GROUPS[Role(role)]))
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    branch: Branch | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create an employee with a role; the password goes through Django's hashers."""
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, branch=branch
    )
    user.set_password(password)
    user.role = role
    user.full_clean(exclude=["password"])
    user.save()
    return user_set_role(user=user, role=role)


def user_save_list_preferences(
    *, user: User, list_name: str, columns: list[str], per_page: int
) -> User:
    """Remember which columns and how many rows a user wants on a list (e.g. "leads")."""
    preferences = dict(user.ui_preferences or {})
    preferences[list_name] = {"columns": list(columns), "per_page": per_page}
    user.ui_preferences = preferences
    user.save(update_fields=["ui_preferences"])
    return user
