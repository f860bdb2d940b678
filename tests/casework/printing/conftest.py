import pytest

from tests import factories
from tests.casework.printing.file_world import OPENED_ON, fill_case_file


@pytest.fixture
def full_file(caseworker, area, agency):
    """The caseworker's own case with every sheet filled (file_world.py)."""
    case = factories.make_case(by=caseworker, area=area, issues=("8050", "poverty"), opened_on=OPENED_ON)
    return fill_case_file(case, by=caseworker, agency=agency)


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.fixture
def other_case(other_caseworker, other_area):
    """A case of another area team: the north caseworker must not learn it exists."""
    return factories.make_case(by=other_caseworker, area=other_area, name="他区 花子", kana="タク ハナコ")
