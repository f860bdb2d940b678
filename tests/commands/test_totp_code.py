import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp

from network.twofactor import totp_provision
from tests import factories


def test_prints_the_current_code_in_debug(db, settings, capsys):
    settings.DEBUG = True
    user = factories.make_staff("coord", role="coordinator")
    device = totp_provision(user=user, secret_base32="JBSWY3DPEHPK3PXPJBSWY3DP")
    call_command("totp_code", "coord")
    printed = capsys.readouterr().out.strip()
    assert device.verify_token(printed)
    assert printed == f"{totp(device.bin_key):06d}"


def test_refuses_outside_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("totp_code", "anyone")
