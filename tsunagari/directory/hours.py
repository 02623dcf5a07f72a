"""Opening-hours logic: weekly spans with overnight closing, 24h, holidays, monthly days.

Times are minutes from a day's midnight in Asia/Tokyo (no DST, so minute
arithmetic is exact). A span that closes after 1440 runs into the next day
(17:00–翌5:30 = 1020..1770); a later day's spans never cancel that spill-over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import jpholiday

from ..clock import to_tokyo

DAY_MIN = 1440
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JA_WEEKDAYS = "月火水木金土日"

Span = tuple[int, int]
# (start, end, certain): minutes relative to a base date's midnight.
Interval = tuple[int, int, bool]


@lru_cache(maxsize=8192)
def is_holiday(day: date) -> bool:
    """Japanese public holiday (incl. substitute holidays), from jpholiday."""
    return bool(jpholiday.is_holiday(day))


def is_weekend_or_holiday(day: date) -> bool:
    return day.weekday() >= 5 or is_holiday(day)


@dataclass(frozen=True)
class Schedule:
    """Compiled hours of one service; cheap to build, pure, no database access."""

    hours_type: str = "unknown"  # weekly | 24h | appointment | web | unknown
    holiday_rule: str = "unknown"  # closed | as_usual | special | unknown
    weekly: tuple[tuple[Span, ...], ...] = ((),) * 7
    monthly: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)
    holiday: tuple[Span, ...] = ()

    @classmethod
    def from_rows(
        cls,
        hours_type: str,
        holiday_rule: str,
        rows: Iterable[tuple[str, int | None, int, int]],
    ) -> Schedule:
        """rows: (day_kind, day, opens_min, closes_min) as stored in opening_hours."""
        weekly: list[list[Span]] = [[] for _ in range(7)]
        monthly: dict[int, list[Span]] = {}
        holiday: list[Span] = []
        for kind, day, opens, closes in rows:
            if kind == "weekday":
                weekly[day].append((opens, closes))
            elif kind == "monthday":
                monthly.setdefault(day, []).append((opens, closes))
            elif kind == "holiday":
                holiday.append((opens, closes))
        return cls(
            hours_type=hours_type,
            holiday_rule=holiday_rule,
            weekly=tuple(tuple(sorted(w)) for w in weekly),
            monthly={d: tuple(sorted(s)) for d, s in monthly.items()},
            holiday=tuple(sorted(holiday)),
        )

    @property
    def has_times(self) -> bool:
        """True when open/closed can be computed (weekly spans or 24h)."""
        return self.hours_type in ("weekly", "24h")

    def day_spans(self, day: date) -> tuple[tuple[Span, ...], bool]:
        """Spans starting on `day` and whether they are certain (holiday rule known)."""
        if self.hours_type == "24h":
            return ((0, DAY_MIN),), True
        if self.hours_type != "weekly":
            return (), False
        extra = self.monthly.get(day.day, ())
        if is_holiday(day):
            rule = self.holiday_rule
            if rule == "closed":
                return (), True
            if rule == "special":
                return self.holiday + extra, True
            return self.weekly[day.weekday()] + extra, rule == "as_usual"
        return self.weekly[day.weekday()] + extra, True

    def intervals(self, base: date, days_before: int = 1, days_after: int = 8) -> list[Interval]:
        """Merged open intervals from base-days_before to base+days_after (minutes vs base)."""
        raw: list[Interval] = []
        for offset in range(-days_before, days_after + 1):
            spans, certain = self.day_spans(base + timedelta(days=offset))
            shift = offset * DAY_MIN
            for opens, closes in spans:
                raw.append((opens + shift, closes + shift, certain))
        raw.sort()
        merged: list[Interval] = []
        for start, end, certain in raw:
            if merged and start <= merged[-1][1] and merged[-1][2] == certain:
                last = merged[-1]
                if end > last[1]:
                    merged[-1] = (last[0], end, certain)
            else:
                merged.append((start, end, certain))
        return merged

    def is_open(self, at: datetime) -> bool | None:
        """True/False when known; None for appointment/unknown hours or unknown holiday rule."""
        if not self.has_times:
            return None
        at = to_tokyo(at)
        minute = at.hour * 60 + at.minute
        for start, end, certain in self.intervals(at.date(), 1, 1):
            if start <= minute < end:
                return True if certain else None
        return False

    def open_until(self, at: datetime) -> datetime | None:
        """When the current opening ends (None if closed, unknown or 24h without end)."""
        if self.hours_type == "24h" or not self.has_times:
            return None
        at = to_tokyo(at)
        minute = at.hour * 60 + at.minute
        for start, end, _ in self.intervals(at.date(), 1, 8):
            if start <= minute < end:
                midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
                return midnight + timedelta(minutes=end)
        return None

    def next_opening(self, at: datetime, horizon_days: int = 14) -> datetime | None:
        """The next time (strictly after `at`) a closed service opens, within the horizon."""
        if not self.has_times:
            return None
        at = to_tokyo(at)
        minute = at.hour * 60 + at.minute
        midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
        for start, _end, certain in self.intervals(at.date(), 1, horizon_days):
            if start > minute and certain:
                return midnight + timedelta(minutes=start)
        return None

    def today_spans(self, day: date) -> tuple[list[Span], list[Span], bool]:
        """What to show for `day`: the previous day's spill-over, the day's own spans, certainty."""
        if self.hours_type == "24h":
            return [], [(0, DAY_MIN)], True
        prev, _ = self.day_spans(day - timedelta(days=1))
        spill = [(0, closes - DAY_MIN) for _, closes in prev if closes > DAY_MIN]
        own, certain = self.day_spans(day)
        return spill, list(own), certain


# --- hours spec text, the format used by the importer, exporter and seed -------------

_TIME_RE = re.compile(r"^(翌)?(\d{1,2}):(\d{2})$")
_RANGE_SPLIT = re.compile(r"\s*(?:-|〜|～|–|~)\s*")
_DAY_ALIASES = {
    **{code: i for i, code in enumerate(WEEKDAY_CODES)},
    **{ch: i for i, ch in enumerate(JA_WEEKDAYS)},
}
SPECIAL_SPECS = ("24h", "appointment", "web", "unknown")


class HoursSpecError(ValueError):
    """A human-readable (Japanese) reason why an hours spec is invalid."""


def parse_time(text: str, *, closing: bool = False) -> int:
    """'9:30' -> 570, '翌5:30' -> 1770, '24:00' -> 1440 (closing only)."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise HoursSpecError(f"時刻「{text}」は HH:MM の形で書いてください（例: 09:00, 翌5:30）")
    next_day, hh, mm = bool(m.group(1)), int(m.group(2)), int(m.group(3))
    if mm >= 60 or hh > 24 or (hh == 24 and mm != 0):
        raise HoursSpecError(f"時刻「{text}」が正しくありません")
    if hh == 24 and not closing:
        raise HoursSpecError(f"開始時刻に「{text}」は使えません")
    if next_day and not closing:
        raise HoursSpecError(f"開始時刻に「翌」は付けられません（{text}）")
    if next_day and hh == 24:
        raise HoursSpecError(f"時刻「{text}」が正しくありません")
    return hh * 60 + mm + (DAY_MIN if next_day else 0)


