"""How long conversations are kept: the tracker database and its retention.

The conversation store is Rasa's SQL tracker store (table ``events``: one
row per event, with ``sender_id`` and a float UNIX ``timestamp``). A
conversation is deleted when its *last* event is older than the retention
period, so a conversation that is still going on is never cut in half.

Deletion runs in batches of conversations, each in its own short
transaction, so the running service is never blocked for long (SQLite locks
the whole file while writing). The composite index on
``(sender_id, timestamp)`` lets the database find each conversation's last
event from the index alone: one grouped pass lists the expired conversations,
then they are deleted batch by batch.

The anonymous crisis counts live in the directory database
(``crisis_events``) and are never touched here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..config import settings

EVENTS_TABLE = "events"
RETENTION_INDEX = "ix_events_sender_id_timestamp"
DEFAULT_BATCH_SIZE = 500
REPO_ROOT = Path(__file__).resolve().parents[2]

_events = sa.table(EVENTS_TABLE, sa.column("sender_id", sa.String), sa.column("timestamp", sa.Float))


def default_tracker_path() -> Path:
    """var/tracker.sqlite3 under the repo root (or the working directory when installed)."""
    root = REPO_ROOT if (REPO_ROOT / "endpoints.yml").exists() else Path.cwd()
    return root / "var" / "tracker.sqlite3"


def tracker_url() -> str:
    """TSUNAGARI_TRACKER_URL, or the SQLite file var/tracker.sqlite3."""
    return settings().tracker_url or f"sqlite:///{default_tracker_path()}"


def retention_days() -> int:
    """TSUNAGARI_RETENTION_DAYS (default 30); a clear error for anything but a positive whole number."""
    raw = settings().retention_days
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"TSUNAGARI_RETENTION_DAYS must be a whole number of days, not {raw!r}") from None
    if days < 1:
        raise ValueError(f"TSUNAGARI_RETENTION_DAYS must be at least 1, not {days}")
    return days


def ensure_retention_index(engine: Engine) -> None:
    """Create the (sender_id, timestamp) index if the events table exists and lacks it."""
    inspector = sa.inspect(engine)
    if not inspector.has_table(EVENTS_TABLE):
        return
    if any(index["name"] == RETENTION_INDEX for index in inspector.get_indexes(EVENTS_TABLE)):
        return
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS {RETENTION_INDEX} ON {EVENTS_TABLE} (sender_id, timestamp)")
        )


@dataclass(frozen=True)
class RetentionResult:
    conversations: int
    events: int
    cutoff: datetime


def _expired_senders(engine: Engine, cutoff: float) -> list[str]:
    """One grouped pass over the (sender_id, timestamp) index: every expired conversation."""
    query = (
        sa.select(_events.c.sender_id)
        .group_by(_events.c.sender_id)
        .having(sa.func.max(_events.c.timestamp) < cutoff)
        .order_by(_events.c.sender_id)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def delete_old_conversations(
    engine: Engine, days: int, now: datetime, batch_size: int = DEFAULT_BATCH_SIZE
) -> RetentionResult:
    """Delete every conversation whose last event is more than ``days`` days before ``now``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff_at = now - timedelta(days=days)
    cutoff = cutoff_at.timestamp()
    if not sa.inspect(engine).has_table(EVENTS_TABLE):
        return RetentionResult(0, 0, cutoff_at)
    ensure_retention_index(engine)
    expired = _expired_senders(engine, cutoff)
    conversations = events = 0
    for start in range(0, len(expired), batch_size):
        batch = expired[start : start + batch_size]
        with engine.begin() as connection:
            # A resident who wrote again since the list was read keeps everything.
            revived = sa.select(_events.c.sender_id).where(
                _events.c.sender_id.in_(batch), _events.c.timestamp >= cutoff
            )
            deleted = connection.execute(
                sa.delete(_events).where(_events.c.sender_id.in_(batch), _events.c.sender_id.not_in(revived))
            ).rowcount
        if deleted:
            conversations += len(batch)
            events += deleted
    return RetentionResult(conversations, events, cutoff_at)
