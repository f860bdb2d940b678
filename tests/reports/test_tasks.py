"""The monthly finalisation task: scheduled 06:00 Tokyo on the 1st, idempotent, mails a link not data."""

import datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail

from config.celery_app import app
from network.fiscal import TOKYO
from reports.models import MonthlySnapshot
from reports.schedule import BEAT_SCHEDULE
from reports.tasks import finalise_last_month
from tests import factories

from .conftest import jst

FIRST_OF_NOVEMBER = datetime.datetime(2024, 11, 1, 6, 0, tzinfo=TOKYO)


@pytest.fixture
def october(seeded, case, caseworker, partner):
    factories.log_activity(case, by=caseworker, when=jst(2024, 10, 15), agencies=[partner])


@pytest.fixture
def manager_with_mail(db):
    user = factories.make_staff("mgr_mail", role="manager")
    user.email = "manager@example.invalid"
    user.save(update_fields=["email"])
    return user


def test_the_task_runs_at_six_in_tokyo_on_the_first_of_each_month():
    entry = BEAT_SCHEDULE["reports-finalise-last-month"]

    assert entry["task"] == "reports.tasks.finalise_last_month"
    assert entry["schedule"] == crontab(minute=0, hour=6, day_of_month=1)
    assert app.conf.timezone == "Asia/Tokyo"
    assert "reports-finalise-last-month" in app.conf.beat_schedule


def test_on_the_first_it_finalises_the_month_that_just_ended(
    october, django_capture_on_commit_callbacks, manager_with_mail
):
    with time_machine.travel(FIRST_OF_NOVEMBER, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = finalise_last_month.apply().get()

    snapshot = MonthlySnapshot.objects.get()
    assert result == "2024-10" and snapshot.month == "2024-10"
    assert snapshot.figures["count"] == 1 and snapshot.finalised_by is None


def test_running_it_again_changes_nothing(october, django_capture_on_commit_callbacks):
    with time_machine.travel(FIRST_OF_NOVEMBER, tick=False):
        finalise_last_month.apply()
        first = MonthlySnapshot.objects.get().finalised_at
        assert finalise_last_month.apply().get() is None

    assert MonthlySnapshot.objects.get().finalised_at == first


def test_just_before_midnight_utc_the_tokyo_date_decides_the_month(october):
    # 2024-11-01 00:10 JST is still 31 October in UTC: October has ended in Tokyo
    with time_machine.travel(datetime.datetime(2024, 11, 1, 0, 10, tzinfo=TOKYO), tick=False):
        finalise_last_month.apply()

    assert MonthlySnapshot.objects.get().month == "2024-10"


def test_managers_get_a_link_to_the_report_not_its_figures(
    october, manager_with_mail, django_capture_on_commit_callbacks, eager_celery
):
    with time_machine.travel(FIRST_OF_NOVEMBER, tick=False), django_capture_on_commit_callbacks(execute=True):
        finalise_last_month.apply()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["manager@example.invalid"]
    assert "/reports/?fiscal_year=2024&month=2024-10" in message.body
    assert "280" not in message.body and "架空" not in message.body