def format_time(minute: int) -> str:
    """1020 -> '17:00', 1770 -> '翌5:30', 1440 -> '24:00'."""
    if minute == DAY_MIN:
        return "24:00"
    prefix = "翌" if minute > DAY_MIN else ""
    minute = minute - DAY_MIN if minute > DAY_MIN else minute
    return f"{prefix}{minute // 60}:{minute % 60:02d}"


def _parse_days(text: str) -> list[tuple[str, int | None]]:
    token = text.strip().lower()
    if token in ("daily", "毎日"):
        return [("weekday", d) for d in range(7)]
    if token in ("holiday", "祝日"):
        return [("holiday", None)]
    m = re.fullmatch(r"(?:day)?(\d{1,2})日?", token)
    if m and (token.startswith("day") or token.endswith("日")):
        n = int(m.group(1))
        if not 1 <= n <= 31:
            raise HoursSpecError(f"日付「{text}」は1〜31で指定してください")
        return [("monthday", n)]
    days: list[tuple[str, int | None]] = []
    for part in re.split(r"[,、・]", token):
        part = part.strip()
        bounds = [p.strip() for p in _RANGE_SPLIT.split(part)] if part else []
        if not bounds or any(b not in _DAY_ALIASES for b in bounds) or len(bounds) > 2:
            raise HoursSpecError(
                f"曜日「{part or text}」が分かりません（mon〜sun、月〜日、daily、holiday、day10 が使えます）"
            )
        first = _DAY_ALIASES[bounds[0]]
        last = _DAY_ALIASES[bounds[-1]]
        d = first
        while True:
            days.append(("weekday", d))
            if d == last:
                break
            d = (d + 1) % 7
    return days


