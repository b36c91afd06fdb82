from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from .models import User


class UserWithBranchBackend(ModelBackend):
    """Django's backend, loading the user's branch with the user: every page shows it and
    every scoped query needs it, so it should not cost a query of its own."""

    def get_user(self, user_id):
        user = User._default_manager.select_related("branch").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins made through a form (the login page, the
    admin's). authenticate() without a request is code, not a visitor: a management
    command, the shell, the test client's login(); it has no address to count failures
    for, so it is let through to the password check instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
