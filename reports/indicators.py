"""The plan's indicators (DESIGN.md §2): their definitions, the targets the plan sets, and the one
counting rule of 伴走支援活動延件数, which every figure, drill-down and export of the report reads.

Targets here are what `seed_master` loads; after that they are data, edited by managers. A year the plan
left blank (FY2023 for 延件数) has no entry and so no target.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from casework.models import Activity
from network.fiscal import fiscal_year_bounds

ACCOMPANIED_ACTIVITIES = "accompanied_activities"
CENTRE_USAGE = "centre_usage"
CENTRE_CONSULTATIONS = "centre_consultations"
CENTRE_COMMUNITY_SUPPORT = "centre_community_support"
NETWORK_MEETINGS = "network_meetings"

CENTRE_INDICATORS = (CENTRE_USAGE, CENTRE_CONSULTATIONS, CENTRE_COMMUNITY_SUPPORT)


@dataclass(frozen=True)
class IndicatorSeed:
    code: str
    name: str
    unit: str
    description: str
    sort_order: int


INDICATORS: tuple[IndicatorSeed, ...] = (
    IndicatorSeed(
        ACCOMPANIED_ACTIVITIES,
        "伴走支援活動延件数",
        "件",
        "取消されていない支援経過のうち連携機関が1つ以上関わったもの。1活動1件（機関数によらない）。"
        "年度・月は東京時間で判定。",
        1,
    ),
    IndicatorSeed(
        CENTRE_USAGE, "地域いきいきセンター利用件数", "件", "センターごと・年度ごとの利用件数（全種別）。", 2
    ),
    IndicatorSeed(CENTRE_CONSULTATIONS, "うち相談件数", "件", "利用件数のうち相談。", 3),
    IndicatorSeed(CENTRE_COMMUNITY_SUPPORT, "うち地域支援件数", "件", "利用件数のうち地域支援。", 4),
    IndicatorSeed(
        NETWORK_MEETINGS, "分野を超えた社会福祉法人の連携の場 開催回数", "回", "年度内の開催回数。", 5
    ),
)


@dataclass(frozen=True)
class TargetSeed:
    indicator: str
    fiscal_year: int
    value: int
    centre: str | None = None  # centre (Agency) code, see network/master_data.py


def _centre_targets(
    centre: str, fy2022: tuple[int, int, int], fy2024: tuple[int, int, int]
) -> list[TargetSeed]:
    seeds = []
    for fiscal_year, values in ((2022, fy2022), (2024, fy2024)):
        for indicator, value in zip(CENTRE_INDICATORS, values, strict=True):
            seeds.append(TargetSeed(indicator, fiscal_year, value, centre))
    return seeds


# 第4期 地域健康福祉活動計画 (中間期見直し): FY2022 baseline targets and FY2024 targets; FY2023 not set.
PLAN_TARGETS: tuple[TargetSeed, ...] = (
    TargetSeed(ACCOMPANIED_ACTIVITIES, 2022, 240),
    TargetSeed(ACCOMPANIED_ACTIVITIES, 2024, 280),
    *_centre_targets("centre-tanaka", (1150, 86, 939), (1200, 89, 940)),
    *_centre_targets("centre-nanbu", (610, 116, 296), (660, 119, 310)),
    *_centre_targets("centre-shintomi", (575, 90, 280), (625, 93, 294)),
    TargetSeed(NETWORK_MEETINGS, 2022, 6),
    TargetSeed(NETWORK_MEETINGS, 2024, 7),
)


def counted_activities(*, fiscal_year: int, until=None) -> QuerySet[Activity]:
    """延件数: non-voided activities with at least one partner agency, in the fiscal year by Tokyo time.

    One row per activity however many agencies joined. `until` (aware datetime) cuts the year short,
    for a report "as of" a month. Matches the partial index `activity_counted`.
    """
    start, end = fiscal_year_bounds(fiscal_year)
    if until is not None and until < end:
        end = until
    return Activity.objects.filter(
        voided=False, has_partner=True, occurred_at__gte=start, occurred_at__lt=end
    )