def parse_hours_spec(text: str) -> tuple[str, list[tuple[str, int | None, int, int]]]:
    """Parse e.g. 'mon,thu,fri 0:00-24:00; tue-sun 6:00-24:00; day10 8:00-翌8:00'.

    Returns (hours_type, rows). '24h', 'appointment', 'web', 'unknown' stand alone.
    """
    spec = (text or "").strip()
    if not spec:
        raise HoursSpecError("営業時間が空です（分からない場合は unknown と書いてください）")
    if spec.lower() in SPECIAL_SPECS:
        return spec.lower(), []
    rows: list[tuple[str, int | None, int, int]] = []
    for rule in re.split(r"[;；\n]", spec):
        rule = rule.strip()
        if not rule:
            continue
        parts = rule.rsplit(None, 1)
        if len(parts) != 2:
            raise HoursSpecError(f"「{rule}」は「曜日 開始-終了」の形で書いてください（例: mon-fri 10:00-17:00）")
        days_text, range_text = parts
        times = _RANGE_SPLIT.split(range_text)
        if len(times) != 2:
            raise HoursSpecError(f"時間帯「{range_text}」は「開始-終了」の形で書いてください")
        opens = parse_time(times[0])
        closes = parse_time(times[1], closing=True)
        if closes <= opens:
            raise HoursSpecError(
                f"時間帯「{range_text}」の終了が開始より前です。日をまたぐ場合は「翌」を付けてください（例: 17:00-翌5:30）"
            )
        if closes - opens > DAY_MIN:
            raise HoursSpecError(f"時間帯「{range_text}」が24時間を超えています")
        for kind, day in _parse_days(days_text):
            rows.append((kind, day, opens, closes))
    if not rows:
        raise HoursSpecError("営業時間が空です")
    return "weekly", rows


def format_hours_spec(hours_type: str, rows: Iterable[tuple[str, int | None, int, int]]) -> str:
    """Inverse of parse_hours_spec, grouping weekdays that share a time range."""
    if hours_type != "weekly":
        return hours_type
    by_range: dict[tuple[int, int], list[int]] = {}
    others: list[str] = []
    for kind, day, opens, closes in rows:
        if kind == "weekday":
            by_range.setdefault((opens, closes), []).append(day)
        elif kind == "monthday":
            others.append(f"day{day} {format_time(opens)}-{format_time(closes)}")
        else:
            others.append(f"holiday {format_time(opens)}-{format_time(closes)}")
    rules = []
    for (opens, closes), days in sorted(by_range.items(), key=lambda kv: (min(kv[1]), kv[0])):
        days = sorted(set(days))
        if days == list(range(7)):
            label = "daily"
        else:
            label = ",".join(WEEKDAY_CODES[d] for d in days)
        rules.append(f"{label} {format_time(opens)}-{format_time(closes)}")
    return "; ".join(rules + others)
