"""seed_demo's options and guards, each on a fresh database (test_seed_demo.py shares one demo)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.models import Activity, AuditEvent, Case, CaseNumberCounter
from network.models import User

HOUSEHOLDS = 20


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--households", str(HOUSEHOLDS), *args, stdout=out)
    return out.getvalue()


def test_seed_demo_is_deterministic_for_a_seed(db, settings):
    settings.DEBUG = True
    seed_demo("--seed", "7")
    first = sorted(Case.objects.values_list("number", "household_name_kana", "status"), key=str)
    Activity.objects.all().delete()  # raw cleanup is fine in a test
    AuditEvent.objects.all().delete()
    Case.objects.all().delete()
    CaseNumberCounter.objects.all().delete()

    seed_demo("--seed", "7")

    assert sorted(Case.objects.values_list("number", "household_name_kana", "status"), key=str) == first


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed_demo()

    assert not User.objects.filter(username="manager").exists()


def test_seed_demo_runs_without_debug_when_forced(db, settings):
    settings.DEBUG = False

    seed_demo("--force")

    assert Case.objects.count() == HOUSEHOLDS


def test_seed_demo_with_no_households_only_seeds_master_data_and_staff(db, settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_demo", "--households", "0", stdout=out)

    assert Case.objects.count() == 0
    assert User.objects.filter(username="manager").exists()
