"""The master data `seed_master` loads: areas, community areas, centres and sample partner agencies.

Every name here is a placeholder for the demo and marked （デモ）; a council replaces them in the admin
(they are editable master data, never hard-coded choices). Codes are the stable keys: re-seeding
matches rows by code and only refreshes their names and attributes. No personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import AgencyKind


@dataclass(frozen=True)
class AreaSeed:
    code: str
    name: str
    sort_order: int
    centre_code: str
    centre_name: str


@dataclass(frozen=True)
class CommunityAreaSeed:
    code: str
    name: str
    area: str  # area code


@dataclass(frozen=True)
class AgencySeed:
    code: str
    name: str
    kind: str
    area: str | None = None  # area code; None = city-wide
    commissioned_by_city: bool = False


# What staff type for an agency: its name's reading and common abbreviations, matched by the picker.
AGENCY_READINGS: dict[str, tuple[str, str]] = {
    "centre-tanaka": ("たなかちいきいきいきせんたー", "いきいき センター"),
    "centre-nanbu": ("なんぶちいきいきいきせんたー", "いきいき センター"),
    "centre-shintomi": ("しんとみちいきいきいきせんたー", "いきいき センター"),
    "centre-hokubu": ("ほくぶちいきいきいきせんたー", "いきいき センター"),
    "houkatsu-tanaka": ("たなかちいきほうかつしえんせんたー", "ほうかつ 包括"),
    "houkatsu-nanbu": ("なんぶちいきほうかつしえんせんたー", "ほうかつ 包括"),
    "houkatsu-shintomi": ("しんとみちいきほうかつしえんせんたー", "ほうかつ 包括"),
    "houkatsu-hokubu": ("ほくぶちいきほうかつしえんせんたー", "ほうかつ 包括"),
    "shougai-kikan": ("きかんそうだんしえんせんたー", "きかん 基幹 しょうがい 障害"),
    "shougai-minami": ("なんぶしょうがいしゃそうだんしえんじぎょうしょ", "しょうがい 障害 相談支援"),
    "kodomo-katei": ("こどもかていしえんせんたー", "こかせん 子家セン"),
    "jidou-katei": ("じどうかていしえんせんたー", "じかせん 児家セン"),
    "jiritsu-soudan": ("くらしじりつそうだんしえんせんたー", "じりつ 自立相談 こんきゅう 困窮"),
    "houjin-aoba": ("しゃかいふくしほうじんあおばかい", "あおば ほうじん 法人"),
    "houjin-hikari": ("しゃかいふくしほうじんひかりふくしかい", "ひかり ほうじん 法人"),
    "houjin-midori": ("しゃかいふくしほうじんみどりえん", "みどり ほうじん 法人"),
    "city-fukushi": ("しやくしょ ふくしそうごうそうだんか", "しやくしょ 市役所 ふくそう 福祉総合"),
    "city-seikatsu": ("しやくしょ せいかつふくしか", "しやくしょ 市役所 せいほ 生保 せいかつほご 生活保護"),
    "city-kodomo": ("しやくしょ こどもかていか", "しやくしょ 市役所 こども"),
    "shakyo-honbu": ("ししゃかいふくしきょうぎかい ほんぶ", "しゃきょう 社協"),
}


# The four coordinating areas (調整エリア), each coordinated by a 地域いきいきセンター.
# 田中, 南部 and 新富 are the centres the plan names; 北部 is a placeholder for the fourth.
AREAS: tuple[AreaSeed, ...] = (
    AreaSeed("tanaka", "田中エリア（デモ）", 1, "centre-tanaka", "田中地域いきいきセンター（デモ）"),
    AreaSeed("nanbu", "南部エリア（デモ）", 2, "centre-nanbu", "南部地域いきいきセンター（デモ）"),
    AreaSeed("shintomi", "新富エリア（デモ）", 3, "centre-shintomi", "新富地域いきいきセンター（デモ）"),
    AreaSeed("hokubu", "北部エリア（デモ）", 4, "centre-hokubu", "北部地域いきいきセンター（デモ）"),
)

# コミュニティエリア: twenty, five per coordinating area.
_COMMUNITY_AREA_NAMES: dict[str, tuple[str, ...]] = {
    "tanaka": ("田中東", "田中西", "本町", "駅前", "緑ヶ丘"),
    "nanbu": ("南町", "港", "浜田", "若葉", "桜台"),
    "shintomi": ("新富", "旭", "栄", "松原", "中央"),
    "hokubu": ("北町", "山手", "青葉", "泉", "朝日"),
}
COMMUNITY_AREAS: tuple[CommunityAreaSeed, ...] = tuple(
    CommunityAreaSeed(f"{area}-{n}", f"{name}コミュニティエリア（デモ）", area)
    for area, names in _COMMUNITY_AREA_NAMES.items()
    for n, name in enumerate(names, start=1)
)

# Sample partner agencies (相談支援機関), of every kind the network knows.
AGENCIES: tuple[AgencySeed, ...] = (
    # 地域包括支援センター: one per area, commissioned by the city (市受託事業).
    AgencySeed(
        "houkatsu-tanaka", "田中地域包括支援センター（デモ）", AgencyKind.COMPREHENSIVE_CARE, "tanaka", True
    ),
    AgencySeed(
        "houkatsu-nanbu", "南部地域包括支援センター（デモ）", AgencyKind.COMPREHENSIVE_CARE, "nanbu", True
    ),
    AgencySeed(
        "houkatsu-shintomi",
        "新富地域包括支援センター（デモ）",
        AgencyKind.COMPREHENSIVE_CARE,
        "shintomi",
        True,
    ),
    AgencySeed(
        "houkatsu-hokubu", "北部地域包括支援センター（デモ）", AgencyKind.COMPREHENSIVE_CARE, "hokubu", True
    ),
    # 障害者相談支援
    AgencySeed("shougai-kikan", "基幹相談支援センター（デモ）", AgencyKind.DISABILITY, None, True),
    AgencySeed("shougai-minami", "南部障害者相談支援事業所（デモ）", AgencyKind.DISABILITY, "nanbu"),
    # 子ども・家庭支援
    AgencySeed("kodomo-katei", "子ども家庭支援センター（デモ）", AgencyKind.CHILD_FAMILY, None, True),
    AgencySeed("jidou-katei", "児童家庭支援センター（デモ）", AgencyKind.CHILD_FAMILY, "shintomi"),
    # 生活困窮者自立支援
    AgencySeed("jiritsu-soudan", "くらし自立相談支援センター（デモ）", AgencyKind.SELF_RELIANCE, None, True),
    # 社会福祉法人
    AgencySeed("houjin-aoba", "社会福祉法人あおば会（デモ）", AgencyKind.SOCIAL_WELFARE_CORP, "hokubu"),
    AgencySeed("houjin-hikari", "社会福祉法人ひかり福祉会（デモ）", AgencyKind.SOCIAL_WELFARE_CORP, "tanaka"),
    AgencySeed("houjin-midori", "社会福祉法人みどり苑（デモ）", AgencyKind.SOCIAL_WELFARE_CORP, None),
    # 市役所
    AgencySeed("city-fukushi", "市役所 福祉総合相談課（デモ）", AgencyKind.CITY_OFFICE),
    AgencySeed("city-seikatsu", "市役所 生活福祉課（デモ）", AgencyKind.CITY_OFFICE),
    AgencySeed("city-kodomo", "市役所 こども家庭課（デモ）", AgencyKind.CITY_OFFICE),
    # 社会福祉協議会
    AgencySeed("shakyo-honbu", "市社会福祉協議会 本部（デモ）", AgencyKind.COUNCIL),
)
