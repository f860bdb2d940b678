import pytest
from rest_framework.test import APIClient


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(caseworker, client_for):
    """The north caseworker's client."""
    return client_for(caseworker)


@pytest.fixture
def other_case(other_caseworker, other_area):
    from tests import factories

    return factories.make_case(by=other_caseworker, area=other_area, name="架空 花子", kana="カクウ ハナコ")
