"""Repository functions: every one takes the session first and never commits.

Callers own the transaction (tsunagari.db.session_scope), so an import or a
seed either lands whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from ..clock import to_tokyo
from .models import (
    CrisisEvent,
    DirectoryMeta,
    Organisation,
    Service,
)
from .snapshot import invalidate
from .visibility import organisation_hidden_reasons, service_hidden_reasons

_CHANNEL_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def refresh_visibility(session: Session, *, bump: bool = True) -> tuple[int, int]:
    """Recompute the derived `public` flags; returns (public orgs, public services).

    Call it after any direct edit; it bumps the directory revision so cached
    lookup snapshots are reloaded.
    """
    orgs = (
        session.execute(
            select(Organisation).options(
                selectinload(Organisation.contacts),
                selectinload(Organisation.services).selectinload(Service.contacts),
            )
        )
        .scalars()
        .all()
    )
    public_orgs = public_services = 0
    for org in orgs:
        for service in org.services:
            service.public = not service_hidden_reasons(service)
            public_services += service.public
        org.public = not organisation_hidden_reasons(org)
        public_orgs += org.public
        if not org.public:
            for service in org.services:
                service.public = False
    session.flush()
    if bump:
        bump_revision(session)
    return public_orgs, public_services


def directory_revision(session: Session) -> int:
    """Monotonic counter bumped on every directory write (lookup cache key)."""
    value = session.execute(select(DirectoryMeta.revision).where(DirectoryMeta.id == 1)).scalar()
    return int(value or 0)


def bump_revision(session: Session) -> int:
    meta = session.get(DirectoryMeta, 1)
    if meta is None:
        meta = DirectoryMeta(id=1, revision=0)
        session.add(meta)
    meta.revision = (meta.revision or 0) + 1
    meta.updated_at = datetime.now(timezone.utc)
    session.flush()
    invalidate(session.get_bind())
    return meta.revision


def directory_is_empty(session: Session) -> bool:
    return not session.execute(select(Organisation.id).limit(1)).first()


def list_services(session: Session, *, include_hidden: bool = True) -> list[Service]:
    """All services with everything needed to render them (for CLI list/check/export)."""
    stmt = (
        select(Service)
        .join(Service.organisation)
        .options(
            selectinload(Service.organisation).selectinload(Organisation.contacts),
            selectinload(Service.categories),
            selectinload(Service.channels),
            selectinload(Service.hours),
            selectinload(Service.contacts),
        )
        .order_by(Service.category, Organisation.key, Service.key)
    )
    if not include_hidden:
        stmt = stmt.where(Service.public.is_(True))
    return list(session.execute(stmt).scalars().all())


def list_organisations(session: Session) -> list[Organisation]:
    stmt = (
        select(Organisation)
        .options(selectinload(Organisation.contacts), selectinload(Organisation.services))
        .order_by(Organisation.key)
    )
    return list(session.execute(stmt).scalars().all())


# --- crisis event counts (aggregate only: no text, no user id) -------------------------


@dataclass(frozen=True)
class CrisisEventCount:
    event_date: date
    hour: int
    channel: str
    count: int


def record_crisis_event(session: Session, at: datetime, channel: str) -> None:
    """Add one to the (Tokyo date, hour, channel) bucket. Stores nothing else on purpose."""
    channel = normalise_channel(channel)
    local = to_tokyo(at)
    key = dict(event_date=local.date(), hour=local.hour, channel=channel)
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(CrisisEvent).values(**key, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["event_date", "hour", "channel"],
            set_={"count": CrisisEvent.count + 1},
        )
        session.execute(stmt)
        return
    updated = session.execute(
        update(CrisisEvent)
        .where(*(getattr(CrisisEvent, k) == v for k, v in key.items()))
        .values(count=CrisisEvent.count + 1)
    ).rowcount
    if not updated:
        session.add(CrisisEvent(**key, count=1))
        session.flush()


def normalise_channel(channel: str | None) -> str:
    """A short code like 'line' or 'socketio'; anything odd is folded, never stored verbatim."""
    code = re.sub(r"[^a-z0-9_]+", "_", (channel or "").strip().lower()).strip("_")[:32]
    return code if _CHANNEL_RE.match(code) else "unknown"


def crisis_event_counts(session: Session, since: date) -> list[CrisisEventCount]:
    """Counts per (date, hour, channel) from `since` (Tokyo date, inclusive), oldest first."""
    rows = session.execute(
        select(CrisisEvent.event_date, CrisisEvent.hour, CrisisEvent.channel, func.sum(CrisisEvent.count))
        .where(CrisisEvent.event_date >= since)
        .group_by(CrisisEvent.event_date, CrisisEvent.hour, CrisisEvent.channel)
        .order_by(CrisisEvent.event_date, CrisisEvent.hour, CrisisEvent.channel)
    ).all()
    return [CrisisEventCount(d, int(h), c, int(n)) for d, h, c, n in rows]
