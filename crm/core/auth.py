from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserWithBranchBackend(ModelBackend):
    """Django's backend, loading the user's branch with the user: every page shows it and
    every scoped query needs it, so it should not cost a query of its own."""

    def get_user(self, user_id):
        user = User._default_manager.select_related("branch").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
