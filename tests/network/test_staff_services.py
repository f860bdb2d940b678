import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from network import services
from network.models import Membership, Role, User

PASSWORD = "correct-horse-9"


@pytest.fixture
def seeded(db):
    services.master_data_seed()


def test_a_caseworker_joins_their_area_team_group(seeded):
    result = services.staff_create_or_update(
        username="cw", password=PASSWORD, role=Role.CASEWORKER, area_code="tanaka"
    )

    assert result.created
    assert set(result.user.groups.values_list("name", flat=True)) == {"area:tanaka", "role:caseworker"}
    assert result.groups == ["area:tanaka", "role:caseworker"]
    assert result.user.check_password(PASSWORD)


def test_moving_a_caseworker_replaces_their_membership_and_group(seeded):
    services.staff_create_or_update(
        username="cw", password=PASSWORD, role=Role.CASEWORKER, area_code="tanaka"
    )

    result = services.staff_create_or_update(
        username="cw", password=PASSWORD, role=Role.CASEWORKER, area_code="nanbu"
    )

    assert not result.created
    assert list(Membership.objects.filter(user=result.user).values_list("area__code", flat=True)) == ["nanbu"]
    assert set(result.user.groups.values_list("name", flat=True)) == {"area:nanbu", "role:caseworker"}


def test_a_second_role_keeps_the_first_membership(seeded):
    services.staff_create_or_update(
        username="both", password=PASSWORD, role=Role.CASEWORKER, area_code="tanaka"
    )

    user = services.staff_create_or_update(
        username="both", password=PASSWORD, role=Role.AGENCY, agency_code="jiritsu-soudan"
    ).user

    assert set(user.memberships.values_list("role", flat=True)) == {Role.CASEWORKER, Role.AGENCY}
    assert set(user.groups.values_list("name", flat=True)) == {
        "area:tanaka",
        "agency:jiritsu-soudan",
        "role:caseworker",
        "role:agency",
    }


def test_group_sync_leaves_unmanaged_groups_alone(seeded):
    user = services.staff_create_or_update(
        username="cw", password=PASSWORD, role=Role.CASEWORKER, area_code="tanaka"
    ).user
    user.groups.add(Group.objects.create(name="report-editors"), Group.objects.create(name="area:nanbu"))

    services.staff_groups_sync(user=user)

    assert set(user.groups.values_list("name", flat=True)) == {
        "area:tanaka",
        "role:caseworker",
        "report-editors",
    }


def test_seeding_gives_the_role_groups_their_permissions(seeded):
    from django.contrib.auth.models import Group

    assert Group.objects.get(name="role:manager").permissions.filter(codename="break_glass").exists()


def test_nothing_is_written_when_validation_fails(seeded):
    with pytest.raises(ValidationError):
        services.staff_create_or_update(username="new", password="short", role=Role.MANAGER)

    assert not User.objects.filter(username="new").exists()


def test_an_invalid_username_is_refused(seeded):
    with pytest.raises(ValidationError):
        services.staff_create_or_update(username="no spaces please", password=PASSWORD, role=Role.MANAGER)


def test_an_inactive_agency_takes_no_new_staff(seeded):
    from network.models import Agency

    Agency.objects.filter(code="houjin-aoba").update(is_active=False)

    with pytest.raises(ValidationError, match="inactive"):
        services.staff_create_or_update(
            username="a", password=PASSWORD, role=Role.AGENCY, agency_code="houjin-aoba"
        )


def test_a_totp_secret_must_be_base32(seeded):
    with pytest.raises(ValidationError, match="base32"):
        services.staff_create_or_update(
            username="m", password=PASSWORD, role=Role.MANAGER, totp_secret="not-b32!"
        )


def test_totp_provisioning_creates_one_confirmed_device(seeded):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for _ in range(2):
        services.staff_create_or_update(
            username="m", password=PASSWORD, role=Role.MANAGER, totp_secret="jbsw y3dp ehpk 3pxp"
        )

    device = TOTPDevice.objects.get(user__username="m")
    assert device.confirmed
    assert device.key == b"Hello!\xde\xad\xbe\xef".hex()
