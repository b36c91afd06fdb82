"""The admin site, with a second factor for administrators who chose one.

An administrator who has a confirmed TOTP device (django-otp) reaches the admin only after
giving a code from it at the admin's login; one without a device logs in as before. The
device is set up in the admin itself (OTP TOTP devices: add one unconfirmed, scan its QR
code, then tick "confirmed")."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class LejekAdminAuthenticationForm(OTPAdminAuthenticationForm):
    """The admin's login form: the code is asked only of users who have a device."""

    def clean_otp(self, user) -> None:
        if user is not None and not user_has_device(user):
            return
        super().clean_otp(user)


class LejekAdminSite(OTPAdminSite):
    login_form = LejekAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        if not AdminSite.has_permission(self, request):
            return False
        # Verified in this session with the device's code, or without a device at all
        # (asked once per request: the admin checks its permission twice on each page).
        if request.user.is_verified():
            return True
        if not hasattr(request, "_has_otp_device"):
            request._has_otp_device = user_has_device(request.user)
        return not request._has_otp_device
