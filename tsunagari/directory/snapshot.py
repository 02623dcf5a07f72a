"""An in-process, read-only copy of the public directory, compiled for fast lookups.

A lookup should cost a few milliseconds even with 1,000 services, so the public
part of the directory is loaded once per process (5 plain SELECTs), compiled
into Schedules, and reused until the directory revision changes. Every write
through the repository/importer bumps `directory_meta`; the cache key also
includes the bump time, and a short TTL covers edits made outside this code.
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from .hours import Interval, Schedule
from .models import (
    Contact,
    DirectoryMeta,
    OpeningHours,
    Organisation,
    Service,
    ServiceCategory,
    ServiceChannel,
)
from .repository import fact_showable

TTL_SECONDS = 60.0  # reload at least this often (edits made outside this code)
RECHECK_SECONDS = 1.0  # ask the database for the revision at most this often
_INTERVAL_DAYS_BEFORE = 1
_INTERVAL_DAYS_AFTER = 8


class ContactFact(NamedTuple):
    kind: str
    value: str
    label: str | None
    confidence: str
    verified_on: date | None
    verified_precision: str


class Entry:
    """One public service with everything a card needs; immutable after loading."""

    __slots__ = (
        "id", "key", "name", "category", "categories", "description", "age_min", "age_max",
        "eligibility_area", "priority", "reservation_required", "cost_free", "anonymous",
        "confidence", "verified_on", "verified_precision", "notes", "hours_note", "hours_type",
        "hours_shown", "hours_confidence", "hours_verified_on", "hours_precision", "org_name",
        "org_confidence", "channels", "channel_set", "schedule", "contacts", "emergency", "_iv",
        "has_times", "static_score", "age_targeted", "solid", "rank_tail",
    )

    def intervals(self, base: date) -> list[Interval]:
        """Open intervals around `base` (minutes vs base midnight), memoised per date."""
        cached = self._iv.get(base)
        if cached is None:
            if len(self._iv) > 16:  # a long-running process moves on day by day
                self._iv.clear()
            cached = self.schedule.intervals(base, _INTERVAL_DAYS_BEFORE, _INTERVAL_DAYS_AFTER)
            self._iv[base] = cached
        return cached



@dataclass(frozen=True)
class DirectorySnapshot:
    token: tuple
    loaded_at: float
    entries: tuple[Entry, ...]
    by_category: dict[str, tuple[Entry, ...]]
    by_category_channel: dict[tuple[str, str], tuple[Entry, ...]]


_cache: "weakref.WeakKeyDictionary[object, DirectorySnapshot]" = weakref.WeakKeyDictionary()
_checked: "weakref.WeakKeyDictionary[object, float]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _token(session: Session) -> tuple:
    row = session.execute(
        select(DirectoryMeta.revision, DirectoryMeta.updated_at).where(DirectoryMeta.id == 1)
    ).first()
    return (row[0], str(row[1])) if row else (0, "")


def get_snapshot(session: Session) -> DirectorySnapshot:
    """The cached snapshot for the session's database, reloaded when the directory changed."""
    engine = session.get_bind()
    cached = _cache.get(engine)
    now = time.monotonic()
    if cached is not None and now - cached.loaded_at < TTL_SECONDS:
        if now - _checked.get(engine, 0.0) < RECHECK_SECONDS:
            return cached
        token = _token(session)
        _checked[engine] = now
        if cached.token == token:
            return cached
    else:
        token = _token(session)
    snapshot = load_snapshot(session, token)
    with _lock:
        _cache[engine] = snapshot
        _checked[engine] = now
    return snapshot


def invalidate(engine: object) -> None:
    """Forget the snapshot of one database (called on every directory write in this process)."""
    with _lock:
        _cache.pop(engine, None)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _checked.clear()


# Contact kinds through which a service channel can be used.
REACHABLE_BY = {
    "phone": frozenset({"phone"}),
    "chat": frozenset({"url", "line"}),
    "line": frozenset({"line", "url"}),
    "online": frozenset({"url"}),
    "in_person": frozenset({"address"}),
}


