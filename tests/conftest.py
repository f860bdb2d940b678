import tempfile

import pytest
from django.conf import settings

from tests import factories

pytest_plugins = [
    "tests.browser",  # the real-browser page fixture
    "tests.ci_rules",  # CI=true: a skipped test fails the run
    "pytester",  # tests/test_ci_rules.py runs pytest on made-up test files
]


def pytest_configure(config):
    # Fast hashing in tests only; production keeps Django's PBKDF2 default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Consent documents go to a scratch directory for the run; tests that look at the files use
    # the `document_root` fixture, which gives them a directory of their own.
    root = tempfile.mkdtemp(prefix="yorisoi-documents-")
    settings.CONSENT_DOCUMENT_ROOT = root
    settings.STORAGES["consent_documents"]["OPTIONS"]["location"] = root


def pytest_collection_modifyitems(config, items):
    # Without the service these tests skip with the reason; under CI=true that skip fails the run
    # (tests/ci_rules.py), so a run without them must deselect them: -m "not postgres and not redis".
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (see .ci/run)")
    skip_redis = pytest.mark.skip(reason="needs Redis and a Celery worker: set REDIS_URL (see .ci/run)")
    for item in items:
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture
def area(db):
    return factories.make_area("north", "北部エリア")


@pytest.fixture
def other_area(db):
    return factories.make_area("south", "南部エリア")


@pytest.fixture
def agency(db):
    return factories.make_agency("houkatsu-n", kind="comprehensive_care")


@pytest.fixture
def caseworker(area):
    return factories.make_staff("cw_north", area=area)


@pytest.fixture
def other_caseworker(other_area):
    return factories.make_staff("cw_south", area=other_area)


@pytest.fixture
def case(caseworker, area):
    return factories.make_case(by=caseworker, area=area)


@pytest.fixture
def eager_celery():
    """Run .delay() in-process even when REDIS_URL points Celery at a real broker."""
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def document_root(tmp_path, settings):
    """A directory of this test's own for the consent document storage (a real file system)."""
    root = tmp_path / "documents"
    storages = {**settings.STORAGES}
    storages["consent_documents"] = {
        **storages["consent_documents"],
        "OPTIONS": {**storages["consent_documents"]["OPTIONS"], "location": str(root)},
    }
    settings.STORAGES = storages
    settings.CONSENT_DOCUMENT_ROOT = str(root)
    return root


@pytest.fixture(autouse=True)
def _forget_cached_agencies():
    """The active agencies are cached by code (network.selectors); a rolled-back test sends no signal, so
    each test starts without the previous test's agencies."""
    from django.core.cache import cache

    from network.selectors import ACTIVE_AGENCIES_CACHE_KEY

    cache.delete(ACTIVE_AGENCIES_CACHE_KEY)
    yield
    cache.delete(ACTIVE_AGENCIES_CACHE_KEY)
