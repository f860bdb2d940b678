import pytest

from tests import factories


@pytest.fixture
def cw_client(client, caseworker):
    """A browser session of the north-area caseworker, in Japanese (the default language)."""
    client.force_login(caseworker)
    return client


@pytest.fixture
def other_case(other_caseworker, other_area):
    """A case of another area team: the north caseworker must not learn it exists."""
    return factories.make_case(
        by=other_caseworker, area=other_area, name="他区 花子", kana="タク ハナコ", phone="03-9999-0000"
    )


@pytest.fixture
def other_activity(other_case, other_caseworker):
    return factories.log_activity(other_case, by=other_caseworker, note="他エリアの記録")


HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx_headers(target: str = "") -> dict:
    headers = dict(HTMX)
    if target:
        headers["HTTP_HX_TARGET"] = target
    return headers
