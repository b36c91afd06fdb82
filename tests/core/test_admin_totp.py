"""An administrator protects the admin with a TOTP app on the phone (django-otp): once the
device is confirmed, /admin/ asks for a code from it at the admin's login. Administrators
without a device, and the rest of Lejek, are not affected."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "haslo-testowe-123"


def current_code(device: TOTPDevice) -> str:
    """What the phone's authenticator app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def admin_login(browser: Client, user, **otp) -> object:
    data = {"username": user.username, "password": PASSWORD, "next": "/admin/", **otp}
    return browser.post(reverse("admin:login"), data)


@pytest.fixture
def device(administrator) -> TOTPDevice:
    return TOTPDevice.objects.create(user=administrator, name="Telefon", confirmed=True)


def test_administrator_without_a_device_opens_the_admin_as_before(administrator, client):
    client.force_login(administrator)

    assert client.get(reverse("admin:index")).status_code == 200


def test_administrator_with_a_device_is_asked_for_a_code(administrator, device, client):
    client.force_login(administrator)  # logged in to Lejek with the password only

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # Lejek itself still opens: the code guards the admin only.
    assert client.get(reverse("leads:list")).status_code == 200


def test_password_without_a_code_does_not_open_the_admin(administrator, device, client):
    response = admin_login(client, administrator)

    assert response.status_code == 200  # the login form again
    assert response.context["form"].errors
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_wrong_code_does_not_open_the_admin(administrator, device, client):
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"

    response = admin_login(client, administrator, otp_device=device.persistent_id, otp_token=wrong)

    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_code_from_the_device_opens_the_admin(administrator, device, client):
    response = admin_login(
        client, administrator, otp_device=device.persistent_id, otp_token=current_code(device)
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:core_user_changelist")).status_code == 200


def test_administrator_sets_up_a_device_in_the_admin(administrator, client):
    client.force_login(administrator)
    add_url = reverse("admin:otp_totp_totpdevice_add")
    form = client.get(add_url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    # Added unconfirmed first, so that its QR code can still be shown and scanned.
    data.update(user=administrator.pk, name="Telefon", confirmed="")

    response = client.post(add_url, data)

    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=administrator)
    assert not device.confirmed
    qr_code = client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]))
    assert qr_code.status_code == 200
    assert qr_code["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr_code.content

    # Scanned: the administrator confirms the device, and from now on needs its codes.
    device.confirmed = True
    device.save()
    assert client.get(reverse("admin:index")).status_code == 302
