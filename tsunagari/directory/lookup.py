"""find_services: the query the Rasa actions (and `tsunagari directory find`) run.

Only facts that may be shown reach a card: verified facts, and partly facts
together with their date. Ranking puts services open at the requested time
first; when nothing fits, the result says so (exact=False) and offers the
nearest honest alternative instead of an empty answer.

A card carries every string a resident reads (labels, the hours line, the
check date at the source's precision), so the text card here, the LINE Flex
bubble and the web widget only lay it out and can never disagree on a fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session

from ..clock import now as clock_now
from ..clock import to_tokyo
from .hours import DAY_MIN, Interval, is_holiday, is_weekend_or_holiday
from .messages import msg, weekday_ja
from .models import CATEGORIES
from .snapshot import ContactFact, DirectorySnapshot, Entry, get_snapshot

REQUEST_CHANNELS = ("in_person", "phone", "chat", "line", "online")
WHEN_VALUES = ("now", "weekday_day", "evening", "weekend")
# Requested channel -> service channels that satisfy it ("chat" also means LINE).
CHANNEL_MATCH = {
    "chat": ("chat", "line"),
    "line": ("line",),
    "phone": ("phone",),
    "in_person": ("in_person",),
    "online": ("online",),
}
# Categories where an open 24-hour listening line is a fair alternative when nothing fits.
ALT_24H_CATEGORIES = ("counseling", "crisis_line", "free_space", "community_event")
HORIZON_DAYS = 7
DAY_START, DAY_END, MORNING_END = 9 * 60, 18 * 60, 6 * 60
CLOSING_SOON_MIN = 30
# Prefer the ward, then Tokyo, then national services among those that fit
# equally well (a Shinagawa resident looking for friends first sees places
# in Shinagawa, not in Kabukicho).
WARD = "品川区"
LOCALITY_ORDER = {WARD: 0, "東京都": 1, "全国": 2}
MAX_CARD_LINES = 8


# --- public data types ------------------------------------------------------------------


@dataclass(frozen=True)
class LookupRequest:
    category: str
    channel: str | None = None  # in_person/phone/chat/online (chat matches chat and LINE); None = any
    when: str | None = None  # now/weekday_day/evening/weekend; None = any time
    at: datetime = field(default_factory=clock_now)
    age: int | None = None
    limit: int = 3
    include_emergency: bool = False  # 110/119-type numbers are listed by find_emergency_contacts
    area: str | None = None  # 品川区 / 東京都 / 全国: only services for that area ("in Shinagawa?")

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; expected one of {CATEGORIES}")
        if self.channel in ("any", ""):
            object.__setattr__(self, "channel", None)
        if self.channel is not None and self.channel not in REQUEST_CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; expected one of {REQUEST_CHANNELS}")
        if self.when in ("any", ""):
            object.__setattr__(self, "when", None)
        if self.when is not None and self.when not in WHEN_VALUES:
            raise ValueError(f"unknown time bucket {self.when!r}; expected one of {WHEN_VALUES}")
        if self.age is not None and not 0 <= self.age <= 120:
            raise ValueError("age must be between 0 and 120")
        if self.limit < 1:
            raise ValueError("limit must be at least 1")
        if self.area is not None and self.area not in LOCALITY_ORDER:
            raise ValueError(f"unknown area {self.area!r}; expected one of {tuple(LOCALITY_ORDER)}")
        object.__setattr__(self, "at", to_tokyo(self.at))


@dataclass(frozen=True)
class Contact:
    kind: str  # phone | url | line | address
    label: str  # a button or link label, e.g. 「0120-783-556」
    value: str  # tel-able digits for phone, URL, LINE URL/ID/name, address
    note: str | None = None  # 「最終確認: 2021年」 for partly facts
    text: str = ""  # the full line, e.g. 「電話: 0120-783-556（最終確認: 2021年）」


@dataclass(frozen=True)
class ServiceCard:
    service_id: str  # the stable service key (same in every database)
    name: str
    organisation: str  # empty when the operator itself is not verified
    description: str
    contacts: list[Contact]
    today_hours: str
    reasons: list[str]
    open_now: bool | None
    last_verified: date
    verified_note: str | None
    category: str = ""
    channels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sourced extra lines (e.g. 受付は22:30まで)
    last_verified_text: str = ""  # oldest date of the main facts, at the source's precision
    fully_verified: bool = False  # every shown fact is 'verified'
    entry_note: str | None = None  # verified_note when the entry or its hours (not a contact) is partly
    # Display strings: channels show these as they are.
    hours_text: str = ""  # 「時間: 今日 9:00〜17:00」
    open_now_text: str = ""  # 「いま受付中です」 when open_now is True
    reasons_title: str = ""  # 「おすすめの理由」 when there are reasons
    verified_text: str = ""  # 「情報の確認: 2024年3月」 or the dated partly note

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_verified"] = self.last_verified.isoformat()
        return data


@dataclass(frozen=True)
class LookupResult:
    cards: list[ServiceCard]
    exact: bool
    note: str | None = None
    fitted: int = 0  # services that fitted the whole request (before the limit)
    none_open: bool = False  # some fitted route/channel/age, none the time asked (unmet demand)
    # None of this kind is reached the way asked, so other ways are shown (a 居場所 by chat).
    other_ways: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"cards": [c.to_dict() for c in self.cards], "exact": self.exact, "note": self.note}


# --- formatting helpers -----------------------------------------------------------------


def format_date_ja(value: date, precision: str = "day") -> str:
    if precision == "year":
        return msg("date.year", y=value.year)
    if precision == "month":
        return msg("date.month", y=value.year, m=value.month)
    return msg("date.day", y=value.year, m=value.month, d=value.day)


def _clock(minute: int) -> str:
    minute %= DAY_MIN
    return msg("time.clock", h=minute // 60, m=minute % 60)


def _hour_text(minute: int) -> str:
    minute %= DAY_MIN
    if minute == 0:
        minute = DAY_MIN  # an end at midnight reads as 24時
    h, m = divmod(minute, 60)
    return msg("time.hour", h=h) if m == 0 else msg("time.hour_minute", h=h, m=m)


def _span_text(opens: int, closes: int) -> str:
    def fmt(minute: int) -> str:
        if minute == DAY_MIN:
            return "24:00"
        if minute > DAY_MIN:
            return "翌" + _clock(minute - DAY_MIN)
        return _clock(minute)

    return msg("today_hours.span", opens=fmt(opens), closes=fmt(closes))


def _day_label(base: date, day: date) -> str:
    delta = (day - base).days
    if delta == 0:
        return msg("time.day_today")
    if delta == 1:
        return msg("time.day_tomorrow")
    if 1 < delta < 7:
        return msg("time.day_weekday", weekday=weekday_ja(day.weekday()))
    return msg("time.day_date", month=day.month, day=day.day, weekday=weekday_ja(day.weekday()))


def _minute_to_dt(base: datetime, minute: int) -> datetime:
    midnight = base.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(minutes=minute)


def phone_digits(number: str) -> str:
    """'0120-783-556' -> '0120783556'; '#7119' stays dialable."""
    return re.sub(r"[^\d#]", "", number)


# --- time buckets ----------------------------------------------------------------------


def bucket_windows(when: str | None, at: datetime, days: int = HORIZON_DAYS) -> list[tuple[int, int]]:
    """Windows (minutes relative to at's midnight, from `at` on) that satisfy the bucket."""
    base = at.date()
    minute = at.hour * 60 + at.minute
    windows: list[tuple[int, int]] = []
    if when == "now":
        return [(minute, minute + 1)]
    if when is None:
        return [(minute, minute + days * DAY_MIN)]
    for offset in range(-1, days + 1):
        day = base + timedelta(days=offset)
        start = offset * DAY_MIN
        if when == "weekday_day":
            if day.weekday() < 5 and not is_holiday(day):
                windows.append((start + DAY_START, start + DAY_END))
        elif when == "evening":
            windows.append((start + DAY_END, start + DAY_MIN + MORNING_END))
        elif when == "weekend":
            if is_weekend_or_holiday(day):
                windows.append((start, start + DAY_MIN))
    clipped = [(max(s, minute), e) for s, e in windows if e > minute]
    return [(s, e) for s, e in clipped if e > s]


def first_fit(intervals: Sequence[Interval], windows: Sequence[tuple[int, int]]) -> tuple[int | None, bool]:
    """Earliest minute open inside a window; (None, False) when nothing overlaps.

    Both lists are sorted; a two-pointer walk keeps this linear. A certain overlap
    wins over an earlier uncertain one (holiday rule unknown).
    """
    best_uncertain = None
    i = j = 0
    n_i, n_w = len(intervals), len(windows)
    while i < n_i and j < n_w:
        start, end, certain = intervals[i]
        ws, we = windows[j]
        lo = start if start > ws else ws
        hi = end if end < we else we
        if lo < hi:
            if certain:
                return lo, True
            if best_uncertain is None or lo < best_uncertain:
                best_uncertain = lo
        if end < we:
            i += 1
        else:
            j += 1
    return (best_uncertain, False) if best_uncertain is not None else (None, False)


# --- per-request evaluation --------------------------------------------------------------


class _Candidate:
    """A snapshot entry plus what this request computed about it (entries stay shared)."""

    __slots__ = ("e", "intervals", "tier", "fit_minute", "open_now", "score", "rank")

    def __init__(self, entry: Entry) -> None:
        self.e = entry
        self.intervals: list[Interval] = []
        self.tier = 3
        self.fit_minute: int | None = None
        self.open_now: bool | None = None
        self.score = 0
        self.rank: tuple = ()


def _select(
    snapshot: DirectorySnapshot,
    category: str | None,
    channels: Iterable[str] | None,
    age: int | None,
    include_emergency: bool,
) -> list[_Candidate]:
    if category is None:
        pool: Iterable[Entry] = snapshot.entries
    elif channels:
        lists = [snapshot.by_category_channel.get((category, ch), ()) for ch in channels]
        pool = lists[0] if len(lists) == 1 else {e.id: e for lst in lists for e in lst}.values()
    else:
        pool = snapshot.by_category.get(category, ())
    out = []
    for e in pool:
        if e.emergency and not include_emergency:
            continue
        if age is not None and (
            (e.age_min is not None and e.age_min > age) or (e.age_max is not None and e.age_max < age)
        ):
            continue
        out.append(_Candidate(e))
    return out


def _evaluate(cands: list[_Candidate], request: LookupRequest, windows: list[tuple[int, int]], minute: int) -> None:
    """Tier (0 open at the requested time, 1 fits later, 2 unknown, 3 no fit) and fit score.

    The hot loop of every lookup, so it is written for speed (locals, no helper calls).
    """
    base = request.at.date()
    when = request.when
    simple = when in (None, "now")
    match = CHANNEL_MATCH[request.channel] if request.channel else None
    age_given = request.age is not None
    # A place to go to, at no set time: nearness comes before sure hours (a ward place whose
    # hours are still being checked before one in Kabukicho). Lines and chats, or a set time,
    # keep "open at the time asked" first.
    nearness_first = when is None and _nearness_matters(request)
    for c in cands:
        e = c.e
        score = e.static_score
        if e.has_times:
            intervals = e.intervals(base)
            c.intervals = intervals
            open_now: bool | None = False
            open_end = None
            for start, end, certain in intervals:
                if start > minute:
                    break
                if minute < end:
                    open_now = True if certain else None
                    open_end = end
                    break
            c.open_now = open_now
            if simple:  # "now" or "any time": one window starting at `minute`
                if open_now is not None and open_end is not None:
                    fit, certain = minute, True
                else:
                    fit, certain = first_fit(intervals, windows) if when is None else (None, False)
                    if open_now is None and when == "now":
                        fit, certain = minute, False
            else:
                fit, certain = first_fit(intervals, windows)
            c.fit_minute = fit
            if fit is None:
                c.tier = 3
            elif not certain:
                c.tier = 2
            elif fit <= minute:
                c.tier = 0
                if (
                    open_now
                    and open_end is not None
                    and e.hours_type != "24h"
                    and open_end - minute <= CLOSING_SOON_MIN
                ):
                    score -= 3  # closing within half an hour: others first
            else:
                c.tier = 1
        else:
            c.open_now = None
            c.tier = 2
        if match is not None and not e.channel_set.isdisjoint(match):
            score += 2
        if age_given and e.age_targeted:
            score += 1
        c.score = score
        # Open at the requested time first, then sooner, then nearer (ward, Tokyo,
        # national), then better fit, then staff priority.
        later = c.fit_minute if c.tier == 1 else 0
        locality = LOCALITY_ORDER.get(e.eligibility_area or "", 3)
        if nearness_first:
            c.rank = (c.tier == 3, locality, c.tier, later, -score, e.rank_tail)
        else:
            c.rank = (c.tier, later, locality, -score, e.rank_tail)


def _nearness_matters(request: LookupRequest) -> bool:
    """A place to go to (in person, or a 居場所): how far it is matters as much as its hours."""
    return request.channel == "in_person" or request.category == "free_space"


def _ward_place_first(
    chosen: list[_Candidate], candidates: list[_Candidate], request: LookupRequest
) -> tuple[list[_Candidate], str | None]:
    """A place to go to at a set time: the ward's own place leads even if its hours are unconfirmed.

    A Shinagawa resident asking for a weekend 居場所 should hear about the
    ward's place before one in Kabukicho, with an honest "ask before you
    go"; the places sure to be open follow. Only one such place, so the
    sure ones are not pushed out.
    """
    if request.when in (None, "now") or request.area is not None or not _nearness_matters(request):
        return chosen, None
    if any(c.e.eligibility_area == WARD for c in chosen):
        return chosen, None
    unsure = [c for c in candidates if c.tier == 2 and c.e.eligibility_area == WARD]
    if not unsure:
        return chosen, None
    place = unsure[0]
    return [place, *chosen][: request.limit], msg("notes.ward_unknown_hours_first", name=place.e.name)


def _open_until_minute(c: _Candidate, minute: int) -> int | None:
    if c.e.hours_type == "24h":
        return None
    for start, end, _certain in c.intervals:
        if start <= minute < end:
            return end
    return None


def _next_open_minute(c: _Candidate, minute: int) -> int | None:
    for start, _end, certain in c.intervals:
        if start > minute and certain:
            return start
    return None


def _fits(c: _Candidate, when: str | None) -> bool:
    return c.tier <= 1 or (when is None and c.tier == 2)


# --- card building ----------------------------------------------------------------------


def _contact_card(c: ContactFact) -> Contact:
    note = None
    if c.confidence != "verified":
        note = msg("contact.dated", date=format_date_ja(c.verified_on, c.verified_precision))
    value = c.value
    if c.kind == "phone":
        label = (
            msg("contact.phone_with_label", number=c.value, label=c.label)
            if c.label
            else msg("contact.phone", number=c.value)
        )
        value = phone_digits(c.value)
    elif c.kind == "url":
        label = c.label or msg("contact.url")
    elif c.kind == "line":
        if c.value.startswith(("http://", "https://")):
            label = c.label or msg("contact.line_url")
        elif c.value.startswith("@"):
            label = msg("contact.line_id", id=c.value)
        else:
            label = msg("contact.line_name", name=c.value)
    else:
        label = (
            msg("contact.address_with_label", address=c.value, label=c.label)
            if c.label
            else msg("contact.address", address=c.value)
        )
    return Contact(c.kind, label, value, note, _contact_text(c.kind, label, c.value, note))


def _contact_text(kind: str, label: str, value: str, note: str | None) -> str:
    """One readable line: a link's address is spelled out, since a text bubble cannot link a label."""
    text = msg(f"card.contact_prefix.{kind}")
    if kind in ("url", "line") and value.startswith(("http://", "https://")):
        default = msg("contact.url") if kind == "url" else msg("contact.line_url")
        text += value if label == default else msg("card.link_with_label", url=value, label=label)
    else:
        text += label
    if note:
        text += msg("card.contact_note", note=note)
    return text


def _shown_day(c: _Candidate, request: LookupRequest) -> date:
    """The day whose hours the card shows: the day asked about, not always today.

    A weekend request on a Wednesday shows Saturday's hours; "now" and "any
    time" show today's.
    """
    today = request.at.date()
    if request.when in ("weekday_day", "evening", "weekend") and c.fit_minute is not None and c.fit_minute >= 0:
        return today + timedelta(days=c.fit_minute // DAY_MIN)
    return today


def _today_hours(e: Entry, at: datetime, day: date | None = None) -> str:
    """The hours line for `day` (default: today), labelled 今日/明日/土曜."""
    if day is not None and day != at.date():
        return _day_hours(e, at.date(), day)
    sched = e.schedule
    if sched.hours_type == "24h":
        return msg("today_hours.always")
    if sched.hours_type == "appointment":
        return msg("today_hours.appointment")
    if sched.hours_type == "web":
        return msg("today_hours.web")
    if sched.hours_type != "weekly":
        return msg("today_hours.unknown")
    today = at.date()
    spill, own, certain = sched.today_spans(today)
    if not spill and not own:
        if is_holiday(today) and sched.holiday_rule == "closed":
            return msg("today_hours.closed_holiday")
        return msg("today_hours.closed")
    if not spill and own == [(0, DAY_MIN)]:
        text = msg("today_hours.whole_day")
    else:
        parts = ["〜" + _clock(closes) for _, closes in spill]
        parts += [_span_text(opens, closes) for opens, closes in own]
        text = msg("today_hours.spans", spans=msg("today_hours.span_joiner").join(parts))
    if not certain:
        text += msg("today_hours.holiday_unknown")
    return text


def _day_hours(e: Entry, today: date, day: date) -> str:
    sched = e.schedule
    if sched.hours_type != "weekly":
        return _today_hours(e, datetime.combine(day, datetime.min.time()))
    label = _day_label(today, day)
    spill, own, certain = sched.today_spans(day)
    if not spill and not own:
        return msg("today_hours.closed_on", day=label)
    if not spill and own == [(0, DAY_MIN)]:
        text = msg("today_hours.whole_day_on", day=label)
    else:
        parts = ["〜" + _clock(closes) for _, closes in spill]
        parts += [_span_text(opens, closes) for opens, closes in own]
        text = msg("today_hours.spans_on", day=label, spans=msg("today_hours.span_joiner").join(parts))
    if not certain:
        text += msg("today_hours.holiday_unknown")
    return text


def _reasons(c: _Candidate, request: LookupRequest) -> list[str]:
    e = c.e
    at = request.at
    minute = at.hour * 60 + at.minute
    out: list[str] = []
    if e.schedule.hours_type == "24h":
        out.append(msg("reasons.always_open"))
    elif c.open_now and (request.when in (None, "now") or c.tier == 0):
        end = _open_until_minute(c, minute)
        if end is not None:
            if end <= DAY_MIN:
                out.append(msg("reasons.open_until_today", time=_hour_text(end)))
            elif end <= DAY_MIN + 12 * 60:
                out.append(msg("reasons.open_until_tomorrow_morning", time=_hour_text(end - DAY_MIN)))
            else:
                day = at.date() + timedelta(days=(end - 1) // DAY_MIN)
                out.append(msg("reasons.open_until_later", day=_day_label(at.date(), day), time=_hour_text(end)))
    elif e.schedule.has_times and not c.open_now:
        nxt = c.fit_minute if c.tier == 1 else _next_open_minute(c, minute)
        if nxt is not None:
            when_dt = _minute_to_dt(at, nxt)
            out.append(msg("reasons.opens_at", day=_day_label(at.date(), when_dt.date()), clock=_clock(nxt)))
    channels = [ch for ch in e.channels if not request.channel or ch in CHANNEL_MATCH[request.channel]]
    if channels:
        out.append(msg(f"reasons.channel.{channels[0]}"))
    if e.reservation_required is False:
        out.append(msg("reasons.no_reservation"))
    if e.anonymous:
        out.append(msg("reasons.anonymous"))
    elif e.cost_free:
        out.append(msg("reasons.free"))
    if request.age is not None and (e.age_min is not None or e.age_max is not None):
        out.append(msg("reasons.age_fits"))
    return out[:4]


def _build_card(c: _Candidate, request: LookupRequest) -> ServiceCard:
    e = c.e
    contacts = e.contacts
    # Facts shown on this card and their provenance: the entry itself, hours (if shown), contacts.
    facts: list[tuple[str, date | None, str]] = [(e.confidence, e.verified_on, e.verified_precision)]
    if e.hours_shown and e.hours_type in ("weekly", "24h", "appointment"):
        facts.append((e.hours_confidence, e.hours_verified_on, e.hours_precision))
    n_main = len(facts)  # entry (+ hours); contacts carry their own dated note
    facts += [(x.confidence, x.verified_on, x.verified_precision) for x in contacts]
    dated = [(d, p) for conf, d, p in facts if d is not None]
    oldest = min(dated, key=lambda dp: dp[0]) if dated else (e.verified_on or date.today(), "day")
    partly = [(d, p) for conf, d, p in facts if conf == "partly" and d is not None]
    verified_note = None
    if partly:
        verified_note = msg("contact.dated", date=format_date_ja(*min(partly, key=lambda dp: dp[0])))
    main = [
        (conf, d, p) for i, (conf, d, p) in enumerate(facts) if d is not None and (i < n_main or conf == "verified")
    ]
    main_partly = [(d, p) for conf, d, p in main if conf == "partly"]
    main_oldest = min(((d, p) for _, d, p in main), key=lambda dp: dp[0], default=oldest)
    entry_note = (
        msg("contact.dated", date=format_date_ja(*min(main_partly, key=lambda dp: dp[0]))) if main_partly else None
    )
    notes = [n for n in (e.hours_note if e.hours_shown else None, e.notes) if n]
    today_hours = _today_hours(e, request.at, _shown_day(c, request))
    reasons = _reasons(c, request)
    last_verified_text = format_date_ja(*main_oldest)
    verified_text = msg("card.partly", note=entry_note) if entry_note else msg("card.verified", date=last_verified_text)
    return ServiceCard(
        service_id=e.key,
        name=e.name,
        organisation=e.org_name if e.org_confidence == "verified" else "",
        description=e.description,
        contacts=[_contact_card(x) for x in contacts],
        today_hours=today_hours,
        reasons=reasons,
        open_now=c.open_now,
        last_verified=oldest[0],
        verified_note=verified_note,
        category=e.category,
        channels=list(e.channels),
        notes=notes,
        last_verified_text=last_verified_text,
        fully_verified=not partly and all(conf == "verified" for conf, _, _ in facts),
        entry_note=entry_note,
        hours_text=msg("card.hours", hours=today_hours),
        open_now_text=msg("card.open_now") if c.open_now is True else "",
        reasons_title=msg("card.reasons_title") if reasons else "",
        verified_text=verified_text,
    )


# --- the query --------------------------------------------------------------------------


def find_services(session: Session, request: LookupRequest) -> LookupResult:
    """Services for `request`, best first; honest about it when nothing fits."""
    snapshot = get_snapshot(session)
    at = request.at
    minute = at.hour * 60 + at.minute
    channels = CHANNEL_MATCH[request.channel] if request.channel else None
    candidates = _select(snapshot, request.category, channels, request.age, request.include_emergency)
    if request.area is not None:
        candidates = [c for c in candidates if c.e.eligibility_area == request.area]
    if not candidates and request.channel is not None and request.category != "crisis_line":
        # No service of this kind is reached that way at all (a 居場所 by phone): the
        # same kind reached another way answers the question better than a different kind.
        other_ways = find_services(session, replace(request, channel=None))
        if other_ways.cards:
            note = msg("notes.no_channel", channel=msg(f"notes.channel_name.{request.channel}"))
            # Counted as what was asked: nothing fitted, nothing was closed.
            return replace(
                other_ways, exact=False, note=note + (other_ways.note or ""), fitted=0, none_open=False, other_ways=True
            )
    windows = bucket_windows(request.when, at)
    _evaluate(candidates, request, windows, minute)
    candidates.sort(key=attrgetter("rank"))
    fits = [c for c in candidates if _fits(c, request.when)]

    if fits:
        chosen = fits[: request.limit]
        if request.category == "crisis_line":
            chosen = _ensure_verified(chosen, fits)
        chosen, note = _ward_place_first(chosen, candidates, request)
        if len(chosen) < request.limit and request.when not in ("now",):
            maybe = [c for c in candidates if c.tier == 2 and c not in chosen]
            if maybe:
                chosen += maybe[: request.limit - len(chosen)]
                if request.when is not None and note is None:
                    note = msg("notes.unknown_hours_added")
        return LookupResult([_build_card(c, request) for c in chosen], exact=True, note=note, fitted=len(fits))

    # Nothing fits: say so, then offer the next opening and/or an open 24-hour line.
    chosen = []
    notes: list[str] = []
    nxt = _next_opening(candidates, minute)
    alt = None
    # "In Shinagawa?" asks about the ward: a national line would answer another question.
    if request.category in ALT_24H_CATEGORIES and request.area is None:
        alt = _open_24h_line(snapshot, request, minute)
    unknown_hours = [c for c in candidates if c.tier == 2]
    if nxt is not None:
        c, start = nxt
        when_dt = _minute_to_dt(at, start)
        notes.append(
            msg("notes.no_match_next", name=c.e.name, day=_day_label(at.date(), when_dt.date()), clock=_clock(start))
        )
    elif unknown_hours and alt is None:
        # Places whose hours are not confirmed yet are the answer, said plainly.
        notes.append(msg("notes.unknown_hours_only"))
    else:
        notes.append(
            msg("notes.no_match")
            if candidates or not (request.channel or request.age)
            else msg("notes.no_match_filters")
        )
    if alt is not None:
        notes.append(msg("notes.alt_24h", name=alt.e.name))
    lead_with_open = request.when in (None, "now")
    if alt is not None and lead_with_open:
        chosen.append(alt)
    if nxt is not None:
        chosen.append(nxt[0])
    if alt is not None and not lead_with_open:
        chosen.append(alt)
    for c in candidates:
        if len(chosen) >= request.limit:
            break
        if c.tier == 2 and c not in chosen:
            chosen.append(c)
    cards = [_build_card(c, request) for c in chosen[: request.limit]]
    return LookupResult(cards, exact=False, note="".join(notes), none_open=bool(candidates))


def _ensure_verified(chosen: list[_Candidate], fits: list[_Candidate]) -> list[_Candidate]:
    """Partly facts are never the only option in a crisis reply: keep one verified entry."""
    if any(c.e.solid for c in chosen):
        return chosen
    replacement = next((c for c in fits if c.e.solid and c not in chosen), None)
    if replacement is None:
        return chosen
    return [replacement, *chosen[:-1]]


def _next_opening(candidates: list[_Candidate], minute: int) -> tuple[_Candidate, int] | None:
    best = None
    for c in candidates:
        start = _next_open_minute(c, minute) if c.e.schedule.has_times else None
        if start is None:
            continue
        if best is None or (start, -c.score, -c.e.priority) < (best[1], -best[0].score, -best[0].e.priority):
            best = (c, start)
    return best


def _open_24h_line(snapshot: DirectorySnapshot, request: LookupRequest, minute: int) -> _Candidate | None:
    """An open-now 24-hour listening line (never 110/119), preferring the requested channel."""
    lines = [c for c in _select(snapshot, "crisis_line", None, request.age, False) if c.e.hours_type == "24h"]
    _evaluate(lines, request, bucket_windows("now", request.at), minute)
    lines = [c for c in lines if c.tier == 0]
    lines.sort(key=lambda c: (-c.score, not c.e.solid, -c.e.priority, c.e.name))
    return lines[0] if lines else None


def find_emergency_contacts(session: Session, at: datetime | None = None) -> list[ServiceCard]:
    """110 / 119 / #7119-type numbers, to show first when someone is in immediate danger."""
    at = to_tokyo(at or clock_now())
    request = LookupRequest(category="crisis_line", when="now", at=at, include_emergency=True, limit=10)
    snapshot = get_snapshot(session)
    minute = at.hour * 60 + at.minute
    candidates = [_Candidate(e) for e in snapshot.entries if e.emergency]
    _evaluate(candidates, request, bucket_windows("now", at), minute)
    candidates.sort(key=lambda c: (-c.e.priority, c.e.name))
    return [_build_card(c, request) for c in candidates]


# --- chat text --------------------------------------------------------------------------


def format_card_text(card: ServiceCard) -> str:
    """A compact Japanese text for a chat bubble: at most MAX_CARD_LINES lines.

    Every display string of the card stays (the rendering test checks it);
    short ones share a line, and contact lines are joined when there are many.
    Details beyond that sit behind the card's buttons on LINE and the web.
    """
    title = msg("card.title", name=card.name)
    if card.organisation:
        title += msg("card.organisation", organisation=card.organisation)
    hours = msg("card.part_joiner").join(t for t in (card.hours_text, card.open_now_text) if t)
    head = [title] + [t for t in (card.description,) if t]
    if card.reasons:
        head.append(msg("card.reasons", title=card.reasons_title, reasons=msg("card.reason_joiner").join(card.reasons)))
    head.append(hours)
    tail = [msg("card.part_joiner").join(card.notes)] if card.notes else []
    tail.append(card.verified_text)
    contacts = [contact.text for contact in card.contacts]
    room = max(1, MAX_CARD_LINES - len(head) - len(tail))
    while len(contacts) > room:
        # Join the two shortest neighbours until the contacts fit.
        i = min(range(len(contacts) - 1), key=lambda k: len(contacts[k]) + len(contacts[k + 1]))
        contacts[i : i + 2] = [msg("card.contact_joiner").join(contacts[i : i + 2])]
    return "\n".join(head + contacts + tail)
