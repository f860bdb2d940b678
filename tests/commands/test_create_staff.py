from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from network.models import Membership, Role, User
from network.services import master_data_seed

PASSWORD = "correct-horse-9"


@pytest.fixture(autouse=True)
def seeded(db):
    master_data_seed()


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "team_args", "area", "agency", "group"),
    [
        (Role.CASEWORKER, ["--area", "tanaka"], "tanaka", None, "area:tanaka"),
        (Role.COORDINATOR, ["--area", "nanbu"], "nanbu", None, "area:nanbu"),
        (Role.AGENCY, ["--agency", "houkatsu-tanaka"], None, "houkatsu-tanaka", "agency:houkatsu-tanaka"),
        (Role.MANAGER, [], None, None, None),
        (Role.AUDITOR, [], None, None, None),
    ],
)
def test_create_staff_for_each_role(role, team_args, area, agency, group):
    out = create_staff("someone", "--password", PASSWORD, "--role", role, *team_args)

    user = User.objects.get(username="someone")
    membership = Membership.objects.select_related("area", "agency").get(user=user)
    assert user.check_password(PASSWORD)
    assert membership.role == role
    assert (membership.area.code if membership.area else None) == area
    assert (membership.agency.code if membership.agency else None) == agency
    assert set(user.groups.values_list("name", flat=True)) == {f"role:{role}", *([group] if group else [])}
    assert "Created staff account 'someone'" in out


def test_running_again_updates_the_password():
    create_staff("cw", "--password", PASSWORD, "--role", "caseworker", "--area", "tanaka")

    out = create_staff("cw", "--password", "another-horse-42", "--role", "caseworker", "--area", "tanaka")

    user = User.objects.get(username="cw")
    assert user.check_password("another-horse-42")
    assert not user.check_password(PASSWORD)
    assert Membership.objects.filter(user=user).count() == 1
    assert "Updated staff account 'cw'" in out


def test_changing_area_moves_the_user_to_the_new_team_group():
    create_staff("cw", "--password", PASSWORD, "--role", "caseworker", "--area", "tanaka")

    create_staff("cw", "--password", PASSWORD, "--role", "caseworker", "--area", "hokubu")

    user = User.objects.get(username="cw")
    assert list(user.memberships.values_list("area__code", flat=True)) == ["hokubu"]
    assert set(user.groups.values_list("name", flat=True)) == {"area:hokubu", "role:caseworker"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "caseworker"], "needs --area"),
        (["--role", "coordinator"], "needs --area"),
        (["--role", "caseworker", "--area", "atlantis"], "Unknown area code 'atlantis'; known areas: tanaka"),
        (["--role", "caseworker", "--area", "tanaka", "--agency", "houkatsu-tanaka"], "not --agency"),
        (["--role", "agency"], "need --agency"),
        (["--role", "agency", "--agency", "nowhere"], "Unknown agency code 'nowhere'"),
        (["--role", "agency", "--area", "tanaka", "--agency", "houkatsu-tanaka"], "not --area"),
        (["--role", "manager", "--area", "tanaka"], "neither --area nor --agency"),
        (["--role", "auditor", "--agency", "houkatsu-tanaka"], "neither --area nor --agency"),
        (["--role", "manager", "--totp-secret", "0000"], "base32"),
    ],
)
def test_invalid_combinations_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        create_staff("someone", "--password", PASSWORD, *args)

    assert not User.objects.filter(username="someone").exists()


def test_a_manager_gets_the_permissions_of_their_role():
    create_staff("boss", "--password", PASSWORD, "--role", "manager")

    assert User.objects.get(username="boss").has_perm("casework.break_glass")


def test_an_unknown_role_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        create_staff("someone", "--password", PASSWORD, "--role", "admin")


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError):
        create_staff("someone", "--password", "short", "--role", "manager")

    assert not User.objects.filter(username="someone").exists()


def test_a_failed_update_leaves_the_account_as_it_was():
    create_staff("cw", "--password", PASSWORD, "--role", "caseworker", "--area", "tanaka")

    with pytest.raises(CommandError):
        create_staff("cw", "--password", "another-horse-42", "--role", "caseworker", "--area", "atlantis")

    user = User.objects.get(username="cw")
    assert user.check_password(PASSWORD)
    assert set(user.groups.values_list("name", flat=True)) == {"area:tanaka", "role:caseworker"}


def test_totp_secret_provisions_a_confirmed_device_for_that_secret():
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = create_staff("m", "--password", PASSWORD, "--role", "manager", "--totp-secret", "JBSWY3DPEHPK3PXP")

    device = TOTPDevice.objects.get(user__username="m")
    assert device.confirmed
    assert device.verify_token(TOTP(b"Hello!\xde\xad\xbe\xef").token())  # what the authenticator app shows
    assert "TOTP device provisioned" in out
