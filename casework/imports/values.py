"""Reading one cell of a team's ledger: dates in every spelling teams use, lists, labels or codes.

Each parser returns the value or raises CellError with a Japanese message that never quotes the cell
(errors are stored and shown beside the file; the cell may hold personal data).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

from casework.models import ActivityKind, CaseStatus, ClosureReason, IssueTag
from network import fiscal


class CellError(ValueError):
    """A cell that cannot be read; the message is for the person who keeps the ledger."""


def text(value) -> str:
    """The cell as text, NFKC-normalised: full-width digits and letters become ASCII, half-width kana
    become full-width, and surrounding blanks (including 全角 spaces) go."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


# --- dates ---------------------------------------------------------------------------------------

# Era: (first day, last day); a date outside its era is a typo (H31.5.1 does not exist).
ERAS = {era: (first, last) for era, first, last in fiscal.ERAS}
ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正"}
_WESTERN = re.compile(r"^(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?$")
_ERA = re.compile(
    r"^(令和|平成|昭和|大正|[RHSTrhst])\s*(\d{1,2}|元)\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?$"
)
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")  # "2022-05-01 00:00:00" as Excel text
EXCEL_EPOCH = datetime.date(1899, 12, 30)

DATE_HINT = "2022/05/01"


def date_value(value) -> datetime.date | None:
    """A date from an Excel date cell, an Excel serial number, or text in any listed spelling."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial days (1900 system), as a date cell read without format
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_date_message())
    raw = text(value)
    if not raw:
        return None
    raw = _TIME_SUFFIX.sub("", raw)
    if match := _WESTERN.match(raw):
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day)
    if match := _ERA.match(raw):
        era_name, era_year, month, day = match.groups()
        era = ERA_LETTERS.get(era_name.upper(), era_name)
        first, last = ERAS[era]
        n = 1 if era_year == "元" else int(era_year)
        if n < 1:
            raise CellError(_date_message())
        found = _make_date(first.year + n - 1, int(month), int(day))
        if not first <= found <= last:
            raise CellError(f"{era}にその日付はありません（例: {DATE_HINT}）")
        return found
    raise CellError(_date_message())


def _make_date(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(f"存在しない日付です（例: {DATE_HINT}）") from None


def _date_message() -> str:
    return f"日付として読めません（例: {DATE_HINT}）"


_TIME = re.compile(r"^(\d{1,2})\s*[:時]\s*(\d{1,2})?\s*分?$")


def time_value(value) -> datetime.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # a time cell read without its format
        seconds = round(value * 86400)
        return datetime.time(seconds // 3600, seconds % 3600 // 60)
    raw = text(value)
    if not raw:
        return None
    match = _TIME.match(raw)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return datetime.time(hour, minute)
    raise CellError("時刻として読めません（例: 10:30、10時30分）")


_MINUTES = re.compile(r"^(?:(\d+)\s*時間)?\s*(?:(\d+)\s*分?)?$")


def minutes_value(value) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, datetime.time):  # "0:30" typed into a time-formatted cell
        return value.hour * 60 + value.minute
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= 24 * 60:
            return int(value)
        raise CellError("所要時間は0〜1440分の整数で入力してください")
    raw = text(value)
    match = _MINUTES.match(raw) if raw else None
    if raw and match and (match.group(1) or match.group(2)):
        total = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
        if total <= 24 * 60:
            return total
    if not raw:
        return 0
    raise CellError("所要時間は0〜1440分の整数で入力してください（例: 30、1時間30分）")


# --- lists and labels ------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[、,，・\n\r]+")


def split_list(value) -> list[str]:
    """Several values in one cell: separated by 、 , ・ or new lines (NFKC already turns ， into ,)."""
    raw = "" if value is None else unicodedata.normalize("NFKC", str(value))
    return [part.strip() for part in _SEPARATORS.split(raw) if part.strip()]


def _choice_lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[text(code).casefold()] = code
        lookup[text(str(label)).casefold()] = code
    return lookup


def _japanese(choices) -> list[tuple[str, str]]:
    """Codes with their Japanese labels, whatever language is active (the ledger is Japanese)."""
    from django.utils.translation import override

    with override("ja"):
        return [(code, str(label)) for code, label in choices]


class Choices:
    """Labels (Japanese, as API.md lists them) or codes of one kind of choice."""

    def __init__(self, choices, *, extra: dict[str, str] | None = None):
        self.lookup = _choice_lookup(_japanese(choices))
        for spelling, code in (extra or {}).items():
            self.lookup[text(spelling).casefold()] = code

    def get(self, raw: str) -> str | None:
        return self.lookup.get(text(raw).casefold())


def issue_choices() -> Choices:
    # The label ごみ屋敷・セルフネグレクト holds the list separator ・: each half alone means the same tag.
    return Choices(
        IssueTag.choices, extra={"ごみ屋敷": IssueTag.HOARDING, "セルフネグレクト": IssueTag.HOARDING}
    )


def status_choices() -> Choices:
    return Choices(CaseStatus.choices)


def kind_choices() -> Choices:
    return Choices(
        ActivityKind.choices,
        extra={
            "ケース会議": ActivityKind.CONFERENCE,
            "支援会議": ActivityKind.CONFERENCE,
            "メール": ActivityKind.MAIL,
            "文書": ActivityKind.MAIL,
        },
    )


def closure_choices() -> Choices:
    # The names teams wrote before the national categories (and the API's codes) still read.
    return Choices(
        ClosureReason.choices,
        extra={
            "目標達成": ClosureReason.GOAL_ACHIEVED,
            "本人辞退": ClosureReason.DECLINED,
            "辞退": ClosureReason.DECLINED,
            "生活保護開始": ClosureReason.HANDED_OVER,
        },
    )


def issue_list(value, choices: Choices) -> list[str]:
    """Issue tags of a cell; ごみ屋敷・セルフネグレクト written whole is read as one tag, not two."""
    raw = text(value)
    tags: list[str] = []
    unknown: list[str] = []
    for part in split_list(raw):
        code = choices.get(part)
        if code is None:
            unknown.append(part)
        elif code not in tags:
            tags.append(code)
    if unknown:
        raise CellError("課題の名前が違います（例: 生活困窮、ひきこもり、8050問題）")
    return tags
