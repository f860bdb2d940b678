import datetime
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from network.fiscal import TOKYO
from network.models import Role
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from referrals import services
from referrals.models import Referral
from tests import factories


def _compile_referral_messages() -> None:
    """referrals/locale is compiled like the project's locale (.mo files are build output)."""
    from config.compilemessages import parse_po, write_mo

    for po in (Path(settings.BASE_DIR) / "referrals" / "locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            write_mo(parse_po(po), mo)
            from django.utils.translation import trans_real

            trans_real._translations = {}  # catalogs loaded before the compile are reloaded
            trans_real._default = None


_compile_referral_messages()


def staff(username, role, **kwargs):
    user = factories.make_staff(username, role=role, **kwargs)
    staff_groups_sync(user=user)
    return user


@pytest.fixture
def roles(db):
    role_permissions_sync()


@pytest.fixture
def caseworker(area, roles):
    """The north caseworker, in the north area team's group."""
    return staff("cw_north", Role.CASEWORKER, area=area)


@pytest.fixture
def other_caseworker(other_area, roles):
    return staff("cw_south", Role.CASEWORKER, area=other_area)


@pytest.fixture
def north_coordinator(area, roles):
    return staff("co_north", Role.COORDINATOR, area=area)


@pytest.fixture
def south_coordinator(other_area, roles):
    return staff("co_south", Role.COORDINATOR, area=other_area)


@pytest.fixture
def agency_user(agency, roles):
    return staff("ag_houkatsu", Role.AGENCY, agency=agency)


@pytest.fixture
def manager(roles):
    return staff("mgr", Role.MANAGER)


@pytest.fixture
def referral(case, caseworker, other_area, south_coordinator):
    """A collaboration request from the north area team to the south area team."""
    return services.referral_request(
        case=case,
        requested_by=caseworker,
        kind="collaboration",
        to_area=other_area,
        reason="通院同行の協力をお願いします",
    )


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=TOKYO)


@pytest.fixture
def known_referrals(case, caseworker, other_area, south_coordinator):
    """FY2025: to the south area, accepted after 1 business day; to the east area, declined after 4
    (Golden Week), one day past its due date."""
    east = factories.make_area("east", "東部エリア")
    east_coordinator = factories.make_staff("co_east", role="coordinator", area=east)
    first = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="a"
    )
    services.referral_accept(referral=first, accepted_by=south_coordinator)
    second = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=east, reason="b"
    )
    services.referral_decline(referral=second, declined_by=east_coordinator, reason="no")
    for referral, answered in ((first, datetime.date(2025, 5, 1)), (second, datetime.date(2025, 5, 8))):
        Referral.objects.filter(pk=referral.pk).update(
            requested_at=at(datetime.date(2025, 4, 30)),
            due_by=datetime.date(2025, 5, 7),
            decided_at=at(answered),
        )
