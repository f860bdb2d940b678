"""Demo data: the master data, staff of every role, and synthetic households with years of support work.

Everything is invented (架空): names are random pairs from lists of common surnames and given names, the
city is "デモ市", phone numbers start with 000 (no such numbers exist in Japan). Writes go through the
services (case_open, member_add, plan_create, case_change_status, activity_log, activity_void) so the
demo obeys the same rules as real data; only the status history's timestamps are back-dated afterwards.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from casework import audit, meeting_services, services
from casework.demo import demo_fillers
from casework.models import (
    Activity,
    ActivityKind,
    Case,
    CaseStatus,
    CaseStatusChange,
    ClosureReason,
    ContactMethod,
    HouseholdMember,
    IssueTag,
    MeetingKind,
    ReferralSource,
    Relationship,
    ScreeningOutcome,
    Sex,
    SupportPlan,
    Urgency,
)
from network import master_data
from network.fiscal import TOKYO, fiscal_months, fiscal_year_bounds, fiscal_year_of_date, reiwa_label
from network.management.commands.create_staff import validation_message
from network.management.commands.seed_master import write_seed_report
from network.models import Agency, AgencyKind, Area, Role, User
from network.services import StaffNames, master_data_seed, staff_create_or_update

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"  # demo only: published on purpose
DEMO_PASSWORD = "demo-pass-2024"
FIRST_FISCAL_YEAR = 2022  # activities from April 2022 (令和4年度) to yesterday
EARLIEST_OPENING = datetime.date(2021, 10, 1)  # some cases were already open when FY2022 began
# 延件数 shape: activities per fiscal year for 300 households; ~60% have partners, so FY2022 lands
# near the plan's target of 240 activities with partner agencies.
ACTIVITIES_PER_YEAR_BASE = 420
ACTIVITIES_PER_YEAR_GROWTH = 40
PARTNER_SHARE = 0.6
VOID_SHARE = 0.01


# --- staff ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    team: str = ""  # area or agency code


DEMO_AGENCY_STAFF = ("jiritsu-soudan", "shougai-kikan", "kodomo-katei")


def demo_logins() -> list[DemoLogin]:
    logins = []
    for area in master_data.AREAS:
        logins.append(DemoLogin(f"cw_{area.code}", Role.CASEWORKER, area.code))
        logins.append(DemoLogin(f"coord_{area.code}", Role.COORDINATOR, area.code))
    for code in [f"houkatsu-{area.code}" for area in master_data.AREAS] + list(DEMO_AGENCY_STAFF):
        logins.append(DemoLogin(f"agency_{code.replace('-', '_')}", Role.AGENCY, code))
    logins.append(DemoLogin("manager", Role.MANAGER))
    logins.append(DemoLogin("auditor", Role.AUDITOR))
    return logins


def demo_staff_names(index: int) -> StaffNames:
    """An invented display name for the demo account at `index` (the same every run)."""
    family, family_kana = SURNAMES[(index * 7) % len(SURNAMES)]
    given_names = GIVEN_NAMES[Sex.FEMALE if index % 2 == 0 else Sex.MALE]
    given, given_kana = given_names[(index * 3) % len(given_names)]
    return StaffNames(family, given, family_kana, given_kana)


# --- invented people -----------------------------------------------------------------------------


def _name_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """'佐藤:サトウ 鈴木:スズキ' -> (("佐藤", "サトウ"), ("鈴木", "スズキ"))"""
    return tuple((kanji, kana) for kanji, kana in (item.split(":") for item in text.split()))


SURNAMES = _name_pairs("""
    佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ 山本:ヤマモト 中村:ナカムラ
    小林:コバヤシ 加藤:カトウ 吉田:ヨシダ 山田:ヤマダ 佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ
    木村:キムラ 林:ハヤシ 斎藤:サイトウ 清水:シミズ 山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト 阿部:アベ
    石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 石井:イシイ 小川:オガワ 前田:マエダ 岡田:オカダ 長谷川:ハセガワ
    藤田:フジタ 後藤:ゴトウ 近藤:コンドウ 村上:ムラカミ 遠藤:エンドウ 青木:アオキ 坂本:サカモト
