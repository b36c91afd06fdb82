"""Writes on users: a role decides the permission group and access to Django admin."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Branch, Role, SavedView, User

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


# A user's saved views per list: enough for every way they slice it, few enough for a menu.
SAVED_VIEWS_PER_LIST = 30


@transaction.atomic
def saved_view_save(
    *,
    user: User,
    list_name: str,
    name: str,
    query: str,
    columns: list[str],
    layout: str,
    shared: bool = False,
) -> SavedView:
    """Save the list as the user sees it under `name`. Saving under a name the user
    already has replaces that view (after asking, on the page). Sharing is for managers
    (with their branch) and administrators (with their branch, or everyone without one)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if shared and not (user.is_manager or user.is_administrator):
        raise ValidationError({"shared": _("Only managers and administrators share views.")})
    if layout not in SavedView.Layout.values:
        raise ValidationError({"layout": _("Choose the table, the grid or the kanban.")})
    # Locks the user's row: two saves at once cannot both pass the count below.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = SavedView.objects.filter(owner=user, list_name=list_name, name__iexact=name).first()
    if existing is None:
        if (
            SavedView.objects.filter(owner=user, list_name=list_name).count()
            >= SAVED_VIEWS_PER_LIST
        ):
            raise ValidationError(
                {
                    "name": _(
                        "You have %(count)d saved views here, the most there can be. "
                        "Delete one you no longer use."
                    )
                    % {"count": SAVED_VIEWS_PER_LIST}
                }
            )
        existing = SavedView(owner=user, list_name=list_name)
    existing.name = name
    existing.query = query[: SavedView._meta.get_field("query").max_length]
    existing.columns = list(columns)
    existing.layout = layout
    existing.shared = shared
    existing.branch = user.branch if shared else None
    existing.full_clean(exclude=["owner"], validate_constraints=False)
    existing.save()
    return existing


def saved_view_set_columns(*, view: SavedView, columns: list[str]) -> SavedView:
    view.columns = list(columns)
    view.save(update_fields=["columns"])
    return view


def saved_view_delete(*, user: User, view: SavedView) -> None:
    """Delete a saved view: its owner's to delete, or an administrator's (a shared view
    whose owner has left)."""
    if view.owner_id != user.pk and not user.is_administrator:
        raise PermissionDenied(_("Only the view's owner can delete it."))
    view.delete()
