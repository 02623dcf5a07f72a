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
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from .hours import Interval, Schedule
from .models import (
    CHANNELS,
    Contact,
    DirectoryMeta,
    OpeningHours,
    Organisation,
    Service,
    ServiceCategory,
    ServiceChannel,
)
from .visibility import fact_showable

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


@dataclass(frozen=True, slots=True, eq=False)  # identity: entries are shared, never compared
class Entry:
    """One public service with everything a card needs, computed once per load."""

    id: int
    key: str
    name: str
    category: str
    categories: tuple[str, ...]
    description: str
    age_min: int | None
    age_max: int | None
    eligibility_area: str | None
    priority: int
    reservation_required: bool | None
    cost_free: bool | None
    anonymous: bool | None
    confidence: str
    verified_on: date | None
    verified_precision: str
    notes: str | None
    hours_note: str | None
    hours_shown: bool  # the hours fact may be shown (else hours_type is "unknown")
    hours_type: str
    hours_confidence: str
    hours_verified_on: date | None
    hours_precision: str
    org_name: str
    org_confidence: str
    emergency: bool
    channels: tuple[str, ...]
    channel_set: frozenset[str]
    contacts: tuple[ContactFact, ...]
    schedule: Schedule
    has_times: bool
    # Entry, shown hours and at least one contact verified (not merely partly): ranked
    # higher, and a crisis reply always includes one (partly facts are never the only option).
    solid: bool
    age_targeted: bool
    static_score: int
    rank_tail: tuple
    _iv: dict = field(default_factory=dict, compare=False, repr=False)

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


_cache: weakref.WeakKeyDictionary[object, DirectorySnapshot] = weakref.WeakKeyDictionary()
_checked: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _token(session: Session) -> tuple:
    row = session.execute(select(DirectoryMeta.revision, DirectoryMeta.updated_at).where(DirectoryMeta.id == 1)).first()
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


# Contact kinds through which a service channel can be used.
REACHABLE_BY = {
    "phone": frozenset({"phone"}),
    "chat": frozenset({"url", "line"}),
    "line": frozenset({"line", "url"}),
    "online": frozenset({"url"}),
    "in_person": frozenset({"address"}),
}


# Entry fields copied straight from the Service column of the same name; the
# SELECT below reads them by these names, so column order never matters.
_SERVICE_COLUMNS = (
    "id", "key", "name", "category", "description", "age_min", "age_max", "eligibility_area",
    "reservation_required", "cost_free", "anonymous", "confidence", "verified_on", "verified_precision",
    "notes", "hours_note", "hours_confidence", "hours_verified_on", "hours_precision",
)  # fmt: skip


def _entry(
    r: Any, categories: list[str], channels: list[str], contacts: list[ContactFact], hours: list[tuple]
) -> Entry:
    """Build one Entry from its labelled service row and its child rows."""
    hours_shown = fact_showable(r.hours_confidence, r.hours_verified_on)
    hours_type = r.hours_type if hours_shown else "unknown"
    schedule = Schedule.from_rows(hours_type, r.holiday_rule, hours)
    ordered_channels = tuple(sorted(channels, key=CHANNELS.index))
    solid = (
        r.confidence == "verified"
        and (not hours_shown or r.hours_confidence == "verified")
        and any(c.confidence == "verified" for c in contacts)
    )
    priority = r.priority or 0
    return Entry(
        **{name: getattr(r, name) for name in _SERVICE_COLUMNS},
        categories=tuple(categories),
        priority=priority,
        hours_shown=hours_shown,
        hours_type=hours_type,
        org_name=r.org_name,
        org_confidence=r.org_confidence,
        emergency=bool(r.emergency),
        channels=ordered_channels,
        channel_set=frozenset(ordered_channels),
        contacts=tuple(contacts),
        schedule=schedule,
        has_times=schedule.has_times,
        solid=solid,
        age_targeted=r.age_min is not None or r.age_max is not None,
        static_score=(r.eligibility_area == "品川区") + solid,
        rank_tail=(-priority, r.confidence != "verified", r.name, r.key),
    )


def load_snapshot(session: Session, token: tuple = (0, "")) -> DirectorySnapshot:
    rows = session.execute(
        select(
            *(getattr(Service, name) for name in _SERVICE_COLUMNS),
            Service.priority,
            Service.hours_type,
            Service.holiday_rule,
            Service.emergency,
            Organisation.name.label("org_name"),
            Organisation.confidence.label("org_confidence"),
        )
        .join(Organisation, Service.organisation_id == Organisation.id)
        .where(Service.public.is_(True), Organisation.public.is_(True))
    ).all()
    services = {r.id: r for r in rows}
    categories: dict[int, list[str]] = {sid: [r.category] for sid, r in services.items()}
    channels: dict[int, list[str]] = {sid: [] for sid in services}
    contacts: dict[int, list[ContactFact]] = {sid: [] for sid in services}
    hours: dict[int, list[tuple]] = {sid: [] for sid in services}

    for sid, category in session.execute(select(ServiceCategory.service_id, ServiceCategory.category)):
        if sid in services and category not in categories[sid]:
            categories[sid].append(category)
    for sid, channel in session.execute(select(ServiceChannel.service_id, ServiceChannel.channel)):
        if sid in services:
            channels[sid].append(channel)
    for h in session.execute(
        select(
            OpeningHours.service_id,
            OpeningHours.day_kind,
            OpeningHours.day,
            OpeningHours.opens_min,
            OpeningHours.closes_min,
        )
    ):
        if h.service_id in services:
            hours[h.service_id].append((h.day_kind, h.day, h.opens_min, h.closes_min))
    for c in session.execute(
        select(
            Contact.service_id,
            Contact.kind,
            Contact.value,
            Contact.label,
            Contact.confidence,
            Contact.verified_on,
            Contact.verified_precision,
        )
        .where(Contact.service_id.isnot(None))
        .order_by(Contact.service_id, Contact.position)
    ):
        if c.service_id in services and fact_showable(c.confidence, c.verified_on):
            contacts[c.service_id].append(
                ContactFact(c.kind, c.value, c.label, c.confidence, c.verified_on, c.verified_precision)
            )

    entries = tuple(_entry(r, categories[sid], channels[sid], contacts[sid], hours[sid]) for sid, r in services.items())
    by_category: dict[str, list[Entry]] = {}
    by_category_channel: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
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
        entries=entries,
        by_category={k: tuple(v) for k, v in by_category.items()},
        by_category_channel={k: tuple(v) for k, v in by_category_channel.items()},
    )


__all__ = ["ContactFact", "DirectorySnapshot", "Entry", "get_snapshot", "invalidate", "load_snapshot"]
