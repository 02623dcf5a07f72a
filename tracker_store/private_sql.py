"""Rasa's SQL tracker store, with the resident's text redacted before it is written.

Configured in endpoints.yml as ``type: tracker_store.PrivateSQLTrackerStore``.
The database is TSUNAGARI_TRACKER_URL, else the endpoint's ``url``, else the
SQLite file var/tracker.sqlite3. TSUNAGARI_STORE_TEXT chooses ``redacted``
(default) or ``none``. The redaction itself lives in tsunagari.privacy.

Differences from Rasa's SQLTrackerStore, and why:
- every event passes through ``tsunagari.privacy.events.storable_event``
  (Rasa's own NLU and the safety layer have already seen the full text);
- start-up does not block while the database is down (Rasa's loops forever);
- when the database fails mid-conversation, the turn still succeeds: the
  tracker is kept in memory (``pending``), one clear log line says so, and
  it is written as soon as the database answers again. Recently saved
  trackers are cached, so a conversation in crisis mode keeps its slots
  through an outage. With several instances (``TSUNAGARI_REDIS_URL``), a
  waiting conversation is also put in Redis (tsunagari.shared_pending), so
  the next turn on another instance continues it, in order, and a killed
  instance's waiting turns are written by a survivor (watcher thread);
- no event broker: it would publish the unredacted events;
- log lines carry neither message text nor sender ids;
- the retention job runs in a daemon thread once a day.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Generator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.exc import SQLAlchemyError

from tsunagari.clock import now
from tsunagari.config import settings
from tsunagari.db import make_engine
from tsunagari.privacy.events import storable_event, text_scrubber
from tsunagari.privacy.logs import install_log_scrubber
from tsunagari.privacy.retention import (
    delete_old_conversations,
    ensure_retention_index,
    retention_days,
    tracker_url,
)
from tsunagari.service import switch_off_outbound_reporting
from tsunagari.shared_pending import Entry, shared_pending

logger = logging.getLogger(__name__)

RECENT_TRACKERS = 2000  # kept in memory to ride out a database outage
STORED_COUNTS = 20000
RETENTION_FIRST_RUN_SECONDS = 60.0
RETENTION_INTERVAL_SECONDS = 24 * 3600.0
WRITE_BACK_INTERVAL_SECONDS = 2.0  # how often waiting conversations in Redis are looked for


switch_off_outbound_reporting()
install_log_scrubber()


def _sqlite_wal(dbapi_connection, _record) -> None:
    """WAL with synchronous=NORMAL: a commit no longer waits for fsync.

    A process crash loses nothing; a power cut may lose the last turns, never
    corrupts the file. It roughly halves the per-turn cost (see make bench).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _reason(exc: BaseException) -> str:
    """Error class and the driver's first line: never the SQL or its parameters."""
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [""])[0][:160]
    return f"{type(original).__name__}: {first_line}" if first_line else type(original).__name__


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store that stores redacted text and survives database outages."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        store_text: str | None = None,
        start_retention: bool = True,
        start_write_back: bool = True,
        **kwargs: Any,
    ) -> None:
        if event_broker is not None:
            logger.warning(
                "An event broker is configured; this tracker store does not stream events to it "
                "(they would carry unredacted text)."
            )
        mode = (store_text or settings().store_text).strip().lower()
        text_scrubber(mode)  # a wrong TSUNAGARI_STORE_TEXT stops start-up with a clear message
        self.store_text = mode
        url = settings().tracker_url or host or tracker_url()
        if sa.engine.make_url(url).get_backend_name() == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite file per use (NullPool); closing the
            # last WAL connection checkpoints. Keeping connections open saves ~1 ms a call.
            self.engine = make_engine(url, poolclass=sa.pool.QueuePool)
            sa.event.listen(self.engine, "connect", _sqlite_wal)
        else:
            # No pre-ping round trip per checkout: after a database restart the first use
            # of a stale connection fails, SQLAlchemy drops the pool's old connections and
            # the operation is tried once more on a fresh one (_fresh_connection_retry).
            # The pool is sized per process (TSUNAGARI_TRACKER_POOL_SIZE / _MAX_OVERFLOW) so that
            # several Rasa instances stay under PostgreSQL's max_connections (make cluster checks).
            self.engine = make_engine(
                url,
                pool_pre_ping=False,
                pool_size=int(settings().tracker_pool_size),
                max_overflow=int(settings().tracker_max_overflow),
            )
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._schema_ready = False
        self._down = False
        self._pending: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        self._recent: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        self._unknown_base: set[str] = set()
        # How many of a conversation's events (of its latest session, as last read) are
        # already stored: saves then skip Rasa's COUNT query. Refreshed by every retrieve.
        self._stored: OrderedDict[str, int] = OrderedDict()
        # Waiting conversations shared between instances (nothing shared without Redis), and
        # the conversations whose tracker did not come from the database: another instance
        # may have written part of them, so their next write counts what is stored (by time).
        self._shared = shared_pending(settings().redis_url, settings().redis_prefix)
        self._by_time: set[str] = set()
        TrackerStore.__init__(self, domain, None)
        try:
            self._ensure_schema()
        except SQLAlchemyError as exc:
            self._report_down("start-up", exc)
        logger.info("Conversation store: %s (text stored: %s).", self.engine.url.get_backend_name(), mode)
        if start_retention:
            self._start_retention_thread()
        if start_write_back and self._shared.enabled:
            self._start_write_back_thread()

    # -- schema and sessions -------------------------------------------------
    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        self.Base.metadata.create_all(self.engine, tables=[self.SQLEvent.__table__])
        ensure_retention_index(self.engine)
        self._schema_ready = True

    @contextlib.contextmanager
    def session_scope(self) -> Generator[sa.orm.Session, None, None]:
        """A plain session (Rasa's exits the process on a missing PostgreSQL schema)."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    # -- outage bookkeeping ------------------------------------------------------
    def _report_down(self, operation: str, exc: BaseException) -> None:
        level = logging.WARNING if self._down else logging.ERROR
        self._down = True
        logger.log(
            level,
            "Conversation store unavailable during %s (%s); the conversation continues from "
            "memory, %d conversation(s) waiting to be written.",
            operation,
            _reason(exc),
            len(self._pending),
        )

    def _report_up(self) -> None:
        if self._down:
            self._down = False
            logger.info("Conversation store answers again.")
        if self._pending:
            self._flush_pending()

    def _flush_pending(self) -> None:
        written = 0
        for sender_id in list(self._pending):
            tracker = self._pending.get(sender_id)
            if tracker is None:
                continue
            try:
                self._write(tracker)
            except SQLAlchemyError as exc:
                self._report_down("write-back", exc)
                return
            self._pending.pop(sender_id, None)
            written += 1
        if written:
            logger.info("Wrote %d conversation(s) kept in memory during the outage.", written)

    def _remember(self, tracker: DialogueStateTracker) -> None:
        self._recent[tracker.sender_id] = tracker
        self._recent.move_to_end(tracker.sender_id)
        while len(self._recent) > RECENT_TRACKERS:
            self._recent.popitem(last=False)

    # -- TrackerStore API ----------------------------------------------------------
    async def keys(self):
        try:
            self._ensure_schema()
            stored = await super().keys()
        except SQLAlchemyError as exc:
            self._report_down("listing", exc)
            stored = []
        return sorted(set(stored) | set(self._pending))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if self._shared.enabled:
            # Another instance may have continued this conversation since this process's own
            # waiting copy: write every waiting version first, then read the database.
            shared = self._shared.get(sender_id)
            if shared is not None or sender_id in self._pending:
                try:
                    self._fresh_connection_retry(lambda: self._write_waiting(sender_id, shared))
                except SQLAlchemyError as exc:
                    self._report_down("write-back", exc)
                    return self._waiting(sender_id, shared)
                self._report_up()
        elif sender_id in self._pending:
            return self._pending[sender_id].copy()  # one process: its own copy is the newest
        try:
            self._ensure_schema()
            tracker = self._fresh_connection_retry(lambda: self._read(sender_id, fetch_events_from_all_sessions))
        except SQLAlchemyError as exc:
            self._report_down("read", exc)
            if self._shared.enabled:
                shared = self._shared.get(sender_id)
                if shared is not None:
                    return self._waiting(sender_id, shared)
                self._not_from_database(sender_id)
            cached = self._recent.get(sender_id)
            if cached is not None:
                return cached.copy()
            # Unknown history: when written later, all of this tracker's events are new.
            self._unknown_base.add(sender_id)
            return None
        self._by_time.discard(sender_id)
        self._report_up()
        return tracker

    @staticmethod
    def _fresh_connection_retry(operation: Callable[[], Any]) -> Any:
        """Run a database operation; once more when it failed on a connection the server had closed.

        SQLAlchemy's optimistic disconnect handling: a stale pooled connection
        (PostgreSQL restarted, or back after an outage) is not an outage. Taking
        it for one served the turn from an older copy in memory, and in a cluster
        the other instance's turns were missed.
        """
        try:
            return operation()
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return operation()

    def _write_waiting(self, sender_id: str, shared: Entry | None) -> None:
        """Write the shared waiting version, then this process's own (each adds only what is missing)."""
        if shared is not None:
            self._write_back(shared)
        local = self._pending.get(sender_id)
        if local is not None:
            self._write(local)
            self._pending.pop(sender_id, None)

    def _waiting(self, sender_id: str, shared: Entry | None) -> DialogueStateTracker:
        """The newest waiting version: this process's own (full text), or the shared one if longer."""
        local = self._pending.get(sender_id)
        if self._shared.enabled:
            self._not_from_database(sender_id)
        if shared is not None and (local is None or len(shared.events) > len(local.events)):
            return DialogueStateTracker.from_dict(sender_id, shared.events, self.domain.slots)
        return local.copy()

    def _not_from_database(self, sender_id: str) -> None:
        """Another instance may write part of this conversation: count what is stored at the next write."""
        self._by_time.add(sender_id)
        self._stored.pop(sender_id, None)

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's query (latest session unless all are asked for), in SQLAlchemy Core: no ORM cost."""
        table = self.SQLEvent.__table__
        query = sa.select(table.c.data).where(table.c.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            session_start = (
                sa.select(sa.func.max(table.c.timestamp))
                .where(table.c.sender_id == sender_id, table.c.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            query = query.where(sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))
        with self.engine.connect() as connection:
            events = [json.loads(data) for (data,) in connection.execute(query.order_by(table.c.id))]
        if not fetch_events_from_all_sessions:
            self._mark_stored(sender_id, len(events))
        if not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the events not yet stored, redacted; never raises on a database error."""
        sender_id = tracker.sender_id
        try:
            self._ensure_schema()
            self._fresh_connection_retry(lambda: self._write(tracker))
        except SQLAlchemyError as exc:
            self._pending[sender_id] = tracker
            self._remember(tracker)
            if self._shared.enabled:
                self._not_from_database(sender_id)
                self._shared.put(sender_id, [storable_event(e.as_dict(), self.store_text) for e in tracker.events])
            self._report_down("write", exc)
            return
        self._pending.pop(sender_id, None)
        self._remember(tracker)
        if sender_id in self._by_time:
            # Under the conversation's lock nobody else has a newer version: the shared one is written.
            self._by_time.discard(sender_id)
            self._shared.delete(sender_id)
        self._report_up()

    def _write(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        if sender_id in self._by_time:
            self._write_by_time(tracker)
            self._mark_stored(sender_id, len(tracker.events))
            return
        with self.engine.begin() as connection:
            if sender_id in self._unknown_base:
                events = list(tracker.events)
            elif sender_id in self._stored and self._stored[sender_id] <= len(tracker.events):
                events = list(tracker.events)[self._stored[sender_id] :]
            else:
                with self.session_scope() as session:
                    events = list(self._additional_events(session, tracker))
            if events:
                connection.execute(self.SQLEvent.__table__.insert(), self._rows(sender_id, events))
        self._unknown_base.discard(sender_id)
        self._mark_stored(sender_id, len(tracker.events))

    def _rows(self, sender_id: str, events: list) -> list[dict[str, Any]]:
        rows = []
        for event in events:
            data = event.as_dict()
            parse_data = data.get("parse_data") or {}
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (parse_data.get("intent") or {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(storable_event(data, self.store_text), ensure_ascii=False),
                }
            )
        return rows

    def _write_by_time(self, tracker: DialogueStateTracker) -> None:
        """Write the events the database does not have yet, whoever wrote the others.

        A conversation's events are all newer than the earliest event of its
        latest session; each event is known by its timestamp and type, so an
        event already stored (by this or another instance) is skipped and every
        other one is written. Counting the stored events instead lost a turn when
        another instance had continued the conversation from an older version
        (a waiting copy it could not see): the stored events were then not a
        prefix of this tracker's. An advisory lock per conversation serializes
        the writers on PostgreSQL (a turn and the write-back of another instance).
        """
        events = list(tracker.events)
        if not events:
            return
        sender_id = tracker.sender_id
        table = self.SQLEvent.__table__
        since = min(event.timestamp for event in events)
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": sender_id})
            stored = Counter(
                connection.execute(
                    sa.select(table.c.timestamp, table.c.type_name).where(
                        table.c.sender_id == sender_id, table.c.timestamp >= since
                    )
                ).all()
            )
            missing = []
            for event in events:
                key = (event.timestamp, event.type_name)
                if stored[key] > 0:
                    stored[key] -= 1
                else:
                    missing.append(event)
            if missing:
                connection.execute(table.insert(), self._rows(sender_id, missing))
        self._unknown_base.discard(sender_id)

    def _write_back(self, entry: Entry) -> None:
        """Write a conversation that waited in Redis, then remove it there (unless it changed meanwhile)."""
        self._ensure_schema()
        tracker = DialogueStateTracker.from_dict(entry.sender_id, entry.events, self.domain.slots)
        self._write_by_time(tracker)
        self._stored.pop(entry.sender_id, None)
        self._shared.delete(entry.sender_id, entry)

    def write_back_shared_once(self) -> int:
        """Write every conversation waiting in Redis; how many were written (stops at a database error)."""
        written = 0
        for entry in self._shared.entries():
            try:
                self._write_back(entry)
            except SQLAlchemyError as exc:
                logger.debug("Write-back of waiting conversations postponed (%s).", _reason(exc))
                break
            written += 1
        if written:
            logger.info("Wrote %d conversation(s) that waited in Redis during an outage.", written)
        return written

    def _mark_stored(self, sender_id: str, count: int) -> None:
        self._stored[sender_id] = count
        self._stored.move_to_end(sender_id)
        while len(self._stored) > STORED_COUNTS:
            self._stored.popitem(last=False)  # a forgotten count falls back to Rasa's COUNT query

    # -- retention ----------------------------------------------------------------
    def run_retention_once(self) -> int | None:
        """Delete expired conversations now; the number deleted, None on failure."""
        try:
            days = retention_days()
            result = delete_old_conversations(self.engine, days, now())
        except (SQLAlchemyError, ValueError) as exc:
            logger.warning("Retention did not run (%s).", _reason(exc))
            return None
        logger.info(
            "Retention (%d days): deleted %d conversation(s), %d event(s).", days, result.conversations, result.events
        )
        return result.conversations

    def _start_retention_thread(self) -> None:
        stop = threading.Event()

        def loop() -> None:
            delay = RETENTION_FIRST_RUN_SECONDS
            while not stop.wait(delay):
                self.run_retention_once()
                delay = RETENTION_INTERVAL_SECONDS

        self._retention_stop = stop
        threading.Thread(target=loop, name="tsunagari-retention", daemon=True).start()

    def _start_write_back_thread(self) -> None:
        """Conversations of an instance killed during an outage are written by a survivor."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(WRITE_BACK_INTERVAL_SECONDS):
                try:
                    self.write_back_shared_once()
                except Exception:  # noqa: BLE001 - the thread must outlive any single failure
                    logger.exception("Write-back of waiting conversations failed.")

        self._write_back_stop = stop
        threading.Thread(target=loop, name="tsunagari-write-back", daemon=True).start()
