import datetime

import pytest

from casework import meeting_services
from casework.meeting_services import Discussion
from network.groups import agency_group
from network.models import Role
from tests import factories

HELD_ON = datetime.date(2025, 1, 10)


@pytest.fixture
def agency_user(agency):
    user = factories.make_staff("houkatsu_staff", role=Role.AGENCY, agency=agency)
    user.groups.add(agency_group(agency))
    return user


@pytest.fixture
def second_case(caseworker, area):
    return factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")


def record(by, *, cases, agencies, kind="support", **extra):
    values = {
        "recorded_by": by,
        "kind": kind,
        "area": cases[0].area,
        "held_on": HELD_ON,
        "agencies": agencies,
        "discussions": [
            Discussion(case=c, decisions=f"決定{c.number}", roles=f"役割{c.number}") for c in cases
        ],
        "confidentiality_acknowledged": kind == "support",
    }
    return meeting_services.meeting_record(**(values | extra))
