import datetime

import pytest

from network.fiscal import TOKYO
from network.groups import agency_group
from network.services import master_data_seed
from reports.services import indicator_master_data_seed
from tests import factories


def jst(year, month, day, hour=12, minute=0) -> datetime.datetime:
    """An aware Tokyo datetime (stored as UTC by the database)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def seeded(db):
    """The master data and, through the registered seeder, indicators and the plan's targets."""
    master_data_seed()
    indicator_master_data_seed()  # also registered; explicit so the fixture does not depend on ready()


@pytest.fixture
def partner(db):
    return factories.make_agency("partner-a")


@pytest.fixture
def partner_b(db):
    return factories.make_agency("partner-b")


@pytest.fixture
def manager(db):
    return factories.make_staff("mgr", role="manager")


@pytest.fixture
def coordinator(area):
    return factories.make_staff("coord_north", role="coordinator", area=area)


@pytest.fixture
def auditor(db):
    return factories.make_staff("aud", role="auditor")


@pytest.fixture
def agency_user(agency):
    user = factories.make_staff("agency_user", role="agency", agency=agency)
    user.groups.add(agency_group(agency))
    return user


@pytest.fixture
def web_client():
    """A browser session that has passed the second factor (managers and coordinators need it)."""

    def make(user):
        return factories.verified_client(user)

    return make
