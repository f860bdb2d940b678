"""The synthetic city: 4 area teams, 60 agencies, 2,000 staff, 50,000 households and 1,000,000 activities over
five fiscal years at --scale 1, with realistic sharing (consents, 支援会議, referrals, transfers).

Loaded with COPY (psycopg's cursor.copy) with explicit ids; personal fields are encrypted for real with
casework.encryption.encrypt and the column's "table.column" context, blind indexes and search tokens computed
with the same functions the services use. Activities (the bulk: 1M encrypted notes) are generated in worker
processes while the main process streams them into COPY. Everything is invented (架空); phone numbers start
with 000.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import random
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections

from casework import encryption, search
from casework.models import (
    AccessBasis,
    ActivityKind,
    CaseStatus,
    ClosureReason,
    ContactMethod,
    IssueTag,
    ReferralSource,
    ScreeningOutcome,
    Urgency,
)
from network.fiscal import TOKYO, fiscal_year_bounds, fiscal_year_of_date
from network.groups import agency_group_name, area_group_name
from network.models import Agency, AgencyKind, Area, CommunityArea, Role
from network.services import master_data_seed
from reports.rollups import rebuild_rollups

# 2: search tokens (casework_casesearchtoken); 3: 延件数 roll-ups (reports); 4: their per-case states
BUILDER_VERSION = 4
UTC = datetime.UTC

FULL_CASES = 50_000
FULL_ACTIVITIES = 1_000_000
FULL_STAFF = 2_000
AGENCIES = 60  # master data: not scaled
YEARS = 5
# Work grows year on year; the last (reported, exported) year holds 26% of all activities.
YEAR_WEIGHTS = (0.14, 0.17, 0.20, 0.23, 0.26)
AREA_WEIGHTS = (0.26, 0.25, 0.25, 0.24)
PARTNER_SHARE = 0.8  # activities done together with at least one partner agency (the stress case)
VOID_SHARE = 0.01
CONSENT_SHARE = 0.35
MEETING_SHARE = 0.08
COLLABORATION_SHARE = 0.06
TRANSFER_SHARE = 0.03
CLOSED_SHARE = 0.55
AREA_STAFF_SHARE = 0.4  # of all staff; the rest work at agencies (plus a few managers and auditors)
COORDINATORS_PER_AREA_SHARE = 0.05
ACTIVITY_CHUNK = 20_000


@dataclass(frozen=True)
class Params:
    scale: float = 1.0
    seed: int = 2026
    last_fiscal_year: int = 0  # the last complete fiscal year (reported and exported)
    builder_version: int = BUILDER_VERSION
    keys: str = ""  # fingerprint of the encryption and blind-index keys (the ciphertexts depend on them)
    sizes: dict = field(default_factory=dict)

    @classmethod
    def for_scale(cls, scale: float, *, seed: int = 2026, today: datetime.date | None = None) -> Params:
        import hashlib

        today = today or datetime.datetime.now(TOKYO).date()
        keys = hashlib.sha256(
            f"{settings.FIELD_ENCRYPTION_KEYS}|{settings.BLIND_INDEX_KEY}".encode()
        ).hexdigest()
        sizes = {
            "cases": max(40, round(FULL_CASES * scale)),
            "activities": max(400, round(FULL_ACTIVITIES * scale)),
            "staff": max(4 * 3 + AGENCIES + 2, round(FULL_STAFF * scale)),
            "agencies": AGENCIES,
        }
        return cls(
            scale=scale,
            seed=seed,
            last_fiscal_year=fiscal_year_of_date(today) - 1,
            keys=keys[:16],
            sizes=sizes,
        )

    @property
    def first_fiscal_year(self) -> int:
        return self.last_fiscal_year - YEARS + 1

    def as_dict(self) -> dict:
        return asdict(self)


# --- text helpers ---------------------------------------------------------------------------------------

SURNAMES = [
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山田", "やまだ"),
    ("佐々木", "ささき"),
    ("山口", "やまぐち"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
    ("林", "はやし"),
    ("斎藤", "さいとう"),
    ("清水", "しみず"),
    ("山崎", "やまざき"),
    ("森", "もり"),
    ("池田", "いけだ"),
    ("橋本", "はしもと"),
    ("阿部", "あべ"),
    ("石川", "いしかわ"),
    ("前田", "まえだ"),
    ("藤田", "ふじた"),
    ("後藤", "ごとう"),
    ("岡田", "おかだ"),
]
GIVEN = [
    ("太郎", "たろう"),
    ("花子", "はなこ"),
    ("一郎", "いちろう"),
    ("洋子", "ようこ"),
    ("健", "けん"),
    ("恵子", "けいこ"),
    ("誠", "まこと"),
    ("幸子", "さちこ"),
    ("大輔", "だいすけ"),
    ("美咲", "みさき"),
    ("翔太", "しょうた"),
    ("陽菜", "ひな"),
    ("勇気", "ゆうき"),
    ("和子", "かずこ"),
    ("修", "おさむ"),
    ("直美", "なおみ"),
    ("拓也", "たくや"),
    ("真由美", "まゆみ"),
    ("浩", "ひろし"),
    ("千尋", "ちひろ"),
]
NOTE_PHRASES = [
    "本人宅を訪問し、生活状況と体調を確認した。",
    "母親より、息子が外出できない状態が続いていると相談があった。",
    "地域包括支援センター職員と同行し、介護保険の申請手続きを支援した。",
    "家計の状況を聞き取り、自立相談支援機関へつなぐことを提案した。",
    "支援会議にて各機関の役割分担を確認し、次回評価日を設定した。",
    "電話にて近況を確認。食料の備蓄が少ないため、フードバンクの利用を案内した。",
    "民生委員から見守りの様子について情報提供があった。",
    "障害福祉サービスの利用について、相談支援専門員と打合せを行った。",
    "滞納している家賃について、大家との話し合いに同席した。",
    "本人の希望を確認し、就労準備支援事業の見学日程を調整した。",
    "ごみの片付けについて本人の同意が得られ、次回作業日を決めた。",
    "子どもの登校状況について学校と情報共有した（本人同意あり）。",
]
STREETS = ["本町", "緑ヶ丘", "港町", "桜台", "旭町", "栄町", "松原", "青葉台", "泉町", "朝日町"]
ISSUES = IssueTag.values
KINDS = ActivityKind.values
KIND_WEIGHTS = (
    22,
    14,
    28,
    10,
    12,
    6,
    5,
    3,
)  # visit, office, phone, accompany, interview, conference, mail, other


def _esc(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _line(*values) -> str:
    return "\t".join(_esc(v) for v in values) + "\n"


def _ts(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, UTC).isoformat()


def _enc(value: str, context: str) -> str:
    return encryption.encrypt(value, context=context) if value else ""


def _note(rng: random.Random) -> str:
    return "".join(rng.choice(NOTE_PHRASES) for _ in range(rng.randint(2, 6)))


# --- COPY -----------------------------------------------------------------------------------------------


def copy_lines(table: str, columns: list[str], lines) -> int:
    """Stream lines (str, in COPY text format) into `table`; returns how many were written."""
    n = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer: list[str] = []
            for line in lines:
                buffer.append(line)
                n += 1
                if len(buffer) >= 5000:
                    copy.write("".join(buffer))
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer))
    return n


def copy_file(table: str, columns: list[str], path: str) -> None:
    with connection.cursor() as cursor, open(path, "rb") as source:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            while block := source.read(1 << 20):
                copy.write(block)


def reset_sequences(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our table names
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )


# --- the build ------------------------------------------------------------------------------------------


@dataclass
class World:
    """What the activity generator needs to know, in plain lists (shared with the forked workers)."""

    areas: list[int] = field(default_factory=list)
    area_staff: dict[int, list[int]] = field(default_factory=dict)
    agency_staff: dict[int, list[int]] = field(default_factory=dict)
    area_agencies: dict[int, list[int]] = field(default_factory=dict)
    citywide_agencies: list[int] = field(default_factory=list)
    # per case: (id, start epoch, end epoch, area id, area before a transfer, transfer epoch or 0, agencies
    # the case is shared with, the area's own and city-wide agencies)
    cases: list[tuple] = field(default_factory=list)
    by_year: dict[int, list[int]] = field(default_factory=dict)  # fiscal year → indexes into cases


def build(params: Params, *, log=print) -> dict:
    """Load the whole dataset into the (freshly migrated, empty) database Django is connected to."""
    started = time.perf_counter()
    rng = random.Random(params.seed)
    world = World()
    counts: dict[str, int] = {}
    master_data_seed()
    areas = list(Area.objects.order_by("sort_order", "code"))
    world.areas = [a.pk for a in areas]
    agencies = _agencies(areas, rng)
    for a in agencies:
        if a.area_id:
            world.area_agencies.setdefault(a.area_id, []).append(a.pk)
        else:
            world.citywide_agencies.append(a.pk)
    groups = _groups(areas, agencies)
    counts["staff"] = _staff(params, areas, agencies, groups, world, rng)
    log(
        f"  master data, {len(agencies)} agencies, {counts['staff']} staff "
        f"({time.perf_counter() - started:.1f}s)"
    )
    counts |= _cases(params, areas, agencies, groups, world, rng)
    log(f"  {counts['cases']} cases with members and sharing ({time.perf_counter() - started:.1f}s)")
    counts |= _activities(params, world)
    log(
        f"  {counts['activities']} activities, {counts['partners']} partner rows "
        f"({time.perf_counter() - started:.1f}s)"
    )
    counts["audit"] = _audit_rows()
    # COPY bypasses the services and so their roll-up marks: build the roll-ups and case states from the rows.
    count_rows, case_rows = rebuild_rollups()
    counts["rollup_rows"] = count_rows + case_rows
    log(f"  延件数 roll-ups, {counts['rollup_rows']} rows ({time.perf_counter() - started:.1f}s)")
    reset_sequences(
        [
            "network_user",
            "network_membership",
            "network_user_groups",
            "casework_case",
            "casework_caseissue",
            "casework_householdmember",
            "casework_casestatuschange",
            "casework_consent",
            "casework_consent_agencies",
            "casework_supportmeetingregistration",
            "casework_supportmeetingregistration_agencies",
            "casework_caseaccessgrant",
            "casework_casegroupobjectpermission",
            "referrals_referral",
            "casework_activity",
            "casework_activity_partner_agencies",
            "casework_auditevent",
        ]
    )
    log(f"  audit trail, sequences ({time.perf_counter() - started:.1f}s); VACUUM ANALYZE …")
    connection.close()
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # visibility map + statistics, as autovacuum would leave them
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _agencies(areas: list[Area], rng: random.Random) -> list[Agency]:
    existing = list(Agency.objects.all())
    kinds = [
        AgencyKind.COMPREHENSIVE_CARE,
        AgencyKind.DISABILITY,
        AgencyKind.CHILD_FAMILY,
        AgencyKind.SELF_RELIANCE,
        AgencyKind.SOCIAL_WELFARE_CORP,
        AgencyKind.CITY_OFFICE,
        AgencyKind.OTHER,
    ]
    new = [
        Agency(
            code=f"bench-{n:02d}",
            name=f"ベンチ相談支援機関{n:02d}（架空）",
            kind=kinds[n % len(kinds)],
            area=areas[n % len(areas)] if n % 5 else None,
            commissioned_by_city=n % 3 == 0,
        )
        for n in range(1, AGENCIES - len(existing) + 1)
    ]
    Agency.objects.bulk_create(new)
    return list(Agency.objects.filter(is_centre=False).order_by("id")) + list(
        Agency.objects.filter(is_centre=True).order_by("id")
    )


def _groups(areas, agencies) -> dict[str, int]:
    names = [area_group_name(a) for a in areas] + [agency_group_name(a) for a in agencies]
    Group.objects.bulk_create([Group(name=n) for n in names], ignore_conflicts=True)
    return dict(Group.objects.filter(name__in=names).values_list("name", "id"))


def _staff(params, areas, agencies, groups, world: World, rng) -> int:
    password = make_password("bench-password-2026")  # one hash for everyone: tokens do not use it
    joined = datetime.datetime(params.first_fiscal_year - 1, 4, 1, tzinfo=UTC).isoformat()
    total = params.sizes["staff"]
    per_area = max(3, round(total * AREA_STAFF_SHARE / len(areas)))
    per_agency = max(1, (total - per_area * len(areas) - 10) // len(agencies))
    users, memberships, user_groups = [], [], []
    uid = 0

    def add(username, role, area=None, agency=None):
        nonlocal uid
        uid += 1
        users.append(_line(uid, password, None, False, username, "", "", "", False, True, joined))
        memberships.append(_line(uid, role, agency.pk if agency else None, area.pk if area else None, uid))
        group = area_group_name(area) if area else agency_group_name(agency) if agency else None
        if group:
            user_groups.append(_line(uid, uid, groups[group]))
        return uid

    for area in areas:
        coordinators = max(1, round(per_area * COORDINATORS_PER_AREA_SHARE))
        world.area_staff[area.pk] = [
            add(f"bench_cw_{area.code}_{n}", Role.CASEWORKER, area=area)
            for n in range(1, per_area - coordinators + 1)
        ] + [
            add(f"bench_coord_{area.code}_{n}", Role.COORDINATOR, area=area)
            for n in range(1, coordinators + 1)
        ]
    for agency in agencies:
        world.agency_staff[agency.pk] = [
            add(f"bench_ag_{agency.code}_{n}", Role.AGENCY, agency=agency) for n in range(1, per_agency + 1)
        ]
    for n in range(1, 9):
        add(f"bench_manager_{n}", Role.MANAGER)
    for n in range(1, 3):
        add(f"bench_auditor_{n}", Role.AUDITOR)
    copy_lines(
        "network_user",
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        users,
    )
    copy_lines("network_membership", ["id", "role", "agency_id", "area_id", "user_id"], memberships)
    copy_lines("network_user_groups", ["id", "user_id", "group_id"], user_groups)
    return uid


def _epoch(day: datetime.date) -> float:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=TOKYO).timestamp()


def _cases(params: Params, areas, agencies, groups, world: World, rng: random.Random) -> dict[str, int]:
    n_cases = params.sizes["cases"]
    first, last = params.first_fiscal_year, params.last_fiscal_year
    begin = fiscal_year_bounds(first)[0].date() - datetime.timedelta(days=180)
    end = fiscal_year_bounds(last)[1].date()
    span_years = [first - 1, *range(first, last + 1)]
    year_w = (0.06, 0.16, 0.18, 0.19, 0.2, 0.21)
    view_perm = Permission.objects.get(content_type__app_label="casework", codename="view_case").pk
    log_perm = Permission.objects.get(content_type__app_label="casework", codename="log_activity").pk
    manager = world.area_staff[areas[0].pk][0]
    community = defaultdict(list)
    for pk, area_id in CommunityArea.objects.values_list("pk", "area_id"):
        community[area_id].append(pk)
    numbers: dict[int, int] = defaultdict(int)

    case_lines, issue_lines, member_lines, status_lines = [], [], [], []
    consent_lines, consent_agency_lines, meeting_lines, meeting_agency_lines = [], [], [], []
    grant_lines, referral_lines, token_lines = [], [], []
    perms: set[tuple[int, int, int]] = set()  # (case, group, permission)
    ids = defaultdict(int)

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    def grant(case_id, group_id, basis, source_id, at, *, read_only=False, revoked_at=None):
        grant_lines.append(
            _line(
                next_id("grant"),
                basis,
                source_id,
                "",
                at,
                None,
                revoked_at,
                case_id,
                manager,
                group_id,
                None,
                None,
                read_only,
            )
        )
        if revoked_at is None:
            perms.add((case_id, group_id, view_perm))
            if not read_only:
                perms.add((case_id, group_id, log_perm))

    for case_id in range(1, n_cases + 1):
        year = rng.choices(span_years, year_w)[0]
        y_start = max(fiscal_year_bounds(year)[0].date(), begin)
        opened = y_start + datetime.timedelta(
            days=rng.randrange((fiscal_year_bounds(year)[1].date() - y_start).days)
        )
        closed = None
        if rng.random() < CLOSED_SHARE:
            closed = opened + datetime.timedelta(days=int(30 + rng.expovariate(1 / 300)))
            if closed >= end:
                closed = None
        area_idx = rng.choices(range(len(areas)), AREA_WEIGHTS)[0]
        area = areas[area_idx]
        orig_area, transfer_epoch = area, 0.0
        transferred = rng.random() < TRANSFER_SHARE and ((closed or end) - opened).days > 60
        if transferred:
            orig_area = areas[(area_idx + rng.randrange(1, len(areas))) % len(areas)]
            t_day = opened + datetime.timedelta(days=rng.randrange(30, ((closed or end) - opened).days - 20))
            transfer_epoch = _epoch(t_day)
        fy = fiscal_year_of_date(opened)
        numbers[fy] += 1
        surname, surname_kana = rng.choice(SURNAMES)
        given, given_kana = rng.choice(GIVEN)
        kana = f"{surname_kana} {given_kana}"
        phone = f"000-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"
        main = rng.choice(ISSUES)
        tags = {main, *rng.sample(ISSUES, rng.choice((0, 0, 1, 2)))}
        status = (
            CaseStatus.CLOSED
            if closed
            else rng.choice(
                [CaseStatus.SUPPORT] * 5
                + [CaseStatus.MONITORING] * 2
                + [CaseStatus.INTAKE, CaseStatus.ASSESSMENT, CaseStatus.PLANNING, CaseStatus.INTERRUPTED]
            )
        )
        staff = world.area_staff[area.pk]
        lead = None if transferred else rng.choice(staff)
        creator = rng.choice(world.area_staff[orig_area.pk])
        created_at = _ts(_epoch(opened) + 9 * 3600 + rng.randrange(8 * 3600))
        case_lines.append(
            _line(
                case_id,
                f"{fy}-{numbers[fy]:04d}",
                status,
                opened,
                closed,
                rng.choice(ClosureReason.values) if closed else "",
                main,
                rng.choice(ContactMethod.values),
                rng.choice(ReferralSource.values),
                rng.choice(Urgency.values),
                rng.choice(ScreeningOutcome.values),
                _enc(f"{surname} {given}", "casework_case.household_name"),
                _enc(kana, "casework_case.household_name_kana"),
                _enc(
                    f"デモ市{rng.choice(STREETS)}{rng.randint(1, 9)}-{rng.randint(1, 30)}"
                    f"-{rng.randint(1, 20)}",
                    "casework_case.address",
                ),
                _enc(phone, "casework_case.phone"),
                _enc("今の家で暮らし続けたい。" if rng.random() < 0.5 else "", "casework_case.wishes"),
                _enc(_note(rng), "casework_case.consultation_summary"),
                encryption.kana_index(kana),
                encryption.phone_index(phone),
                created_at,
                created_at,
                area.pk,
                None if transferred else rng.choice(community[area.pk]),
                creator,
                lead,
                None,
            )
        )
        for tag in sorted(tags):
            issue_lines.append(_line(next_id("issue"), tag, tag == main, case_id))
        search_texts = [f"{surname} {given}", kana]
        for m in range(rng.choice((1, 1, 2, 2, 3))):
            m_surname = surname if m == 0 or rng.random() < 0.8 else rng.choice(SURNAMES)[0]
            m_given, m_given_kana = rng.choice(GIVEN)
            m_kana = f"{surname_kana} {m_given_kana}"
            birth = datetime.date(rng.randint(1935, 2015), rng.randint(1, 12), rng.randint(1, 28))
            m_phone = phone if m == 0 else ""
            search_texts += [f"{m_surname} {m_given}", m_kana]
            member_lines.append(
                _line(
                    next_id("member"),
                    _enc(f"{m_surname} {m_given}", "casework_householdmember.name"),
                    _enc(m_kana, "casework_householdmember.name_kana"),
                    _enc(birth.isoformat(), "casework_householdmember.birth_date"),
                    rng.choice(["female", "male"]),
                    "self" if m == 0 else rng.choice(["parent", "child", "spouse"]),
                    _enc(m_phone, "casework_householdmember.phone"),
                    json.dumps([main] if m == 0 else []),
                    encryption.kana_index(m_kana),
                    encryption.birth_date_index(birth),
                    encryption.phone_index(m_phone),
                    case_id,
                )
            )
        token_lines.extend(_line(token, case_id) for token in search.tokens_for(search_texts))
        status_lines.append(_line(next_id("status"), "", CaseStatus.INTAKE, created_at, "", case_id, creator))
        if closed:
            status_lines.append(
                _line(
                    next_id("status"),
                    CaseStatus.SUPPORT,
                    CaseStatus.CLOSED,
                    _ts(_epoch(closed) + 36000),
                    "",
                    case_id,
                    creator,
                )
            )

        # sharing: consents, 支援会議, collaboration referrals, transfers
        local = world.area_agencies.get(area.pk, []) + world.citywide_agencies
        shared: set[int] = set()
        share_day = opened + datetime.timedelta(days=rng.randrange(0, 30))
        share_at = _ts(_epoch(share_day) + 36000)
        if rng.random() < CONSENT_SHARE:
            consent_id = next_id("consent")
            chosen = rng.sample(local, min(len(local), rng.choice((1, 1, 2, 3))))
            withdrawn = share_day + datetime.timedelta(days=90) if rng.random() < 0.05 else None
            consent_lines.append(
                # a third of the consents share the summary only (consent scope codes, issue #13)
                _line(
                    consent_id,
                    share_day,
                    "summary" if consent_id % 3 == 0 else "full",
                    withdrawn,
                    share_at,
                    case_id,
                    creator,
                )
            )
            for agency_id in chosen:
                consent_agency_lines.append(_line(next_id("consent_agency"), consent_id, agency_id))
                group_id = groups[agency_group_name(_agency(agencies, agency_id))]
                grant(
                    case_id,
                    group_id,
                    AccessBasis.CONSENT,
                    consent_id,
                    share_at,
                    revoked_at=_ts(_epoch(withdrawn)) if withdrawn else None,
                )
                if not withdrawn:
                    shared.add(agency_id)
        if rng.random() < MEETING_SHARE:
            meeting_id = next_id("meeting")
            chosen = rng.sample(local, min(len(local), rng.randint(2, 4)))
            meeting_lines.append(_line(meeting_id, share_day, True, None, share_at, case_id, creator))
            for agency_id in chosen:
                meeting_agency_lines.append(_line(next_id("meeting_agency"), meeting_id, agency_id))
                grant(
                    case_id,
                    groups[agency_group_name(_agency(agencies, agency_id))],
                    AccessBasis.SUPPORT_MEETING,
                    meeting_id,
                    share_at,
                )
                shared.add(agency_id)
        if rng.random() < COLLABORATION_SHARE:
            referral_id = next_id("referral")
            to_area = (
                areas[(area_idx + rng.randrange(1, len(areas))) % len(areas)] if rng.random() < 0.5 else None
            )
            to_agency = None if to_area else rng.choice(local)
            status = rng.choice(["accepted", "accepted", "completed", "declined", "withdrawn"])
            referral_lines.append(
                _referral_line(
                    referral_id,
                    "collaboration",
                    status,
                    share_day,
                    case_id,
                    area.pk,
                    creator,
                    to_area.pk if to_area else None,
                    to_agency,
                )
            )
            if status in ("accepted", "completed"):
                group = (
                    area_group_name(to_area) if to_area else agency_group_name(_agency(agencies, to_agency))
                )
                grant(case_id, groups[group], AccessBasis.REFERRAL, referral_id, share_at)
                if to_agency:
                    shared.add(to_agency)
        if transferred:
            referral_id = next_id("referral")
            t_day = datetime.datetime.fromtimestamp(transfer_epoch, TOKYO).date()
            referral_lines.append(
                _referral_line(
                    referral_id, "transfer", "accepted", t_day, case_id, orig_area.pk, creator, area.pk, None
                )
            )
            grant(
                case_id,
                groups[area_group_name(orig_area)],
                AccessBasis.REFERRAL,
                referral_id,
                _ts(transfer_epoch + 36000),
                read_only=True,
            )

        start = _epoch(opened) + 9 * 3600
        stop = _epoch(closed) + 18 * 3600 if closed else _epoch(end) - 1
        world.cases.append(
            (case_id, start, stop, area.pk, orig_area.pk, transfer_epoch, tuple(sorted(shared)), tuple(local))
        )
    for index, (_id, start, stop, *_rest) in enumerate(world.cases):
        for year in range(first, last + 1):
            y_start, y_end = (b.timestamp() for b in fiscal_year_bounds(year))
            if start < y_end and stop > y_start:
                world.by_year.setdefault(year, []).append(index)

    copy_lines(
        "casework_case",
        [
            "id",
            "number",
            "status",
            "opened_on",
            "closed_on",
            "closure_reason",
            "main_issue",
            "contact_method",
            "referral_source",
            "urgency",
            "screening_outcome",
            "household_name",
            "household_name_kana",
            "address",
            "phone",
            "wishes",
            "consultation_summary",
            "kana_index",
            "phone_index",
            "created_at",
            "updated_at",
            "area_id",
            "community_area_id",
            "created_by_id",
            "lead_caseworker_id",
            "referral_agency_id",
        ],
        case_lines,
    )
    copy_lines("casework_caseissue", ["id", "tag", "is_main", "case_id"], issue_lines)
    copy_lines(
        "casework_householdmember",
        [
            "id",
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "relationship",
            "phone",
            "issues",
            "kana_index",
            "birth_date_index",
            "phone_index",
            "case_id",
        ],
        member_lines,
    )
    copy_lines("casework_casesearchtoken", ["token", "case_id"], token_lines)
    copy_lines(
        "casework_casestatuschange",
        ["id", "from_status", "to_status", "changed_at", "note", "case_id", "changed_by_id"],
        status_lines,
    )
    copy_lines(
        "casework_consent",
        ["id", "given_on", "scope", "withdrawn_on", "recorded_at", "case_id", "recorded_by_id"],
        consent_lines,
    )
    copy_lines("casework_consent_agencies", ["id", "consent_id", "agency_id"], consent_agency_lines)
    copy_lines(
        "casework_supportmeetingregistration",
        [
            "id",
            "registered_on",
            "confidentiality_acknowledged",
            "ended_on",
            "recorded_at",
            "case_id",
            "recorded_by_id",
        ],
        meeting_lines,
    )
    copy_lines(
        "casework_supportmeetingregistration_agencies",
        ["id", "supportmeetingregistration_id", "agency_id"],
        meeting_agency_lines,
    )
    copy_lines(
        "casework_caseaccessgrant",
        [
            "id",
            "basis",
            "source_id",
            "reason",
            "granted_at",
            "expires_at",
            "revoked_at",
            "case_id",
            "granted_by_id",
            "group_id",
            "revoked_by_id",
            "user_id",
            "read_only",
        ],
        grant_lines,
    )
    copy_lines(
        "casework_casegroupobjectpermission",
        ["id", "content_object_id", "group_id", "permission_id"],
        (_line(n, *p) for n, p in enumerate(sorted(perms), start=1)),
    )
    copy_lines(
        "referrals_referral",
        [
            "id",
            "kind",
            "reason",
            "sharing_basis",
            "override_reason",
            "status",
            "due_by",
            "requested_at",
            "decided_at",
            "decline_reason",
            "withdrawn_at",
            "completed_at",
            "outcome",
            "reminded_at",
            "escalated_at",
            "expired_at",
            "case_id",
            "decided_by_id",
            "from_area_id",
            "requested_by_id",
            "to_agency_id",
            "to_area_id",
        ],
        referral_lines,
    )
    with connection.cursor() as cursor:
        for fy, last_number in numbers.items():
            cursor.execute(
                "INSERT INTO casework_casenumbercounter (fiscal_year, last_number) VALUES (%s, %s)",
                [fy, last_number],
            )
    return {
        "cases": n_cases,
        "members": len(member_lines),
        "search_tokens": len(token_lines),
        "consents": len(consent_lines),
        "meetings": len(meeting_lines),
        "referrals": len(referral_lines),
        "grants": len(grant_lines),
        "group_permissions": len(perms),
    }


_AGENCY_CACHE: dict[int, Agency] = {}


def _agency(agencies, pk) -> Agency:
    if not _AGENCY_CACHE or pk not in _AGENCY_CACHE:
        _AGENCY_CACHE.update({a.pk: a for a in agencies})
    return _AGENCY_CACHE[pk]


def _referral_line(referral_id, kind, status, day, case_id, from_area, by, to_area, to_agency) -> str:
    at = _ts(_epoch(day) + 36000)
    decided = _ts(_epoch(day) + 36000 + 86400) if status in ("accepted", "completed", "declined") else None
    return _line(
        referral_id,
        kind,
        _enc("多機関での支援が必要なため。", "referrals_referral.reason"),
        "consent" if to_agency else "",
        "",
        status,
        day + datetime.timedelta(days=5),
        at,
        decided,
        _enc("対応できる職員がいないため。", "referrals_referral.decline_reason")
        if status == "declined"
        else "",
        at if status == "withdrawn" else None,
        decided if status == "completed" else None,
        _enc("役割分担を決めて支援を継続。", "referrals_referral.outcome") if status == "completed" else "",
        None,
        None,
        None,
        case_id,
        by if decided else None,
        from_area,
        by,
        to_agency,
        to_area,
    )


# --- activities: generated in worker processes, streamed into COPY ------------------------------------

_WORLD: World | None = None
_PARAMS: Params | None = None

ACTIVITY_COLUMNS = [
    "id",
    "occurred_at",
    "kind",
    "minutes",
    "has_partner",
    "note",
    "version",
    "voided",
    "void_reason",
    "voided_at",
    "created_at",
    "updated_at",
    "area_id",
    "staff_id",
    "logged_by_id",
    "voided_by_id",
    "case_id",
]


def _activity_chunk(task: tuple[int, int, int, int]) -> tuple[str, str]:
    """(first id, count, fiscal year, seed) → activity lines and partner-agency lines."""
    first_id, count, year, seed = task
    world, rng = _WORLD, random.Random(seed)
    void_reason = encryption.encrypt("重複登録のため", context="casework_activity.void_reason")
    y_start, y_end = (b.timestamp() for b in fiscal_year_bounds(year))
    candidates = world.by_year[year]
    kinds = rng.choices(KINDS, KIND_WEIGHTS, k=count)
    acts, partners = [], []
    partner_id = first_id * 3  # room for up to three agencies per activity
    for offset in range(count):
        activity_id = first_id + offset
        case_id, start, stop, area_id, orig_area, transfer_epoch, shared, local_agencies = world.cases[
            rng.choice(candidates)
        ]
        network = shared or local_agencies
        at = rng.uniform(max(start, y_start), min(stop, y_end) - 1)
        # office hours in Tokyo for most work, the odd late call
        local = datetime.datetime.fromtimestamp(at, TOKYO)
        hour = (
            rng.choice((9, 10, 11, 13, 14, 15, 16, 17))
            if rng.random() < 0.95
            else rng.choice((7, 19, 21, 23))
        )
        local = local.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)
        at = min(max(local.timestamp(), y_start), y_end - 1)
        area = orig_area if transfer_epoch and at < transfer_epoch else area_id
        has_partner = rng.random() < PARTNER_SHARE
        # agencies the case is shared with log some of the work themselves
        agency_staff = world.agency_staff.get(rng.choice(shared)) if shared and rng.random() < 0.2 else None
        staff = rng.choice(agency_staff or world.area_staff[area])
        voided = rng.random() < VOID_SHARE
        stamp = _ts(at + 600)
        acts.append(
            _line(
                activity_id,
                _ts(at),
                kinds[offset],
                rng.choice((10, 15, 20, 30, 45, 60, 90, 120)),
                has_partner,
                encryption.encrypt(_note(rng), context="casework_activity.note"),
                1,
                voided,
                void_reason if voided else "",
                stamp if voided else None,
                stamp,
                stamp,
                area,
                staff,
                staff,
                staff if voided else None,
                case_id,
            )
        )
        if has_partner:
            pool = network if rng.random() < 0.85 else world.citywide_agencies
            for agency_id in rng.sample(pool, min(len(pool), rng.choices((1, 2, 3), (60, 30, 10))[0])):
                partner_id += 1
                partners.append(f"{partner_id}\t{activity_id}\t{agency_id}\n")
    return "".join(acts), "".join(partners)


def _activities(params: Params, world: World) -> dict[str, int]:
    global _WORLD, _PARAMS
    total = params.sizes["activities"]
    tasks, next_id = [], 1
    seeds = random.Random(params.seed + 1)
    for year, weight in zip(
        range(params.first_fiscal_year, params.last_fiscal_year + 1), YEAR_WEIGHTS, strict=True
    ):
        remaining = round(total * weight)
        while remaining > 0:
            n = min(ACTIVITY_CHUNK, remaining)
            tasks.append((next_id, n, year, seeds.randrange(1 << 30)))
            next_id += n
            remaining -= n
    _WORLD, _PARAMS = world, params
    connections.close_all()  # the forked workers must not share our socket
    n_activities = n_partners = 0
    with tempfile.NamedTemporaryFile("w+", suffix=".tsv", encoding="utf-8") as partner_file:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes=max(1, min(2, multiprocessing.cpu_count()))) as pool:
            with connection.cursor() as cursor:
                with cursor.cursor.copy(
                    f"COPY casework_activity ({', '.join(ACTIVITY_COLUMNS)}) FROM STDIN"
                ) as cp:
                    for acts, partners in pool.imap(_activity_chunk, tasks):
                        cp.write(acts)
                        partner_file.write(partners)
                        n_activities += acts.count("\n")
                        n_partners += partners.count("\n")
        partner_file.flush()
        copy_file("casework_activity_partner_agencies", ["id", "activity_id", "agency_id"], partner_file.name)
    _WORLD = _PARAMS = None
    return {"activities": n_activities, "partners": n_partners}


def _audit_rows() -> int:
    """The audit trail the services would have written: case.create per case, activity.create per activity
    (generated in the server: the same rows COPY would load, without a round trip through Python)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO casework_auditevent
                (at, actor_username, action, object_type, object_id, changes, reason, ip_address, channel,
                 actor_id, case_id)
            SELECT c.created_at, u.username, 'case.create', 'casework.case', c.id::text,
                   jsonb_build_object('area', jsonb_build_array(NULL, a.code)), '', NULL, 'web',
                   c.created_by_id, c.id
            FROM casework_case c
            JOIN network_user u ON u.id = c.created_by_id
            JOIN network_area a ON a.id = c.area_id
            ORDER BY c.created_at
            """
        )
        cases = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO casework_auditevent
                (at, actor_username, action, object_type, object_id, changes, reason, ip_address, channel,
                 actor_id, case_id)
            SELECT t.created_at, u.username, 'activity.create', 'casework.activity', t.id::text,
                   jsonb_build_object('kind', jsonb_build_array(NULL, t.kind)), '', NULL, 'api',
                   t.staff_id, t.case_id
            FROM casework_activity t JOIN network_user u ON u.id = t.staff_id
            ORDER BY t.created_at
            """
        )
        return cases + cursor.rowcount
