"""The plan's indicators (DESIGN.md §2): their definitions, the targets the plan sets, and the one
counting rule of 伴走支援活動延件数, which every figure, drill-down and export of the report reads.

Targets here are what `seed_master` loads; after that they are data, edited by managers. A year the plan
left blank (FY2023 for 延件数) has no entry and so no target.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import Coalesce, TruncDate

from casework.models import (
    Activity,
    Case,
    CaseStatus,
    DiscussedCase,
    PlanEvaluation,
    SupportMeeting,
    SupportPlan,
)
from network.fiscal import TOKYO, fiscal_year_bounds
from referrals.models import Referral, ReferralKind, ReferralStatus

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


# --- the year's figures in the national frame (issue #12) ---------------------------------------------
#
# Each count of the yearly national figures is defined once, here: what is counted, which date decides the
# month, which area a row counts for, and what is left out. reports/national.py aggregates these querysets
# by month (and category) in the database; the README's "The year's figures in the national frame" says
# the same in prose. Every queryset has the columns `day` (the date that decides the fiscal year and month:
# a DateField, or the Tokyo local date of a datetime), `area_held` (the area a row counts for) and, where
# the count is split, `category`.
#
# Area rule. A figure counts for the area that held the case on the day that decides its month, as the
# 延件数 does (DESIGN.md §2): a later transfer (移管) does not move last year's intakes, plans or closures to
# the new area. Activities store that area when they are logged; for the dates of a case (opened, plan,
# review, closed) it is the area the case was transferred *from* by its first transfer accepted after that
# day, or the case's area if there was none since. A transfer accepted on a day counts from that day. A
# meeting counts for the area team that held it.

NATIONAL_FIGURES = "national_figures"  # the report as a whole (audit rows, API)
NATIONAL_NEW_CONSULTATIONS = "new_consultations"
NATIONAL_MULTI_AGENCY_CASES = "multi_agency_cases"
NATIONAL_PLANS_MADE = "plans_made"
NATIONAL_PLANS_REVIEWED = "plans_reviewed"
NATIONAL_SUPPORT_MEETINGS = "support_meetings"
NATIONAL_SUPPORT_MEETING_CASES = "support_meeting_cases"
NATIONAL_MULTI_AGENCY_MEETINGS = "multi_agency_meetings"
NATIONAL_MULTI_AGENCY_MEETING_CASES = "multi_agency_meeting_cases"
NATIONAL_CLOSURES = "closures"

# 相談経路 rows of the national form: ReferralSource's codes in the form's order. アウトリーチ has no row on
# the form and is folded into その他; an intake without a recorded 相談経路 gets a row of its own ("not
# recorded") so a gap in the data shows instead of disappearing into その他.
NATIONAL_REFERRAL_SOURCES = ("self", "family", "minsei", "community", "agency", "government", "other")
NOT_RECORDED = "not_recorded"
# 終結理由 rows: ClosureReason's codes, already the national categories (casework 0020).
NATIONAL_CLOSURE_REASONS = (
    "goal_achieved",
    "handed_over",
    "moved",
    "deceased",
    "declined",
    "unreachable",
    "other",
)


def _date_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 4, 1)


def area_held_on(*, case: str, day: str):
    """The area that held the case on `day`: the `from_area` of the case's first transfer accepted after
    that day (Tokyo date), else the case's area now. `case` and `day` name the outer query's case id and
    date columns ("pk"/"opened_on" on Case, "case_id"/"created_on" on SupportPlan)."""
    later_transfers = (
        Referral.objects.filter(
            case=OuterRef(case),
            kind=ReferralKind.TRANSFER,
            status__in=(ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED),
            decided_at__isnull=False,
        )
        .annotate(decided_on=TruncDate("decided_at", tzinfo=TOKYO))
        .filter(decided_on__gt=OuterRef(day))
        .order_by("decided_at", "id")
        .values("from_area_id")[:1]
    )
    current = "area_id" if case == "pk" else f"{case.removesuffix('_id')}__area_id"
    return Coalesce(Subquery(later_transfers), F(current), output_field=BigIntegerField())


def national_new_consultations(*, fiscal_year: int) -> QuerySet[Case]:
    """新規相談受付件数 by 相談経路: one per case opened (受付日 `opened_on`) in the fiscal year.

    Every case counts, whatever its status now (closed, interrupted, a case that ended at screening as
    相談・情報提供のみ) and however it was entered (web, API, ledger import): each is an intake. The month is
    the opening date's. Categories: NATIONAL_REFERRAL_SOURCES, アウトリーチ folded into その他, blank as
    NOT_RECORDED. Nothing is excluded: a case cannot be voided.
    """
    start, end = _date_bounds(fiscal_year)
    return Case.objects.filter(opened_on__gte=start, opened_on__lt=end).annotate(
        day=F("opened_on"),
        area_held=area_held_on(case="pk", day="opened_on"),
        category=DbCase(
            When(referral_source__in=("other", "outreach"), then=Value("other")),
            When(referral_source="", then=Value(NOT_RECORDED)),
            default=F("referral_source"),
            output_field=CharField(),
        ),
    )


def national_multi_agency_cases(*, fiscal_year: int) -> QuerySet[Activity]:
    """多機関協働ケース数 (実件数): the distinct cases with at least one counted activity — the 延件数 rule,
    `counted_activities`: not voided, done together with at least one partner agency — in the period.

    Why this rule: it is what "handled as a multi-agency case" means in the records we keep (support work
    actually done with another agency), it is the 実件数 the 延件数 report already shows, so the two reports
    agree, and it is dated (Tokyo time of the activity). Cases discussed at a 支援会議 or 重層的支援会議 are
    counted in their own rows below, not folded in here. A case counts once per month and once per year:
    the year's figure is the distinct cases of the year, not the sum of the months. The area is the
    activity's (the area that held the case when the work was done). Voided activities and activities with
    no partner agency are excluded.
    """
    return counted_activities(fiscal_year=fiscal_year).annotate(
        day=TruncDate("occurred_at", tzinfo=TOKYO), area_held=F("area_id")
    )


def national_plans_made(*, fiscal_year: int) -> QuerySet[SupportPlan]:
    """プラン作成件数: a case's first plan (プランシート), by its 作成日 `created_on`.

    A later plan of the same case is a revision and counts under プラン見直し, not here. A case that had a
    plan before the fiscal year and gets a new one in it is not counted here either. Ties on the same day
    are ordered by id (the first recorded is the first plan).
    """
    start, end = _date_bounds(fiscal_year)
    earlier = SupportPlan.objects.filter(case=OuterRef("case")).filter(
        Q(created_on__lt=OuterRef("created_on")) | Q(created_on=OuterRef("created_on"), id__lt=OuterRef("id"))
    )
    return (
        SupportPlan.objects.filter(created_on__gte=start, created_on__lt=end)
        .filter(~Exists(earlier))
        .annotate(day=F("created_on"), area_held=area_held_on(case="case_id", day="created_on"))
    )


def national_plans_reviewed(*, fiscal_year: int) -> QuerySet[PlanEvaluation]:
    """プラン見直し/評価件数: plan evaluations (評価シート), by their 評価日 `evaluated_on`.

    Every recorded evaluation counts, whatever its decision (継続, プランの見直し, 終結): each is a review of
    the plan. The area is the one that held the plan's case on the evaluation day. A revised plan written
    after a プランの見直し decision is not counted again here (nor under プラン作成, which counts first
    plans only).
    """
    start, end = _date_bounds(fiscal_year)
    return PlanEvaluation.objects.filter(evaluated_on__gte=start, evaluated_on__lt=end).annotate(
        day=F("evaluated_on"),
        area_held=area_held_on(case="plan__case_id", day="evaluated_on"),
    )


def national_meetings(*, fiscal_year: int, kind: str) -> QuerySet[SupportMeeting]:
    """支援会議 / 重層的支援会議 開催回数: meeting records of that kind by their 開催日 `held_on`, for the
    area team that held them. ケース会議 records are not counted (the national frame has no row for them); a
    支援会議 registration recorded without a meeting record is a sharing basis, not a meeting held."""
    start, end = _date_bounds(fiscal_year)
    return SupportMeeting.objects.filter(kind=kind, held_on__gte=start, held_on__lt=end).annotate(
        day=F("held_on"), area_held=F("area_id")
    )


def national_meeting_cases(*, fiscal_year: int, kind: str) -> QuerySet[DiscussedCase]:
    """Cases discussed at 支援会議 / 重層的支援会議 (延べ): one per case per meeting (DiscussedCase), by the
    meeting's date and area team; a case discussed at three meetings counts three times."""
    start, end = _date_bounds(fiscal_year)
    return DiscussedCase.objects.filter(
        meeting__kind=kind, meeting__held_on__gte=start, meeting__held_on__lt=end
    ).annotate(day=F("meeting__held_on"), area_held=F("meeting__area_id"))


def national_closures(*, fiscal_year: int) -> QuerySet[Case]:
    """終結件数 by 終結理由: cases closed now (status 終結) whose 終結日 `closed_on` falls in the fiscal year.

    The closure in force counts: a case closed and later reopened is not a closure (reopening clears the
    date and the reason, the status history keeps the story); if it is closed again, the new date counts.
    Categories: NATIONAL_CLOSURE_REASONS. 中断 is not a closure and is not counted.
    """
    start, end = _date_bounds(fiscal_year)
    return Case.objects.filter(status=CaseStatus.CLOSED, closed_on__gte=start, closed_on__lt=end).annotate(
        day=F("closed_on"),
        area_held=area_held_on(case="pk", day="closed_on"),
        category=F("closure_reason"),
    )
