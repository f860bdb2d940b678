import pytest

from tests.casework.printing.file_world import fill_case_file


@pytest.fixture
def full_file(case, caseworker, agency):
    """The caseworker's own case with every sheet filled (file_world.py)."""
    case.issues.create(tag="poverty")
    return fill_case_file(case, by=caseworker, agency=agency)


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client
