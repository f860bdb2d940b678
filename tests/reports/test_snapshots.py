"""Finalised months: immutable snapshots, refused twice, and restated figures beside them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework import services as casework_services
from casework.services import StateConflict
from reports import services
from reports.models import MonthlySnapshot, SnapshotImmutable
from reports.selectors import accompanied_activity_report
from tests import factories

from .conftest import jst

TODAY = datetime.date(2024, 11, 1)


@pytest.fixture
def october(seeded, case, caseworker, partner):
    return [
        factories.log_activity(case, by=caseworker, when=jst(2024, 10, d), agencies=[partner])
        for d in (1, 2, 3)
    ]


def test_finalising_a_month_stores_its_figures(october, manager):
    snapshot = services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)

    assert (snapshot.fiscal_year, snapshot.month) == (2024, "2024-10")
    assert snapshot.figures["count"] == 3 and snapshot.figures["cumulative"] == 3
    assert snapshot.figures["target"] == 280
    assert snapshot.finalised_by == manager


def test_a_month_is_finalised_only_once(october, manager):
    services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)

    with pytest.raises(StateConflict):
        services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)
    assert MonthlySnapshot.objects.count() == 1


def test_a_month_that_has_not_ended_cannot_be_finalised(october, manager):
    with pytest.raises(ValidationError):
        services.monthly_snapshot_finalise(
            year=2024, month=10, finalised_by=manager, today=datetime.date(2024, 10, 31)
        )


def test_only_managers_finalise(october, coordinator):
    with pytest.raises(PermissionDenied):
        services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=coordinator, today=TODAY)


def test_a_snapshot_is_never_updated_or_deleted(october, manager):
    snapshot = services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)
    snapshot.figures = {"count": 999}

    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        snapshot.delete()
    assert MonthlySnapshot.objects.get().figures["count"] == 3


@pytest.mark.postgres
def test_postgresql_refuses_updating_a_snapshot_behind_the_models_back(october, manager):
    from django.db import DatabaseError, transaction

    services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)

    with pytest.raises(DatabaseError), transaction.atomic():
        MonthlySnapshot.objects.update(figures={})


def test_a_later_correction_shows_as_restated_beside_the_snapshot(october, manager, caseworker):
    services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)
    casework_services.activity_void(activity=october[0], voided_by=caseworker, reason="重複登録")

    rep = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2024, 11, 20))
    row = next(m for m in rep["months"] if m["month"] == "2024-10")

    assert row["count"] == 2
    assert row["snapshot"]["count"] == 3
    assert row["difference"] == -1 and row["restated"]
    assert rep["restated_months"] == ["2024-10"]
    assert MonthlySnapshot.objects.get().figures["count"] == 3  # never silently changed


def test_an_unchanged_finalised_month_is_not_restated(october, manager):
    services.monthly_snapshot_finalise(year=2024, month=10, finalised_by=manager, today=TODAY)

    rep = accompanied_activity_report(fiscal_year=2024, today=TODAY)
    row = next(m for m in rep["months"] if m["month"] == "2024-10")

    assert row["difference"] == 0 and not row["restated"]
