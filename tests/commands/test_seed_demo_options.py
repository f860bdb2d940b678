"""seed_demo's options and guards, each on a fresh database (test_seed_demo.py shares one demo)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.management.commands.seed_demo import DemoBuilder
from casework.models import Case
from network.models import User

HOUSEHOLDS = 20


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--households", str(HOUSEHOLDS), *args, stdout=out)
    return out.getvalue()


def test_the_same_seed_plans_the_same_households(db, settings):
    settings.DEBUG = True
    seed_demo("--households", "0")  # master data and staff only

    def plans(seed: int):
        builder = DemoBuilder(households=HOUSEHOLDS, seed=seed, stdout=StringIO())
        return [
            (h.area.code, h.opened_on, h.main_issue, h.issues, h.steps, h.closure_reason)
            for h in (builder.plan_household() for _ in range(HOUSEHOLDS))
        ]

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)


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