def load_snapshot(session: Session, token: tuple = (0, "")) -> DirectorySnapshot:
    rows = session.execute(
        select(
            Service.id, Service.key, Service.name, Service.category, Service.description, Service.age_min,
            Service.age_max, Service.eligibility_area, Service.priority, Service.reservation_required,
            Service.cost_free, Service.anonymous, Service.confidence, Service.verified_on,
            Service.verified_precision, Service.notes, Service.hours_note, Service.hours_type,
            Service.holiday_rule, Service.hours_confidence, Service.hours_verified_on,
            Service.hours_precision, Service.emergency, Organisation.name, Organisation.confidence,
        )
        .join(Organisation, Service.organisation_id == Organisation.id)
        .where(Service.public.is_(True), Organisation.public.is_(True))
    ).all()
    entries: dict[int, Entry] = {}
    holiday_rules: dict[int, str] = {}
    for r in rows:
        e = Entry()
        e.id, e.key, e.name, e.category, e.description = r[0], r[1], r[2], r[3], r[4]
        e.age_min, e.age_max, e.eligibility_area, e.priority = r[5], r[6], r[7], r[8] or 0
        e.reservation_required, e.cost_free, e.anonymous = r[9], r[10], r[11]
        e.confidence, e.verified_on, e.verified_precision = r[12], r[13], r[14]
        e.notes, e.hours_note = r[15], r[16]
        e.hours_confidence, e.hours_verified_on, e.hours_precision = r[19], r[20], r[21]
        e.hours_shown = fact_showable(e.hours_confidence, e.hours_verified_on)
        e.hours_type = r[17] if e.hours_shown else "unknown"
        e.emergency = bool(r[22])
        e.org_name, e.org_confidence = r[23], r[24]
        e.categories, e.channels, e.contacts, e._iv = [e.category], [], [], {}
        holiday_rules[e.id] = r[18]
        entries[e.id] = e

    for sid, category in session.execute(select(ServiceCategory.service_id, ServiceCategory.category)):
        e = entries.get(sid)
        if e is not None and category not in e.categories:
            e.categories.append(category)
    for sid, channel in session.execute(select(ServiceChannel.service_id, ServiceChannel.channel)):
        e = entries.get(sid)
        if e is not None:
            e.channels.append(channel)
    hours: dict[int, list[tuple]] = {}
    for sid, kind, day, opens, closes in session.execute(
        select(OpeningHours.service_id, OpeningHours.day_kind, OpeningHours.day,
               OpeningHours.opens_min, OpeningHours.closes_min)
    ):
        if sid in entries:
            hours.setdefault(sid, []).append((kind, day, opens, closes))
    for c in session.execute(
        select(Contact.service_id, Contact.kind, Contact.value, Contact.label, Contact.confidence,
               Contact.verified_on, Contact.verified_precision)
        .where(Contact.service_id.isnot(None))
        .order_by(Contact.service_id, Contact.position)
    ):
        e = entries.get(c[0])
        if e is not None and fact_showable(c[4], c[5]):
            e.contacts.append(ContactFact(c[1], c[2], c[3], c[4], c[5], c[6]))

    from .models import CHANNELS

    by_category: dict[str, list[Entry]] = {}
    by_category_channel: dict[tuple[str, str], list[Entry]] = {}
    for e in entries.values():
        e.channels = tuple(sorted(e.channels, key=CHANNELS.index))
        e.channel_set = frozenset(e.channels)
        e.contacts = tuple(e.contacts)
        e.categories = tuple(e.categories)
        e.schedule = Schedule.from_rows(e.hours_type, holiday_rules[e.id], hours.get(e.id, ()))
        e.has_times = e.schedule.has_times
        # Entry, shown hours and at least one contact verified (not merely partly): ranked
        # higher, and a crisis reply always includes one (partly facts are never the only option).
        e.solid = (e.confidence == "verified" and (not e.hours_shown or e.hours_confidence == "verified")
                   and any(c.confidence == "verified" for c in e.contacts))
        e.age_targeted = e.age_min is not None or e.age_max is not None
        e.static_score = (e.eligibility_area == "品川区") + e.solid
        e.rank_tail = (-e.priority, e.confidence != "verified", e.name, e.key)
        # A channel filter only finds services that residents can actually reach
        # that way: 「電話で」 needs a shown phone number, not just a phone line
        # whose number is unverified.
        shown_kinds = {c.kind for c in e.contacts}
        reachable = [ch for ch in e.channels if shown_kinds & REACHABLE_BY.get(ch, frozenset())]
        for category in e.categories:
            by_category.setdefault(category, []).append(e)
            for channel in reachable:
                by_category_channel.setdefault((category, channel), []).append(e)
    return DirectorySnapshot(
        token=token,
        loaded_at=time.monotonic(),
        entries=tuple(entries.values()),
        by_category={k: tuple(v) for k, v in by_category.items()},
        by_category_channel={k: tuple(v) for k, v in by_category_channel.items()},
    )


__all__ = ["ContactFact", "DirectorySnapshot", "Entry", "clear_cache", "get_snapshot", "load_snapshot"]
