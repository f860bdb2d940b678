"""TOTP two-factor devices (django-otp): enrolment, provisioning and verification."""

import base64
import binascii

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .selectors import has_role


def totp_device_for(*, user) -> TOTPDevice:
    """The user's confirmed device, or their pending (unconfirmed) enrolment, created on first need."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Yorisoi", confirmed=False)
    return device


def has_confirmed_device(*, user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def holds_totp_role(*, user) -> bool:
    """Coordinators, managers and auditors hold the keys to many cases: TOTP is never optional for them."""
    return has_role(user, *settings.TWO_FACTOR_ROLES)


def second_factor_required(*, user) -> bool:
    """Who must pass the TOTP step: the TOTP roles, and anyone who has enrolled a device."""
    return holds_totp_role(user=user) or has_confirmed_device(user=user)


def session_passed_second_factor(*, user) -> bool:
    """The one rule for a web session, for pages and for the API alike (API.md, Authentication)."""
    return user.is_verified() or not second_factor_required(user=user)


def enrolment_missing(*, user) -> bool:
    """A TOTP role without a confirmed device may neither obtain nor use an API token: enrol first."""
    return holds_totp_role(user=user) and not has_confirmed_device(user=user)


@transaction.atomic
def totp_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a code (django-otp throttles repeated failures); the first good code confirms enrolment."""
    if not device.verify_token(token):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return True


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@transaction.atomic
def totp_provision(*, user, secret_base32: str) -> TOTPDevice:
    """A confirmed device with a known secret (provisioning automation: create_staff --totp-secret)."""
    text = "".join(secret_base32.split()).upper().rstrip("=")  # as apps show it: spaces, any case
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise ValueError("the TOTP secret must be base32") from exc
    if len(key) < 10:
        raise ValueError("the TOTP secret must be at least 80 bits (16 base32 characters)")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="Yorisoi", key=key.hex(), confirmed=True)
