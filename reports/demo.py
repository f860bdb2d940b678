"""Synthetic report data for the demo (seed_demo): centre usage tallies, network meetings and the action
plan's ◎ 〇 △, so the managers' pages show shapes. Counts, invented topics and invented plan items only:
no personal data. Each part fills only an empty table, so running seed_demo twice changes nothing."""

from __future__ import annotations

import calendar
import datetime
import random

from network.fiscal import fiscal_months, fiscal_year_of_date
from network.models import Agency, AgencyKind, NetworkMeeting

from . import selectors, services
from .models import ActionPlanEvaluation, ActionPlanItem, CentreUsage, CentreUsageKind, Grade

FIRST_FISCAL_YEAR = 2022
# Days of tallies per month and the size of one day's tally, per kind (a centre's month lands near its
# plan target / 12: usage ≈ 50–100, of which consultations ≈ 8, community support ≈ 25–80).
TALLY_DAYS = {CentreUsageKind.CONSULTATION: 4, CentreUsageKind.COMMUNITY_SUPPORT: 6, CentreUsageKind.OTHER: 3}
TALLY_SIZE = {
    CentreUsageKind.CONSULTATION: (1, 3),
    CentreUsageKind.COMMUNITY_SUPPORT: (3, 12),
    CentreUsageKind.OTHER: (1, 5),
}
MEETING_TOPICS = (
    "地域における公益的な取組の検討",
    "法人間の災害時相互応援",
    "居場所づくりの共同実施",
    "福祉人材の確保と合同研修",
    "生活困窮世帯への食料支援の連携",
    "ひきこもり支援の事例共有（匿名化）",
    "成年後見制度の利用促進",
    "子ども食堂への協力",
)
DEMO_PLAN_ITEMS = (
    ("ap-ibasho", "地域の居場所づくりを広げる", "つながる"),
    ("ap-soudan", "断らない相談の体制を整える", "ささえる"),
    ("ap-renkei", "社会福祉法人の連携を進める", "ささえる"),
    ("ap-volunteer", "ボランティア活動を支援する", "つながる"),
    ("ap-kouken", "権利擁護・成年後見の利用を進める", "まもる"),
    ("ap-saigai", "災害に備えた地域の支え合いをつくる", "まもる"),
    ("ap-jinzai", "福祉を担う人を育てる", "はぐくむ"),
    ("ap-kouhou", "社協の活動を伝える", "はぐくむ"),
)


def _months(today: datetime.date):
    fiscal_year = FIRST_FISCAL_YEAR
    while fiscal_year <= fiscal_year_of_date(today):
        for year, month in fiscal_months(fiscal_year):
            if datetime.date(year, month, 1) < today:
                yield year, month
        fiscal_year += 1


def centre_usage_fill(*, rng: random.Random, recorded_by, today: datetime.date) -> int:
    if CentreUsage.objects.exists():
        return 0
    written = 0
    for centre in Agency.objects.filter(is_centre=True, is_active=True).order_by("code"):
        for year, month in _months(today):
            last = min(calendar.monthrange(year, month)[1], (today - datetime.date(year, month, 1)).days)
            if last < 1:
                continue
            for kind, days in TALLY_DAYS.items():
                for day in sorted(rng.sample(range(1, last + 1), k=min(days, last))):
                    services.centre_usage_record(
                        centre=centre,
                        date=datetime.date(year, month, day),
                        kind=kind,
                        count=rng.randint(*TALLY_SIZE[kind]),
                        recorded_by=recorded_by,
                    )
                    written += 1
    return written


def network_meetings_fill(*, rng: random.Random, recorded_by, today: datetime.date) -> int:
    if NetworkMeeting.objects.exists():
        return 0
    corporations = list(Agency.objects.filter(kind=AgencyKind.SOCIAL_WELFARE_CORP, is_active=True))
    others = list(Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.SOCIAL_WELFARE_CORP))
    written = 0
    for year, month in _months(today):
        if month % 2:  # about every other month: six meetings a year, the plan's pace
            continue
        day = min(rng.randint(5, 25), (today - datetime.date(year, month, 1)).days)
        if day < 1:
            continue
        agencies = corporations + rng.sample(others, k=min(2, len(others)))
        services.network_meeting_save(
            held_on=datetime.date(year, month, day),
            theme=rng.choice(MEETING_TOPICS),
            agencies=agencies,
            saved_by=recorded_by,
        )
        written += 1
    return written


def action_plan_fill(*, rng: random.Random, saved_by, today: datetime.date) -> int:
    if ActionPlanEvaluation.objects.exists():
        return 0
    for order, (code, title, section) in enumerate(DEMO_PLAN_ITEMS, start=1):
        ActionPlanItem.objects.get_or_create(
            code=code, defaults={"title": f"{title}（デモ）", "section": section, "sort_order": order}
        )
    items = list(ActionPlanItem.objects.all())
    written = 0
    for fiscal_year in range(FIRST_FISCAL_YEAR, fiscal_year_of_date(today)):  # ended fiscal years
        grades = {
            item.pk: rng.choices(Grade.values, weights=(3 + fiscal_year - FIRST_FISCAL_YEAR, 5, 2))[0]
            for item in items
        }
        written += services.action_plan_grades_save(fiscal_year=fiscal_year, grades=grades, saved_by=saved_by)
    return written


def demo_reports_fill(*, seed: int, manager, today: datetime.date | None = None) -> dict[str, int]:
    today = today or selectors.tokyo_today()
    rng = random.Random(seed)
    return {
        "centre usage tallies": centre_usage_fill(rng=rng, recorded_by=manager, today=today),
        "network meetings": network_meetings_fill(rng=rng, recorded_by=manager, today=today),
        "action plan grades": action_plan_fill(rng=rng, saved_by=manager, today=today),
    }
