"""Targets are data: seeded from the plan, none where the plan sets none, editable by managers only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from network import services as network_services
from network.models import Agency
from reports import indicators, services
from reports.models import IndicatorDefinition, Target
from reports.selectors import (
    accompanied_activity_report,
    centre_usage_summary,
    network_meeting_summary,
    target_value,
)


def test_seeding_is_registered_with_seed_master_and_loads_the_plans_targets(db):
    report = network_services.master_data_seed()

    assert report["indicators"].created == len(indicators.INDICATORS)
    assert target_value(indicator="accompanied_activities", fiscal_year=2022) == 240
    assert target_value(indicator="accompanied_activities", fiscal_year=2024) == 280
    assert target_value(indicator="network_meetings", fiscal_year=2022) == 6
    assert target_value(indicator="network_meetings", fiscal_year=2024) == 7


def test_a_year_the_plan_left_blank_has_no_target(seeded):
    rep = accompanied_activity_report(fiscal_year=2023, today=datetime.date(2023, 10, 15))

    assert rep["target"] is None
    assert {m["expected"] for m in rep["months"]} == {None}
    assert rep["progress"] is None and rep["expected_to_date"] is None


def test_centre_targets_per_centre_and_year(seeded):
    kinds = ("usage", "consultations", "community_support")
    fy2024 = {r["centre"]: [r[k]["target"] for k in kinds] for r in centre_usage_summary(fiscal_year=2024)}
    fy2022 = {r["centre"]: [r[k]["target"] for k in kinds] for r in centre_usage_summary(fiscal_year=2022)}

    assert fy2024["centre-tanaka"] == [1200, 89, 940]
    assert fy2024["centre-nanbu"] == [660, 119, 310]
    assert fy2024["centre-shintomi"] == [625, 93, 294]
    assert fy2022["centre-tanaka"] == [1150, 86, 939]
    assert fy2022["centre-nanbu"] == [610, 116, 296]
    assert fy2022["centre-shintomi"] == [575, 90, 280]
    assert fy2024["centre-hokubu"] == [None, None, None]


def test_reseeding_keeps_a_managers_change_of_a_target(seeded):
    Target.objects.filter(indicator__code="accompanied_activities", fiscal_year=2024).update(value=300)

    services.indicator_master_data_seed()

    assert target_value(indicator="accompanied_activities", fiscal_year=2024) == 300
    assert Target.objects.filter(fiscal_year=2023).count() == 0


def test_expected_pace_is_target_times_months_elapsed_over_twelve(seeded):
    rep = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 6, 1))

    assert [m["expected"] for m in rep["months"]][:3] == [23.3, 46.7, 70.0]
    assert rep["months"][-1]["expected"] == 280


def test_projection_extrapolates_the_pace_so_far(seeded, case, caseworker, partner):
    from tests import factories

    from .conftest import jst

    for day in range(1, 11):  # 10 activities in April and May
        factories.log_activity(case, by=caseworker, when=jst(2024, 4 + day % 2, day), agencies=[partner])

    rep = accompanied_activity_report(fiscal_year=2024, through=(2024, 5), today=datetime.date(2026, 1, 1))

    assert rep["months_elapsed"] == 2
    assert rep["projection"] == 60
    assert rep["expected_to_date"] == round(280 * 2 / 12, 1)


def test_network_meetings_count_against_their_target(seeded):
    from network.meetings import network_meeting_record

    network_meeting_record(held_on=datetime.date(2024, 4, 1), theme="連携の場 第1回")
    network_meeting_record(held_on=datetime.date(2025, 3, 31), theme="連携の場 第2回")
    network_meeting_record(held_on=datetime.date(2025, 4, 1), theme="翌年度")

    assert network_meeting_summary(fiscal_year=2024) == {"count": 2, "target": 7, "progress": 28.6}


def test_managers_set_and_clear_targets_and_others_may_not(seeded, manager, caseworker):
    services.target_set(indicator="accompanied_activities", fiscal_year=2023, value=260, set_by=manager)
    assert target_value(indicator="accompanied_activities", fiscal_year=2023) == 260

    services.target_set(indicator="accompanied_activities", fiscal_year=2023, value=None, set_by=manager)
    assert target_value(indicator="accompanied_activities", fiscal_year=2023) is None

    with pytest.raises(PermissionDenied):
        services.target_set(indicator="accompanied_activities", fiscal_year=2023, value=1, set_by=caseworker)


def test_a_centre_target_needs_a_centre(seeded, manager):
    from django.core.exceptions import ValidationError

    not_centre = Agency.objects.get(code="houkatsu-tanaka")

    with pytest.raises(ValidationError):
        services.target_set(
            indicator="centre_usage", fiscal_year=2025, value=1, centre=not_centre, set_by=manager
        )


def test_indicator_definitions_carry_name_and_unit(seeded):
    meetings = IndicatorDefinition.objects.get(code="network_meetings")

    assert meetings.unit == "回"
