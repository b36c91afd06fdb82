"""Reads on the core models, scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import SavedView, User


def saved_views_for(user: User, list_name: str) -> QuerySet[SavedView]:
    """The views of a list a user may open: their own, and those shared with their branch
    or with everyone (an administrator, who sees every branch, sees every shared view)."""
    shared = Q(shared=True, branch__isnull=True)
    if user.is_administrator:
        shared = Q(shared=True)
    elif user.branch_id is not None:
        shared |= Q(shared=True, branch_id=user.branch_id)
    return SavedView.objects.filter(Q(owner=user) | shared, list_name=list_name).select_related(
        "owner"
    )