""")
GIVEN_NAMES = {
    Sex.FEMALE: _name_pairs("""
        花子:ハナコ 陽子:ヨウコ 恵子:ケイコ 美咲:ミサキ 由美:ユミ 幸子:サチコ 直子:ナオコ 真由美:マユミ
        さくら:サクラ 結衣:ユイ 陽菜:ヒナ 和子:カズコ 久美子:クミコ 明美:アケミ 葵:アオイ
    """),
    Sex.MALE: _name_pairs("""
        太郎:タロウ 一郎:イチロウ 健:ケン 誠:マコト 浩:ヒロシ 大輔:ダイスケ 翔太:ショウタ 隆:タカシ 茂:シゲル
        悠真:ユウマ 蓮:レン 勇:イサム 拓也:タクヤ 修:オサム 湊:ミナト
    """),
}

# The person at the centre of support: an age range per main issue, and who else tends to live there.
HOUSEHOLD_SHAPES: dict[str, tuple[tuple[int, int], tuple[str, ...]]] = {
    IssueTag.P8050: ((45, 58), (Relationship.PARENT, Relationship.PARENT)),
    IssueTag.DOUBLE_CARE: ((35, 50), (Relationship.CHILD, Relationship.PARENT, Relationship.SPOUSE)),
    IssueTag.HIKIKOMORI: ((20, 45), (Relationship.PARENT, Relationship.SIBLING)),
    IssueTag.DEMENTIA: ((75, 92), (Relationship.SPOUSE, Relationship.CHILD)),
    IssueTag.YOUNG_CARER: ((12, 17), (Relationship.PARENT, Relationship.GRANDPARENT, Relationship.SIBLING)),
    IssueTag.ABUSE: ((4, 15), (Relationship.PARENT, Relationship.PARENT, Relationship.SIBLING)),
}
DEFAULT_SHAPE = (
    (25, 80),
    (Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT, Relationship.SIBLING),
)
AGE_OFFSETS = {
    Relationship.SPOUSE: (-5, 5),
    Relationship.PARENT: (24, 36),
    Relationship.CHILD: (-36, -24),
    Relationship.SIBLING: (-8, 8),
    Relationship.GRANDPARENT: (48, 62),
    Relationship.GRANDCHILD: (-62, -48),
}

MAIN_ISSUE_WEIGHTS = {
    IssueTag.P8050: 12,
    IssueTag.DOUBLE_CARE: 6,
    IssueTag.HIKIKOMORI: 10,
    IssueTag.POVERTY: 16,
    IssueTag.ABUSE: 3,
    IssueTag.DV: 3,
    IssueTag.DISABILITY: 8,
    IssueTag.DEMENTIA: 9,
    IssueTag.YOUNG_CARER: 4,
    IssueTag.HOARDING: 4,
    IssueTag.MENTAL_HEALTH: 8,
    IssueTag.DEBT: 5,
    IssueTag.HOUSING: 4,
    IssueTag.EMPLOYMENT: 3,
    IssueTag.ISOLATION: 4,
    IssueTag.OTHER: 1,
}
# Which kinds of agency a problem tends to bring in.
ISSUE_AGENCY_KINDS: dict[str, tuple[str, ...]] = {
    IssueTag.P8050: (AgencyKind.COMPREHENSIVE_CARE, AgencyKind.SELF_RELIANCE),
    IssueTag.DOUBLE_CARE: (AgencyKind.COMPREHENSIVE_CARE, AgencyKind.CHILD_FAMILY),
    IssueTag.HIKIKOMORI: (AgencyKind.SELF_RELIANCE, AgencyKind.DISABILITY),
    IssueTag.POVERTY: (AgencyKind.SELF_RELIANCE, AgencyKind.CITY_OFFICE),
    IssueTag.ABUSE: (AgencyKind.CHILD_FAMILY, AgencyKind.CITY_OFFICE, AgencyKind.COMPREHENSIVE_CARE),
    IssueTag.DV: (AgencyKind.CITY_OFFICE, AgencyKind.CHILD_FAMILY),
    IssueTag.DISABILITY: (AgencyKind.DISABILITY, AgencyKind.SOCIAL_WELFARE_CORP),
    IssueTag.DEMENTIA: (AgencyKind.COMPREHENSIVE_CARE,),
    IssueTag.YOUNG_CARER: (AgencyKind.CHILD_FAMILY, AgencyKind.COMPREHENSIVE_CARE),
    IssueTag.HOARDING: (AgencyKind.COMPREHENSIVE_CARE, AgencyKind.CITY_OFFICE),
    IssueTag.MENTAL_HEALTH: (AgencyKind.DISABILITY, AgencyKind.CITY_OFFICE),
    IssueTag.DEBT: (AgencyKind.SELF_RELIANCE,),
    IssueTag.HOUSING: (AgencyKind.SELF_RELIANCE, AgencyKind.SOCIAL_WELFARE_CORP, AgencyKind.CITY_OFFICE),
    IssueTag.EMPLOYMENT: (AgencyKind.SELF_RELIANCE, AgencyKind.SOCIAL_WELFARE_CORP),
    IssueTag.ISOLATION: (AgencyKind.COMPREHENSIVE_CARE, AgencyKind.COUNCIL, AgencyKind.SOCIAL_WELFARE_CORP),
    IssueTag.OTHER: (AgencyKind.CITY_OFFICE,),
}
SUMMARIES = {
    IssueTag.P8050: "高齢の親と無職の子の二人暮らし。親の入院を機に今後の生活に不安。",
    IssueTag.DOUBLE_CARE: "子育てと親の介護が重なり、主たる介護者が疲弊している。",
    IssueTag.HIKIKOMORI: "数年来自宅にひきこもりがち。家族が本人との関わり方に悩んでいる。",
    IssueTag.POVERTY: "収入が減り家賃と公共料金の滞納が続いている。",
    IssueTag.ABUSE: "学校から子どもの様子について相談があった。",
    IssueTag.DV: "配偶者からの暴言が続き、避難先と今後の生活について相談。",
    IssueTag.DISABILITY: "障害のある家族の支援者が高齢になり、今後の支援体制に不安。",
    IssueTag.DEMENTIA: "物忘れが進み、金銭管理と服薬管理が難しくなっている。",
    IssueTag.YOUNG_CARER: "中学生が家族の世話のため欠席がちになっている。",
    IssueTag.HOARDING: "自宅にごみが溜まり、近隣から心配の声が寄せられた。",
    IssueTag.MENTAL_HEALTH: "精神的な不調で通院が途切れ、生活リズムが乱れている。",
    IssueTag.DEBT: "複数の借入れがあり返済の見通しが立たない。",
    IssueTag.HOUSING: "立ち退きを求められ、転居先が見つからない。",
    IssueTag.EMPLOYMENT: "離職後、再就職がうまくいかず生活が不安定。",
    IssueTag.ISOLATION: "身寄りがなく地域とのつながりが途絶えている。",
    IssueTag.OTHER: "複数の困りごとが重なっている。",
}
WISHES = (
    "今の家で暮らし続けたい。",
    "家族に負担をかけずに生活したい。",
    "少しずつ外に出られるようになりたい。",
    "借金の心配をせずに暮らしたい。",
    "働いて自分の収入を得たい。",
    "困ったときに相談できる人がほしい。",
)
GOALS = (
    ("地域の中で安心して暮らし続ける。", "生活リズムを整え、週1回は外出する。"),
    ("家計を立て直し、安定した生活を送る。", "家計表をつけ、滞納を解消する。"),
    ("家族それぞれが無理なく暮らせる体制をつくる。", "介護サービスの利用を開始する。"),
    ("本人の望む形で社会とつながる。", "居場所に月2回参加する。"),
)
AGENCY_ROLES = {
    AgencyKind.COMMUNITY_CENTRE: "支援の方向性と役割分担の調整",
    AgencyKind.COMPREHENSIVE_CARE: "介護保険サービスの調整と見守り",
    AgencyKind.DISABILITY: "障害福祉サービスの利用調整",
    AgencyKind.CHILD_FAMILY: "子どもの見守りと家庭支援",
    AgencyKind.SELF_RELIANCE: "家計改善支援と就労準備支援",
    AgencyKind.SOCIAL_WELFARE_CORP: "居場所と社会参加の場の提供",
    AgencyKind.CITY_OFFICE: "制度利用の手続き支援",
    AgencyKind.COUNCIL: "地域の見守り体制づくり",
    AgencyKind.OTHER: "必要に応じた支援",
}
FREQUENCIES = ("週1回", "2週に1回", "月1回", "随時")
# The plan sheet's second goal: what the person (and family) do themselves, with the caseworker alongside.
OWN_GOALS = (
    ("通院と服薬を続ける。", "person", "毎朝の服薬をカレンダーで確認する", "毎日"),
    ("困ったときに相談できる相手を持つ。", "person", "月1回、相談窓口に来所する", "月1回"),
    ("家族の負担を分け合う。", "family", "家族会議で介護の分担を話し合う", "月1回"),
    ("地域の集まりに顔を出す。", "person", "サロンの見学に行く", "2週に1回"),
)
AGREEMENT_METHODS = (("signed", 7), ("verbal", 2), ("proxy", 1))
EVALUATION_NOTES = {
    "achieved": "目標を達成した。",
    "partly": "取組は続いているが、まだ途中である。",
    "not_achieved": "状況が変わり、目標に届かなかった。",
}

# The assessment sheet (インテーク・アセスメントシート): what each domain says when it is a concern, and
# which domains each issue touches.
DOMAIN_NOTES = {
    "health": "通院が途切れがちで、服薬の管理が難しい。",
    "daily_living": "食事や掃除が滞りがちで、身の回りのことに手助けが要る。",
    "economy": "収入が不安定で、公共料金や家賃の滞納がある。",
    "work": "就労経験はあるが離職中で、働くことへの不安が強い。",
    "housing": "住まいの維持が難しく、転居を考える必要がある。",
    "family": "家族の介護や世話を一人で担っており、負担が大きい。",
    "social": "近所づきあいが少なく、外出の機会が限られている。",
    "rights": "金銭管理や契約の場面で、判断の支えが要る。",
}
ISSUE_DOMAINS = {
    IssueTag.P8050: ("family", "economy", "social"),
    IssueTag.DOUBLE_CARE: ("family", "work"),
    IssueTag.HIKIKOMORI: ("social", "work"),
    IssueTag.POVERTY: ("economy", "housing"),
    IssueTag.ABUSE: ("rights", "family"),
    IssueTag.DV: ("rights", "housing"),
    IssueTag.DISABILITY: ("health", "daily_living"),
    IssueTag.DEMENTIA: ("health", "rights", "daily_living"),
    IssueTag.YOUNG_CARER: ("family", "work"),
    IssueTag.HOARDING: ("daily_living", "housing"),
    IssueTag.MENTAL_HEALTH: ("health", "social"),
    IssueTag.DEBT: ("economy", "rights"),
    IssueTag.HOUSING: ("housing",),
    IssueTag.EMPLOYMENT: ("work", "economy"),
    IssueTag.ISOLATION: ("social",),
    IssueTag.OTHER: ("daily_living",),
}
LIFE_HISTORIES = (
    "市内で生まれ育ち、高校卒業後は製造業で長く働いてきた。",
    "結婚を機に市内へ転居。子育てを終えてからはパート勤務を続けてきた。",
    "県外の出身で、20代で市内に移り住んだ。親族とは疎遠になっている。",
)
STRENGTHS = (
    "困りごとを自分の言葉で話すことができる。",
    "近所に気にかけてくれる知人がいる。",
    "毎朝の散歩を続けており、体力がある。",
    "家族を大切に思う気持ちが強い。",
)

REFERRAL_SOURCE_WEIGHTS = {
    ReferralSource.SELF: 25,
    ReferralSource.FAMILY: 20,
    ReferralSource.AGENCY: 35,
    ReferralSource.MINSEI: 10,
    ReferralSource.OUTREACH: 10,
}
CLOSURE_WEIGHTS = {
    ClosureReason.GOAL_ACHIEVED: 45,
    ClosureReason.HANDED_OVER: 15,
    ClosureReason.UNREACHABLE: 10,
    ClosureReason.MOVED: 10,
    ClosureReason.DECEASED: 5,
    ClosureReason.DECLINED: 10,
    ClosureReason.OTHER: 5,
}

# Kinds and lengths of activities, with and without partner agencies.
KINDS_WITH_PARTNER = {
    ActivityKind.ACCOMPANY: 25,
    ActivityKind.CONFERENCE: 20,
    ActivityKind.VISIT: 20,
    ActivityKind.INTERVIEW: 15,
    ActivityKind.PHONE: 10,
    ActivityKind.MAIL: 5,
    ActivityKind.OTHER: 5,
}
KINDS_ALONE = {
    ActivityKind.VISIT: 30,
    ActivityKind.PHONE: 30,
    ActivityKind.OFFICE: 20,
    ActivityKind.INTERVIEW: 10,
    ActivityKind.MAIL: 5,
    ActivityKind.OTHER: 5,
}
MINUTES = {
    ActivityKind.VISIT: (30, 90),
    ActivityKind.OFFICE: (30, 90),
    ActivityKind.PHONE: (5, 30),
    ActivityKind.ACCOMPANY: (60, 180),
    ActivityKind.INTERVIEW: (30, 90),
    ActivityKind.CONFERENCE: (45, 120),
    ActivityKind.MAIL: (5, 20),
    ActivityKind.OTHER: (10, 60),
}
INTAKE_KINDS = {
    ContactMethod.OFFICE: ActivityKind.OFFICE,
    ContactMethod.PHONE: ActivityKind.PHONE,
    ContactMethod.VISIT: ActivityKind.VISIT,
    ContactMethod.MAIL: ActivityKind.MAIL,
}
NOTES = {
    ActivityKind.VISIT: "自宅を訪問し、本人と面談。生活状況と体調を確認した。",
    ActivityKind.OFFICE: "本人が来所。困りごとの経過を聞き取り、次回の相談日を決めた。",
    ActivityKind.PHONE: "電話で近況を確認。大きな変化はなし。",
    ActivityKind.ACCOMPANY: "本人に同行し、手続きの窓口で説明を受けた。",
    ActivityKind.INTERVIEW: "面談で今後の希望を確認した。",
    ActivityKind.CONFERENCE: "支援会議で支援の方向性と各機関の役割分担を確認した。",
    ActivityKind.MAIL: "必要書類を郵送し、記入方法を案内した。",
    ActivityKind.OTHER: "関係者と情報を整理した。",
}


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


# --- the plan of one household, before anything is written -------------------------------------


@dataclass
class Household:
    area: Area
    opened_on: datetime.date
    main_issue: str
    issues: list[str]
    screening: str  # "" while still at intake
    steps: list[tuple[str, datetime.date]]  # status changes after intake, in order
    closure_reason: str = ""
    active_until: datetime.date = datetime.date.max  # last day support work happens
    contact_method: str = ""
    referral_agency: Agency | None = None
    agency_weights: dict[Agency, int] = field(default_factory=dict)
    case: Case | None = None


class DemoBuilder:
    def __init__(self, *, households: int, seed: int, stdout):
        self.rng = random.Random(seed)
        self.count = households
        self.stdout = stdout
        self.today = timezone.localdate()
        self.last_day = self.today - datetime.timedelta(days=1)  # nothing today or later: never in the future
        self.areas = list(
            Area.objects.prefetch_related("community_areas").select_related("coordinating_centre")
        )
        self.agencies = list(Agency.objects.filter(is_active=True, is_centre=False))
        logins = {login.username: login for login in demo_logins()}
        users = {user.username: user for user in User.objects.filter(username__in=logins)}
        self.caseworkers = {a.code: users[f"cw_{a.code}"] for a in self.areas if f"cw_{a.code}" in users}
        self.coordinators = {
            a.code: users[f"coord_{a.code}"] for a in self.areas if f"coord_{a.code}" in users
        }
        self.areas = [a for a in self.areas if a.code in self.caseworkers and a.code in self.coordinators]
        self.status_dates: dict[int, list[datetime.date]] = {}
        self.seed = seed

    # planning ---------------------------------------------------------------------------------

    def plan_household(self) -> Household:
        rng = self.rng
        # 田中 is the largest area (its centre's targets are about twice the others').
        area = rng.choices(self.areas, weights=[2 if a.code == "tanaka" else 1 for a in self.areas])[0]
        opened_on = _between(rng, EARLIEST_OPENING, self.last_day)
        main = _weighted(rng, MAIN_ISSUE_WEIGHTS)
        extra = rng.sample([t for t in IssueTag.values if t != main], k=rng.choice((0, 1, 1, 2, 2, 3)))
        household = Household(
            area=area, opened_on=opened_on, main_issue=main, issues=[main, *extra], screening="", steps=[]
        )
        self._plan_lifecycle(household)
        preferred = {kind for tag in household.issues for kind in ISSUE_AGENCY_KINDS[tag]}
        household.agency_weights = {
            agency: (6 if agency.kind in preferred else 1)
            for agency in self.agencies
            if agency.area_id in (None, area.pk)
        }
        return household

    def _plan_lifecycle(self, household: Household) -> None:
        rng, start = self.rng, household.opened_on

        def day(offset: int) -> datetime.date:
            return start + datetime.timedelta(days=offset)

        screening = rng.choices(
            [ScreeningOutcome.PLAN, ScreeningOutcome.LINKED, ScreeningOutcome.INFO_ONLY], weights=[70, 15, 15]
        )[0]
        assessed, planned = day(rng.randint(3, 20)), day(rng.randint(21, 45))
        if screening == ScreeningOutcome.INFO_ONLY:
            steps, end, reason = [], day(rng.randint(0, 21)), ClosureReason.OTHER
        elif screening == ScreeningOutcome.LINKED:
            steps, end, reason = (
                [(CaseStatus.ASSESSMENT, assessed)],
                day(rng.randint(21, 75)),
                ClosureReason.HANDED_OVER,
            )
        else:
            # プラン作成 → 支援中 → モニタリング, and for long cases a re-plan (再プラン) cycle after that.
            end = day(rng.randint(150, 1000))
            reason = _weighted(rng, CLOSURE_WEIGHTS)
            steps = [(CaseStatus.ASSESSMENT, assessed)]
            plan_on = planned
            while plan_on < end:
                support = plan_on + datetime.timedelta(days=rng.randint(7, 21))
                monitoring = support + datetime.timedelta(days=rng.randint(90, 180))
                steps += [
                    (CaseStatus.PLANNING, plan_on),
                    (CaseStatus.SUPPORT, support),
                    (CaseStatus.MONITORING, monitoring),
                ]
                plan_on = monitoring + datetime.timedelta(days=rng.randint(60, 240))
        final = (
            CaseStatus.INTERRUPTED
            if screening == ScreeningOutcome.PLAN and rng.random() < 0.12
            else CaseStatus.CLOSED
        )
        steps = [(status, on) for status, on in steps if on < end and on <= self.last_day]
        if end <= self.last_day:
            steps.append((final, end))
            household.closure_reason = reason if final == CaseStatus.CLOSED else ""
            household.active_until = end
        else:
            household.active_until = self.last_day
        household.steps = steps
        # The screening outcome is known once the case leaves intake.
        household.screening = screening if steps else ""

    # writing ----------------------------------------------------------------------------------

    def _person(self, sex: str) -> tuple[str, str]:
        return self.rng.choice(GIVEN_NAMES[sex])

    def _birth_date(self, age: int, on: datetime.date) -> datetime.date:
        return datetime.date(on.year - age, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 364))

    def write_household(self, household: Household) -> None:
        rng, area = self.rng, household.area
        caseworker = self.caseworkers[area.code]
        surname, surname_kana = rng.choice(SURNAMES)
        (low, high), relatives = HOUSEHOLD_SHAPES.get(household.main_issue, DEFAULT_SHAPE)
        age = rng.randint(low, high)
        sex = rng.choice((Sex.FEMALE, Sex.MALE))
        given, given_kana = self._person(sex)
        community = rng.choice(list(area.community_areas.all()) or [None])
        town = community.name.split("コミュニティエリア")[0] if community else "本町"
        source = _weighted(rng, REFERRAL_SOURCE_WEIGHTS)
        referral_agency = (
            rng.choices(list(household.agency_weights), weights=list(household.agency_weights.values()))[0]
            if source == ReferralSource.AGENCY and household.agency_weights
            else None
        )
        household.contact_method = rng.choice(ContactMethod.values)
        household.referral_agency = referral_agency
        case = services.case_open(
            opened_by=caseworker,
            area=area,
            household_name=f"{surname} {given}",
            household_name_kana=f"{surname_kana} {given_kana}",
            issues=household.issues,
            main_issue=household.main_issue,
            opened_on=household.opened_on,
            lead_caseworker=caseworker,
            community_area=community,
            address=f"デモ市{town}{rng.randint(1, 5)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}",
            phone=f"000-0000-{rng.randint(0, 9999):04d}" if rng.random() < 0.8 else "",
            wishes=rng.choice(WISHES),
            consultation_summary=SUMMARIES[household.main_issue] + "（架空の事例）",
            contact_method=household.contact_method,
            referral_source=source,
            referral_agency=referral_agency,
            urgency=rng.choices(Urgency.values, weights=(30, 50, 20))[0],
            screening_outcome=household.screening,
        )
        household.case = case
        self._write_members(
            case,
            surname=surname,
            surname_kana=surname_kana,
            age=age,
            sex=sex,
            given=(given, given_kana),
            relatives=relatives,
        )
        dates = [household.opened_on]
        for status, on in household.steps:
            note = "連絡が取れなくなった（所在不明）" if status == CaseStatus.INTERRUPTED else ""
            in_force = case.plans.order_by("-created_on", "-id").first()
            if status == CaseStatus.CLOSED and in_force is not None and in_force.created_on <= on:
                # 評価 decides the closure: the case closes with the reason in the same step
                self._write_evaluation(
                    in_force,
                    on,
                    decision="close",
                    rng=self._plan_rng(case, on),
                    closure_reason=household.closure_reason,
                )
                dates.append(on)
                continue
            services.case_change_status(
                case=case,
                changed_by=self.coordinators[area.code] if status == CaseStatus.CLOSED else caseworker,
                status=status,
                closure_reason=household.closure_reason if status == CaseStatus.CLOSED else "",
                note=note,
                on=on,
            )
            dates.append(on)
            if status == CaseStatus.ASSESSMENT:
                self._write_assessment(household, on)
            elif status == CaseStatus.PLANNING and case.assessments.exists() and case.plans.exists():
                self._write_reassessment(household, on)  # a re-plan starts from a re-assessment
            if status == CaseStatus.PLANNING:  # the plan is decided at a support meeting that day
                self._write_plan(household, on)
        self._write_review(household)
        self.status_dates[case.pk] = dates

    def _write_review(self, household: Household) -> None:
        """About half of the open cases whose review date has come were evaluated then (continue); the
        others stay on their caseworker's "reviews due"."""
        case = household.case
        status = Case.objects.values_list("status", flat=True).get(pk=case.pk)  # household.case is stale
        plan = case.plans.order_by("-created_on", "-id").first()
        today = timezone.localdate()
        if status == CaseStatus.CLOSED or plan is None or plan.review_on is None or plan.review_on >= today:
            return
        rng = self._plan_rng(case, plan.review_on)
        if rng.random() < 0.5:
            self._write_evaluation(plan, plan.review_on, decision="continue", rng=rng)

    def _write_members(self, case: Case, *, surname, surname_kana, age, sex, given, relatives) -> None:
        rng = self.rng
        services.member_add(
            case=case,
            added_by=case.created_by,
            name=f"{surname} {given[0]}",
            name_kana=f"{surname_kana} {given[1]}",
            birth_date=self._birth_date(age, case.opened_on),
            sex=sex,
            relationship=Relationship.SELF,
            phone=case.phone if rng.random() < 0.5 else "",
            issues=[case.main_issue],
        )
        others = rng.choice((0, 1, 1, 2, 2, 3))
        for relationship in rng.sample(relatives, k=min(others, len(relatives))):
            low, high = AGE_OFFSETS[relationship]
            member_age = age + rng.randint(low, high)
            if member_age < 0 or member_age > 100:
                continue
            member_sex = rng.choice((Sex.FEMALE, Sex.MALE))
            member_given, member_kana = self._person(member_sex)
            services.member_add(
                case=case,
                added_by=case.created_by,
                name=f"{surname} {member_given}",
                name_kana=f"{surname_kana} {member_kana}",
                birth_date=self._birth_date(member_age, case.opened_on),
                sex=member_sex,
                relationship=relationship,
            )

    def _assessment_rng(self, case: Case, on: datetime.date) -> random.Random:
        """Its own generator per assessment, so assessments do not change the rest of the seeded story."""
        return random.Random(f"{self.seed}-assessment-{case.number}-{on.isoformat()}")

    def _write_assessment(self, household: Household, on: datetime.date) -> None:
        case = household.case
        rng = self._assessment_rng(case, on)
        concerns = {code for tag in household.issues for code in ISSUE_DOMAINS.get(tag, ())}
        content: dict[str, str] = {}
        for code in DOMAIN_NOTES:
            if code in concerns:
                main = code in ISSUE_DOMAINS.get(household.main_issue, ())
                status = "urgent" if main and rng.random() < 0.2 else "issue"
            else:
                status = rng.choices(("none", "watch", "unknown"), weights=(6, 3, 1))[0]
            content[f"{code}_status"] = status
            content[f"{code}_note"] = DOMAIN_NOTES[code] if status in ("issue", "urgent") else ""
        services.assessment_record(
            case=case,
            recorded_by=self.caseworkers[household.area.code],
            assessed_on=on,
            life_history=rng.choice(LIFE_HISTORIES) + "（架空の事例）",
            wishes=case.wishes,
            strengths=rng.choice(STRENGTHS),
            analysis=SUMMARIES[household.main_issue] + "複数の課題が絡み合っており、関係機関の連携が要る。",
            **content,
        )

    def _write_reassessment(self, household: Household, on: datetime.date) -> None:
        """Some concerns ease after a plan cycle: the re-assessment changes only those domains."""
        case = household.case
        rng = self._assessment_rng(case, on)
        latest = case.assessments.order_by("-version").first()
        changes = {}
        for code in DOMAIN_NOTES:
            if getattr(latest, f"{code}_status") in ("issue", "urgent") and rng.random() < 0.4:
                changes[f"{code}_status"] = "watch"
                changes[f"{code}_note"] = DOMAIN_NOTES[code] + "支援により改善しつつあり、見守りを続ける。"
        services.assessment_record(
            case=case, recorded_by=self.caseworkers[household.area.code], assessed_on=on, **changes
        )

    def _plan_rng(self, case: Case, on: datetime.date) -> random.Random:
        """Its own generator per plan step, so the plan sheet does not change the rest of the seeded story."""
        return random.Random(f"{self.seed}-plan-{case.number}-{on.isoformat()}")

    def _write_plan(self, household: Household, on: datetime.date) -> None:
        """プランシート: the long-term goal; goal 1 carried by the agencies, goal 2 by the person (or family)
        with the caseworker alongside; the person's agreement. A re-plan first evaluates the plan in force
        (decision: revise)."""
        rng, case = self.rng, household.case
        long_term, short_term = rng.choice(GOALS)
        agencies = list(household.agency_weights)
        chosen = (
            {
                rng.choices(agencies, weights=list(household.agency_weights.values()))[0]
                for _ in range(rng.randint(1, 3))
            }
            if agencies
            else set()
        )
        roles = []
        if household.area.coordinating_centre:
            roles.append(
                (household.area.coordinating_centre, AGENCY_ROLES[AgencyKind.COMMUNITY_CENTRE], "随時")
            )
        roles += [(agency, AGENCY_ROLES[agency.kind], rng.choice(FREQUENCIES)) for agency in chosen]
        own = self._plan_rng(case, on)
        caseworker = self.caseworkers[household.area.code]
        in_force = case.plans.order_by("-created_on", "-id").first()
        if in_force is not None and in_force.created_on <= on:
            self._write_evaluation(in_force, on, decision="revise", rng=own)
        own_goal, who, own_action, own_frequency = own.choice(OWN_GOALS)
        method = own.choices([m for m, _w in AGREEMENT_METHODS], weights=[w for _m, w in AGREEMENT_METHODS])[
            0
        ]
        services.plan_create(
            case=case,
            created_by=caseworker,
            created_on=on,
            wishes=case.wishes,
            long_term_goal=long_term,
            goals=[
                services.PlanGoalDraft(
                    text=short_term,
                    actions=[
                        services.PlanAction(
                            support=support,
                            agency=agency,
                            frequency=frequency,
                            by_when=on + datetime.timedelta(days=180) if own.random() < 0.5 else None,
                        )
                        for agency, support, frequency in roles
                    ],
                ),
                services.PlanGoalDraft(
                    text=own_goal,
                    actions=[
                        services.PlanAction(support=own_action, who=who, frequency=own_frequency),
                        services.PlanAction(
                            support="取組の様子を聞き、必要に応じて調整する",
                            who="caseworker",
                            frequency="月1回",
                        ),
                    ],
                ),
            ],
            review_on=on + datetime.timedelta(days=90),
            decided_at_meeting_on=on,
            agreed_on=on,
            agreement_method=method,
            agreement_note="長女が同席し、内容を一緒に確認した。" if method == "proxy" else "",
        )
        self._write_meeting(household, on, roles=roles, goals=(long_term, short_term))

    def _write_evaluation(
        self, plan, on: datetime.date, *, decision: str, rng: random.Random, closure_reason: str = ""
    ) -> None:
        """評価 of the plan in force: a result per goal; continue (review in 90 days), revise or close."""
        goals = list(plan.goals.order_by("order"))
        weights = (5, 4, 1) if decision == "close" else (3, 5, 2)
        results = [
            services.GoalAssessment(
                goal_id=goal.pk,
                result=(result := rng.choices(list(EVALUATION_NOTES), weights=weights)[0]),
                comment=EVALUATION_NOTES[result],
            )
            for goal in goals
        ]
        services.plan_evaluate(
            plan=plan,
            evaluated_by=self.caseworkers[plan.case.area.code],
            evaluated_on=on,
            results=results,
            decision=decision,
            next_review_on=on + datetime.timedelta(days=90) if decision == "continue" else None,
            closure_reason=closure_reason,
            comment={
                "continue": "プランを継続し、次回評価日に改めて確認する。",
                "revise": "状況の変化を踏まえ、プランを見直す。",
                "close": "支援会議で終結を確認した。",
            }[decision],
        )

    def _write_meeting(self, household: Household, on: datetime.date, *, roles, goals) -> None:
        """The meeting that decided the plan: a 支援会議 where abuse or neglect may need sharing without
        consent (§106-6), otherwise a 重層的支援会議 (sharing stays with consent)."""
        agencies = list(dict.fromkeys(agency for agency, _support, _frequency in roles))
        if not agencies:
            return
        urgent = {IssueTag.ABUSE, IssueTag.DV, IssueTag.HOARDING} & set(household.issues)
        meeting_services.meeting_record(
            recorded_by=self.caseworkers[household.area.code],
            kind=MeetingKind.SUPPORT if urgent else MeetingKind.MULTI_AGENCY,
            area=household.area,
            held_on=on,
            agencies=agencies,
            staff=[self.caseworkers[household.area.code]],
            discussions=[
                meeting_services.Discussion(
                    case=household.case,
                    decisions=f"支援方針を確認した。長期目標: {goals[0]} 短期目標: {goals[1]}（架空の事例）",
                    roles="\n".join(
                        f"{agency.name}: {support}（{frequency}）" for agency, support, frequency in roles
                    ),
                )
            ],
            next_meeting_on=on + datetime.timedelta(days=90),
            confidentiality_acknowledged=bool(urgent),
        )

    def backdate_status_history(self) -> None:
        """Status changes are stamped 'now' by the service; date them when they happened in the story."""
        changes = list(
            CaseStatusChange.objects.filter(case_id__in=self.status_dates).order_by("case_id", "id")
        )
        by_case: dict[int, list[CaseStatusChange]] = defaultdict(list)
        for change in changes:
            by_case[change.case_id].append(change)
        for case_id, rows in by_case.items():
            for change, on in zip(rows, self.status_dates[case_id], strict=False):
                change.changed_at = datetime.datetime.combine(on, datetime.time(17, 0), tzinfo=TOKYO)
        CaseStatusChange.objects.bulk_update(changes, ["changed_at"], batch_size=500)

    # activities -------------------------------------------------------------------------------

    def activities_per_year(self, fiscal_year: int) -> int:
        per_300 = ACTIVITIES_PER_YEAR_BASE + ACTIVITIES_PER_YEAR_GROWTH * (fiscal_year - FIRST_FISCAL_YEAR)
        return round(per_300 * self.count / 300)

    def write_activities(self, households: list[Household]) -> int:
        """Each case's intake consultation, then each fiscal year's activities spread over its months on
        cases being supported that day; written in date order."""
        rng = self.rng
        first_day = fiscal_year_bounds(FIRST_FISCAL_YEAR)[0].date()
        events = [(h.opened_on, h, True) for h in households if first_day <= h.opened_on <= self.last_day]
        for fiscal_year in range(FIRST_FISCAL_YEAR, fiscal_year_of_date(self.last_day) + 1):
            per_month = self.activities_per_year(fiscal_year) / 12
            for year, month in fiscal_months(fiscal_year):
                first = datetime.date(year, month, 1)
                next_first = datetime.date(year + month // 12, month % 12 + 1, 1)
                if first > self.last_day:
                    break
                last = min(next_first - datetime.timedelta(days=1), self.last_day)
                share = ((last - first).days + 1) / (next_first - first).days
                active = [h for h in households if h.opened_on <= last and h.active_until >= first]
                target = round(per_month * share * rng.uniform(0.85, 1.15))
                for _ in range(target if active else 0):
                    on = _between(rng, first, last)
                    supported = [h for h in active if h.opened_on <= on <= h.active_until]
                    if supported:
                        events.append((on, rng.choice(supported), False))
        events.sort(key=lambda event: event[0])
        written = [
            self._write_intake(household) if intake else self._write_activity(household, on)
            for on, household, intake in events
        ]
        for activity in rng.sample(written, k=round(len(written) * VOID_SHARE)):
            services.activity_void(
                activity=activity, voided_by=activity.staff, reason="重複登録のため取消（デモ）"
            )
        return len(written)

    def _when(self, on: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(
            on, datetime.time(self.rng.randint(9, 17), self.rng.choice((0, 15, 30, 45))), tzinfo=TOKYO
        )

    def _write_intake(self, household: Household) -> Activity:
        """相談受付: the first consultation, with the referring agency when one brought the case."""
        kind = INTAKE_KINDS[household.contact_method]
        partners = [household.referral_agency] if household.referral_agency else []
        note = "相談受付。困りごとと本人の希望を聞き取った。"
        if partners:
            note = f"{partners[0].name}からの紹介で同席。{note}"
        return services.activity_log(
            case=household.case,
            logged_by=self.caseworkers[household.area.code],
            occurred_at=self._when(household.opened_on),
            kind=kind,
            minutes=self.rng.randint(*MINUTES[kind]) // 5 * 5,
            partner_agencies=partners,
            note=note,
        )

    def _write_activity(self, household: Household, on: datetime.date) -> Activity:
        rng, area = self.rng, household.area
        partners: set[Agency] = set()
        if household.agency_weights and rng.random() < PARTNER_SHARE:
            agencies, weights = list(household.agency_weights), list(household.agency_weights.values())
            for _ in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
                partners.add(rng.choices(agencies, weights=weights)[0])
        kind = _weighted(rng, KINDS_WITH_PARTNER if partners else KINDS_ALONE)
        staff = self.caseworkers[area.code] if rng.random() < 0.7 else self.coordinators[area.code]
        note = NOTES[kind]
        if partners:
            note = f"{'、'.join(sorted(a.name for a in partners))}と連携。{note}"
        return services.activity_log(
            case=household.case,
            logged_by=staff,
            occurred_at=self._when(on),
            kind=kind,
            minutes=rng.randint(*MINUTES[kind]) // 5 * 5,
            partner_agencies=partners,
            note=note,
        )

    def run(self) -> dict[str, int]:
        if not self.areas:
            raise CommandError("No area has its demo caseworker and coordinator; seeding staff failed.")
        households = sorted((self.plan_household() for _ in range(self.count)), key=lambda h: h.opened_on)
        for n, household in enumerate(households, start=1):
            self.write_household(household)
            if n % 100 == 0:
                self.stdout.write(f"  {n} households")
        self.backdate_status_history()
        activities = self.write_activities(households)
        return {"households": len(households), "activities": activities}


class Command(BaseCommand):
    help = (
        "seed_master plus synthetic staff of every role and invented households with support work from "
        "April 2022 to yesterday. Households are generated only into an empty case table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=300, help="households to invent (default 300)")
        parser.add_argument("--seed", type=int, default=2024, help="random seed (same seed, same data)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even with DEBUG off (the demo accounts share a published password)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts whose password is printed below and published; it runs only with "
                "DEBUG=1 (the demo). Pass --force to seed a non-DEBUG database anyway."
            )
        if options["households"] < 0:
            raise CommandError("--households must be 0 or more.")
        token = audit.set_context(audit.AuditContext(channel="command"))
        try:
            self._seed(options)
        finally:
            audit.reset_context(token)

    def _seed(self, options) -> None:
        with transaction.atomic():
            self.stdout.write("Master data:")
            write_seed_report(self, master_data_seed())
            logins = demo_logins()
            for index, login in enumerate(logins):
                try:
                    staff_create_or_update(
                        username=login.username,
                        password=DEMO_PASSWORD,
                        role=login.role,
                        area_code=login.team if login.role in (Role.CASEWORKER, Role.COORDINATOR) else None,
                        agency_code=login.team if login.role == Role.AGENCY else None,
                        totp_secret=DEMO_TOTP_SECRET if login.role in settings.TWO_FACTOR_ROLES else None,
                        names=demo_staff_names(index),
                    )
                except ValidationError as error:
                    raise CommandError(
                        f"Demo account {login.username!r}: {validation_message(error)}"
                    ) from None
            self.stdout.write(f"Demo staff: {len(logins)} accounts ready.")
            existing = Case.objects.count()
            if existing:
                self.stdout.write(
                    f"{existing} cases already exist: no households generated (seed_demo only fills an empty "
                    "case table, so running it twice changes nothing)."
                )
            elif options["households"]:
                builder = DemoBuilder(
                    households=options["households"], seed=options["seed"], stdout=self.stdout
                )
                builder.run()
                self._write_summary()
            manager = User.objects.get(username="manager")
            for filler in demo_fillers():  # the higher apps' demo data (reports: centres, meetings, plan)
                filled = filler(seed=options["seed"], manager=manager)
                self.stdout.write(
                    "Also added: " + ", ".join(f"{n} {what}" for what, n in filled.items()) + "."
                )
        self._write_logins(logins)

    def _write_summary(self) -> None:
        self.stdout.write(
            f"Generated {Case.objects.count()} households with {HouseholdMember.objects.count()} members, "
            f"{SupportPlan.objects.count()} plans and {Activity.objects.count()} activities:"
        )
        fiscal_year = FIRST_FISCAL_YEAR
        while fiscal_year_bounds(fiscal_year)[0] <= timezone.now():
            start, end = fiscal_year_bounds(fiscal_year)
            in_year = Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
            counted = in_year.filter(voided=False, has_partner=True).count()
            self.stdout.write(
                f"  {reiwa_label(fiscal_year)}: {in_year.count()} activities, {counted} with partner agencies"
            )
            fiscal_year += 1

    def _write_logins(self, logins: list[DemoLogin]) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        self.stdout.write(f"  {'username':<{width}}  {'role':<12}  area / agency")
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<12}  {login.team or '-'}")
        self.stdout.write("")
        self.stdout.write(
            "Coordinators, managers and auditors also need a TOTP code. "
            f"Their demo secret is {DEMO_TOTP_SECRET}\n"
            "(add it to an authenticator app), or print the current code with:\n"
            "  DEBUG=1 .venv/bin/python manage.py totp_code coord_tanaka"
        )
